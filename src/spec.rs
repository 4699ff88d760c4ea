//! The Bill.com connection form, as data.
//!
//! Everything the form knows lives in the three static tables below: [`API_TYPES`],
//! [`ENVIRONMENTS`] and [`FIELDS`]. The validator ([`crate::validate`]) and the form
//! spec handed to the browser are both read off these tables; adding a field or an
//! API type is an edit here, not new code.

use serde::Serialize;
/// A display text of the tables (help, details, placeholders, descriptions, option
/// labels, base URLs): the literal itself, or `""` when the crate is built without
/// its `texts` feature. The browser modules build it so: they carry these texts
/// already printed as JSON by `wasm/build.rs` (which uses the feature), and no code
/// of theirs reads them (measured: 244 B brotli in each module). Field labels stay:
/// report messages name them.
macro_rules! shown {
    ($s:expr) => {
        if cfg!(feature = "texts") {
            $s
        } else {
            ""
        }
    };
}

/// How a field is rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Text,
    Password,
    Select,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Password => "password",
            Kind::Select => "select",
        }
    }
}

/// What is done to a value before any rule looks at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Normalize {
    /// Taken as typed (passwords: a space may be part of one).
    None,
    /// Surrounding whitespace removed (people paste keys with stray spaces).
    Trim,
}

/// Where a select's options come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Options {
    /// The ids of [`API_TYPES`].
    ApiTypes,
    /// The ids of [`ENVIRONMENTS`], each carrying the chosen API type's base URL.
    Environments,
}

/// A format rule. Length limits and "required" are not rules but field attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// No character of Unicode category Cc (tabs, newlines, NUL, DEL, C1 controls).
    NoControlChars,
    /// No whitespace anywhere (applied after normalization).
    NoWhitespace,
    /// ASCII letters and digits only.
    Alphanumeric,
    /// Starts with this literal.
    Prefix(&'static str),
    /// Looks like an email address; only a warning, since BILL also accepts a sync
    /// token's name as the username.
    EmailExpected,
    /// No invisible format character (Unicode category Cf: zero-width spaces and
    /// joiners, bidi embeddings, overrides and isolates, the BOM, soft hyphens).
    /// A name is shown to other people; `\u{202E}` can make it read as another one.
    NoInvisible,
    /// No space, tab or other whitespace at either end; only a warning, for values
    /// that are never trimmed (a password may really end in a space, but a pasted
    /// one usually picked it up by accident, and BILL then refuses it).
    NoSurroundingWhitespace,
}

impl Rule {
    /// A short, stable name for the rule, reported in `params.rule`.
    pub const fn name(self) -> &'static str {
        match self {
            Rule::NoControlChars => "no_control_chars",
            Rule::NoWhitespace => "no_whitespace",
            Rule::Alphanumeric => "alphanumeric",
            Rule::Prefix(_) => "prefix",
            Rule::EmailExpected => "email",
            Rule::NoInvisible => "no_invisible",
            Rule::NoSurroundingWhitespace => "surrounding_whitespace",
        }
    }

    /// Whether breaking the rule is only a warning.
    pub const fn warns_only(self) -> bool {
        matches!(self, Rule::EmailExpected | Rule::NoSurroundingWhitespace)
    }
}

/// One field of the form.
#[derive(Debug)]
pub struct Field {
    /// Stable id: the settings key and the DOM name.
    pub id: &'static str,
    pub label: &'static str,
    /// One line shown under the field.
    pub help: &'static str,
    /// Where to find the value in BILL, for a disclosure under the help line.
    pub details: Option<&'static str>,
    pub kind: Kind,
    /// A keyboard hint (`inputmode`), never a syntax rule: the username is usually an
    /// email address, but a sync token's name is not.
    pub input_mode: Option<&'static str>,
    pub required: bool,
    /// Never logged, never shown back, never persisted by the browser.
    pub secret: bool,
    pub autocomplete: &'static str,
    pub placeholder: Option<&'static str>,
    /// In Unicode scalar values (Rust `char`s), after normalization.
    pub min_len: Option<u32>,
    pub max_len: Option<u32>,
    pub normalize: Normalize,
    pub options: Option<Options>,
    pub rules: &'static [Rule],
}

/// Declares [`ApiType`] and [`API_TYPES`] from one list, so the list of every API
/// type cannot miss a variant.
macro_rules! api_types {
    ($($(#[$doc:meta])* $variant:ident),+ $(,)?) => {
        /// An API type. Everything about one lives in tables reached through an
        /// exhaustive `match` on it ([`ApiType::info`], [`crate::bill_api::protocol`]):
        /// a new variant does not compile until each of them says what it is.
        ///
        /// It reads as its table row: `t.id`, `t.label`, `t.fields()` are those of
        /// [`ApiTypeInfo`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ApiType {
            $($(#[$doc])* $variant),+
        }

        /// Every API type, in the order the product page lists them (declaration order).
        pub static API_TYPES: &[ApiType] = &[$(ApiType::$variant),+];
    };
}

api_types! {
    /// Accounts Payable and Receivable, BILL's v2 API.
    ApArV2,
    /// Accounts Payable and Receivable, BILL's v3 API.
    ApArV3,
    /// Partner operations (v3 gateway, application key).
    Partner,
    /// Spend & Expense (v3 gateway, API token).
    SpendExpense,
}

impl ApiType {
    /// This API type's row of the form's tables.
    pub const fn info(self) -> &'static ApiTypeInfo {
        match self {
            ApiType::ApArV2 => &AP_AR_V2,
            ApiType::ApArV3 => &AP_AR_V3,
            ApiType::Partner => &PARTNER,
            ApiType::SpendExpense => &SPEND_EXPENSE,
        }
    }
}

impl ApiType {
    /// Every field this API type shows, in display order: the same fields as
    /// [`ApiTypeInfo::fields`], read by table index ([`FIELD_LISTS`]) instead of
    /// being looked up by id.
    pub fn fields(&self) -> impl Iterator<Item = &'static Field> + 'static {
        self.field_list().fields()
    }

    /// [`Self::fields`] as indices into [`FIELDS`].
    pub fn field_list(&self) -> &'static FieldList {
        // Every variant has its list (checked when FIELD_LISTS is built).
        FIELD_LISTS.get(*self as usize).unwrap_or(&COMMON_LIST)
    }
}

impl core::ops::Deref for ApiType {
    type Target = ApiTypeInfo;

    fn deref(&self) -> &ApiTypeInfo {
        self.info()
    }
}

/// What the form shows for an API type, and the credential fields it asks for, in
/// display order.
#[derive(Debug)]
pub struct ApiTypeInfo {
    pub id: &'static str,
    pub label: &'static str,
    /// Fits a closed select on a phone (the full label is two lines there).
    pub short_label: &'static str,
    pub description: &'static str,
    /// BILL's base URL per environment, in [`ENVIRONMENTS`] order.
    pub base_urls: [&'static str; 2],
    /// Field ids after the common ones (name, apiType, environment).
    pub credentials: &'static [&'static str],
    /// Said beside the environment choice for this API type only.
    pub environment_note: Option<&'static str>,
}

impl ApiTypeInfo {
    /// The base URL for an environment id, or `None` for an unknown environment.
    pub fn base_url(&self, environment: &str) -> Option<&'static str> {
        let index = ENVIRONMENTS.iter().position(|e| e.id == environment)?;
        self.base_urls.get(index).copied()
    }

    /// Every field this API type shows, in display order.
    pub fn fields(&self) -> impl Iterator<Item = &'static Field> + '_ {
        COMMON_FIELDS.iter().chain(self.credentials.iter()).filter_map(|id| field(id))
    }

    /// Whether this API type shows the field.
    pub fn has_field(&self, id: &str) -> bool {
        COMMON_FIELDS.contains(&id) || self.credentials.contains(&id)
    }
}

/// An environment option.
#[derive(Debug)]
pub struct Environment {
    pub id: &'static str,
    pub label: &'static str,
}

/// Shown for every API type, first.
pub const COMMON_FIELDS: &[&str] = &["name", "apiType", "environment"];

/// v3, partner and Spend & Expense share BILL's v3 gateway (production, sandbox).
const V3_URLS: [&str; 2] =
    [shown!("https://gateway.prod.bill.com/connect"), shown!("https://gateway.stage.bill.com/connect")];

static AP_AR_V2: ApiTypeInfo = ApiTypeInfo {
    id: "ap-ar-v2",
    label: shown!("Accounts Payable (AP) and Accounts Receivable (AR) V2"),
    short_label: shown!("AP/AR V2"),
    description: shown!(
        "The original BILL API for bills, vendor payments, invoices and receivables. \
                  Signs in with an organization ID, a user's credentials and a developer key."
    ),
    base_urls: [shown!("https://api.bill.com/api/v2"), shown!("https://api-stage.bill.com/api/v2")],
    credentials: &["organizationId", "username", "password", "devKey"],
    environment_note: Some(shown!(
        "Older BILL pages call api-stage.bill.com production and api-sandbox.bill.com the \
         sandbox. Today api-stage.bill.com is the V2 sandbox, and api-sandbox.bill.com was \
         shut down on 31 August 2024."
    )),
};

static AP_AR_V3: ApiTypeInfo = ApiTypeInfo {
    id: "ap-ar-v3",
    label: shown!("Accounts Payable (AP) and Accounts Receivable (AR) V3"),
    short_label: shown!("AP/AR V3"),
    description: shown!(
        "BILL's current AP/AR API, with more fields and workflow coverage than V2. \
                  Same credentials as V2, served by BILL's v3 gateway."
    ),
    base_urls: V3_URLS,
    credentials: &["organizationId", "username", "password", "devKey"],
    environment_note: None,
};

static PARTNER: ApiTypeInfo = ApiTypeInfo {
    id: "partner",
    label: shown!("Partner operations"),
    short_label: shown!("Partner"),
    description: shown!(
        "For accountants and software partners who onboard and administer many \
                  BILL organizations. Signs in with the partner's application key."
    ),
    base_urls: V3_URLS,
    credentials: &["appKey", "username", "password"],
    environment_note: None,
};

static SPEND_EXPENSE: ApiTypeInfo = ApiTypeInfo {
    id: "spend-expense",
    label: shown!("Spend and expense"),
    short_label: shown!("Spend & Expense"),
    description: shown!(
        "BILL Spend & Expense (formerly Divvy): cards, budgets, transactions and \
                  reimbursements. Authenticates every call with an API token."
    ),
    base_urls: V3_URLS,
    credentials: &["apiToken"],
    environment_note: None,
};

/// The environment options, in display order.
pub static ENVIRONMENTS: &[Environment] = &[
    Environment { id: "production", label: shown!("Production") },
    Environment { id: "sandbox", label: shown!("Sandbox") },
];

const KEY_RULES: &[Rule] = &[Rule::NoControlChars, Rule::NoWhitespace];

/// Every field any API type uses. Order here is irrelevant; display order comes from
/// [`COMMON_FIELDS`] and [`ApiType::credentials`].
///
/// `help` is one line; where a value comes from in BILL goes in `details`. That a
/// secret must be entered again on edit is said once per form by the renderer, not
/// per field. Secrets are `autocomplete="off"`: none of them is this site's own
/// password, so a password manager must neither offer to generate one (what
/// `new-password` invites) nor fill the site's login password in (what
/// `current-password` invites).
pub static FIELDS: &[Field] = &[
    Field {
        id: "name",
        label: "Name your connection",
        help: shown!("A name you will recognise in a list, e.g. \"BILL production - AP\"."),
        details: None,
        kind: Kind::Text,
        input_mode: None,
        required: true,
        secret: false,
        autocomplete: "off",
        placeholder: Some(shown!("BILL production")),
        min_len: None,
        max_len: Some(100),
        normalize: Normalize::Trim,
        options: None,
        rules: &[Rule::NoControlChars, Rule::NoInvisible],
    },
    Field {
        id: "apiType",
        label: "API type",
        help: shown!("Which of BILL's APIs this connection talks to."),
        details: None,
        kind: Kind::Select,
        input_mode: None,
        required: true,
        secret: false,
        autocomplete: "off",
        placeholder: None,
        min_len: None,
        max_len: None,
        normalize: Normalize::None,
        options: Some(Options::ApiTypes),
        rules: &[],
    },
    Field {
        id: "environment",
        label: "Environment",
        help: shown!("Production is your live BILL account; Sandbox is BILL's test environment."),
        details: None,
        kind: Kind::Select,
        input_mode: None,
        required: true,
        secret: false,
        autocomplete: "off",
        placeholder: None,
        min_len: None,
        max_len: None,
        normalize: Normalize::None,
        options: Some(Options::Environments),
        rules: &[],
    },
    Field {
        id: "organizationId",
        label: "Organization ID",
        help: shown!("Your BILL organization's ID; it begins with 008."),
        details: Some(shown!(
            "In BILL: Settings > Sync & Integrations > Manage Developer Keys. BILL support \
             gives it to you with API access."
        )),
        kind: Kind::Text,
        input_mode: None,
        required: true,
        secret: false,
        autocomplete: "off",
        placeholder: Some(shown!("00801ABCDEFGHIJKLMNO")),
        min_len: Some(15),
        max_len: Some(20),
        normalize: Normalize::Trim,
        options: None,
        rules: &[Rule::NoControlChars, Rule::Alphanumeric, Rule::Prefix("008")],
    },
    Field {
        id: "username",
        label: "Username",
        help: shown!("The email address of your BILL user, or a sync token's name."),
        details: None,
        kind: Kind::Text,
        input_mode: Some("email"),
        required: true,
        secret: false,
        autocomplete: "off",
        placeholder: Some(shown!("you@example.com")),
        min_len: None,
        max_len: Some(254),
        normalize: Normalize::Trim,
        options: None,
        rules: &[Rule::NoControlChars, Rule::EmailExpected],
    },
    Field {
        id: "password",
        label: "Password",
        help: shown!("That BILL user's password, or the sync token's value."),
        details: None,
        kind: Kind::Password,
        input_mode: None,
        required: true,
        secret: true,
        autocomplete: "off",
        placeholder: None,
        min_len: None,
        max_len: Some(256),
        normalize: Normalize::None,
        options: None,
        rules: &[Rule::NoControlChars, Rule::NoSurroundingWhitespace],
    },
    Field {
        id: "devKey",
        label: "Developer key",
        help: shown!("The developer key BILL issued for your organization."),
        details: Some(shown!(
            "In BILL: Settings > Sync & Integrations > Manage Developer Keys. If it is not \
             there, BILL support can enable it."
        )),
        kind: Kind::Password,
        input_mode: None,
        required: true,
        secret: true,
        autocomplete: "off",
        placeholder: None,
        min_len: None,
        max_len: Some(256),
        normalize: Normalize::Trim,
        options: None,
        rules: KEY_RULES,
    },
    Field {
        id: "appKey",
        label: "Application key",
        help: shown!("The application key of your BILL partner account."),
        details: Some(shown!("BILL emails it to you when your partner account is created.")),
        kind: Kind::Password,
        input_mode: None,
        required: true,
        secret: true,
        autocomplete: "off",
        placeholder: None,
        min_len: None,
        max_len: Some(256),
        normalize: Normalize::Trim,
        options: None,
        rules: KEY_RULES,
    },
    Field {
        id: "apiToken",
        label: "API token",
        help: shown!("A BILL Spend & Expense API token (admin role needed)."),
        details: Some(shown!(
            "In Spend & Expense: Profile > My account > Settings > API tokens > Generate new \
             token, then View and copy it: it is shown only once."
        )),
        kind: Kind::Password,
        input_mode: None,
        required: true,
        secret: true,
        autocomplete: "off",
        placeholder: None,
        min_len: None,
        max_len: Some(1024),
        normalize: Normalize::Trim,
        options: None,
        rules: KEY_RULES,
    },
];

/// Field indices into [`FIELDS`], at most [`MAX_LIST`] of them.
#[derive(Debug)]
pub struct FieldList {
    at: [u8; MAX_LIST],
    len: usize,
}

/// At most this many fields a list ([`FieldList`]).
pub const MAX_LIST: usize = 16;

impl FieldList {
    /// Whether row `row` of [`FIELDS`] is in the list.
    pub fn contains(&self, row: usize) -> bool {
        self.indices().iter().any(|&i| usize::from(i) == row)
    }

    /// The indices, in order.
    pub fn indices(&self) -> &[u8] {
        self.at.get(..self.len).unwrap_or_default()
    }

    /// The fields, in order.
    pub fn fields(&'static self) -> impl Iterator<Item = &'static Field> + 'static {
        self.indices().iter().filter_map(|&i| FIELDS.get(usize::from(i)))
    }

    /// The list of `ids`, each resolved to its row of [`FIELDS`] (compile time only:
    /// an id with no row, or too many ids, fails the build).
    const fn of(common: &[&str], credentials: &[&str]) -> FieldList {
        let mut at = [0u8; MAX_LIST];
        let mut len = 0;
        let mut i = 0;
        while i < common.len() + credentials.len() {
            let id = if i < common.len() { common[i] } else { credentials[i - common.len()] };
            assert!(len < MAX_LIST, "too many fields in a list");
            at[len] = index_of(id);
            len += 1;
            i += 1;
        }
        FieldList { at, len }
    }
}

/// The index of the row of [`FIELDS`] with this id (compile time only).
const fn index_of(id: &str) -> u8 {
    let mut i = 0;
    while i < FIELDS.len() {
        if same(FIELDS[i].id.as_bytes(), id.as_bytes()) {
            assert!(i < 256, "field index does not fit a u8");
            return i as u8;
        }
        i += 1;
    }
    panic!("a field list names an id with no row in FIELDS");
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// [`COMMON_FIELDS`] by table index.
pub static COMMON_LIST: FieldList = FieldList::of(COMMON_FIELDS, &[]);

/// The index of `apiType` in [`FIELDS`].
pub const API_TYPE_FIELD: usize = index_of("apiType") as usize;

/// The `apiType` row of [`FIELDS`] (found at compile time).
pub static API_TYPE_ROW: &Field = &FIELDS[API_TYPE_FIELD];

/// Each API type's fields ([`COMMON_FIELDS`], then its `credentials`) by table
/// index, in [`API_TYPES`] order: resolved from the ids at compile time, so the
/// ids in the tables above stay the one source.
static FIELD_LISTS: [FieldList; 4] = {
    let mut lists = [
        FieldList { at: [0; MAX_LIST], len: 0 },
        FieldList { at: [0; MAX_LIST], len: 0 },
        FieldList { at: [0; MAX_LIST], len: 0 },
        FieldList { at: [0; MAX_LIST], len: 0 },
    ];
    assert!(API_TYPES.len() == lists.len(), "one field list per API type");
    let mut i = 0;
    while i < API_TYPES.len() {
        assert!(API_TYPES[i] as usize == i, "API_TYPES is in declaration order");
        lists[i] = FieldList::of(COMMON_FIELDS, API_TYPES[i].info().credentials);
        i += 1;
    }
    lists
};

/// The row of [`FIELDS`] a field is (`None` for a `Field` from anywhere else):
/// fields are handed out as references into that table, so no id is compared.
pub fn row(f: &'static Field) -> Option<usize> {
    let i = (f as *const Field as usize).wrapping_sub(FIELDS.as_ptr() as usize) / size_of::<Field>();
    FIELDS.get(i).filter(|g| core::ptr::eq(*g, f)).map(|_| i)
}

/// The API type with this id.
pub fn api_type(id: &str) -> Option<&'static ApiType> {
    API_TYPES.iter().find(|t| t.id == id)
}

/// The environment with this id.
pub fn environment(id: &str) -> Option<&'static Environment> {
    ENVIRONMENTS.iter().find(|e| e.id == id)
}

/// The field with this id, whatever API type uses it.
pub fn field(id: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.id == id)
}

/// Whether `id` names a secret field.
pub fn is_secret(id: &str) -> bool {
    field(id).is_some_and(|f| f.secret)
}

/// The base URL BILL serves an API type from in an environment.
pub fn base_url(api_type_id: &str, environment: &str) -> Option<&'static str> {
    api_type(api_type_id)?.base_url(environment)
}
