//! The state of one connection form: what the user typed, with secrets kept apart.
//!
//! This is the custody logic behind the JS `ConnectionForm` class, kept free of JS
//! types so it is tested natively. Secrets live in [`Secret`]s (redacted, zeroized)
//! and leave only through [`FormState::payload`], the one request body for the
//! backend.

use crate::prelude::*;
use crate::report::{Issue, Report};
use crate::secret::Secret;
use crate::spec::{self, ApiType, Field, FIELDS};
use crate::validate::{self, Finding, UsageError, Value, ValueRef};
use crate::wire;
use zeroize::Zeroizing;

/// Create a new connection, or edit a saved one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Create,
    Edit { id: String },
}

/// At most this many rows in [`FIELDS`] (a test checks it): a form keeps one slot
/// per row, so every field is found by its index, never by comparing ids.
pub const MAX_FIELDS: usize = 16;

/// One field's current content.
#[derive(Default)]
enum Slot {
    #[default]
    Empty,
    /// A non-secret value, or a secret field holding something that is not text
    /// (nothing secret about a number typed where a key belongs).
    Plain(Value),
    Secret(Secret),
}

impl Slot {
    fn value(&self) -> ValueRef<'_> {
        match self {
            Slot::Empty => ValueRef::Missing,
            Slot::Plain(v) => v.as_ref(),
            Slot::Secret(s) => ValueRef::Text(s.expose()),
        }
    }
}

/// The row of [`FIELDS`] a field is ([`spec::row`]; past the end, so no slot,
/// for a field from elsewhere).
fn index(f: &'static Field) -> usize {
    spec::row(f).unwrap_or(usize::MAX)
}

/// Whether `f` is one of the fields every API type shows, by row.
fn is_common(f: &'static Field) -> bool {
    spec::COMMON_LIST.contains(index(f))
}

pub struct FormState {
    mode: Mode,
    api_type: &'static ApiType,
    /// Every field's content by table index, whatever the API type: switching
    /// type and back finds what was typed.
    slots: [Slot; MAX_FIELDS],
    /// Each field's findings by table index, kept current on every change for the
    /// current API type's fields (empty for the others), so `validate()` only reads
    /// them (no text is built until a caller asks for a [`Report`]).
    found: [Vec<Finding>; MAX_FIELDS],
    /// [`Self::applies_to_credentials`] as of the last [`Self::refresh_all`], which
    /// every change of `apiType` ends with: a keystroke reads it, no id compared.
    credentials: bool,
}

impl core::fmt::Debug for FormState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let held: Vec<_> = FIELDS.iter().zip(&self.slots).filter(|(_, s)| !matches!(s, Slot::Empty)).collect();
        f.debug_struct("FormState")
            .field("mode", &self.mode)
            .field("api_type", &self.api_type.id)
            .field("fields", &held.iter().map(|(f, _)| f.id).collect::<Vec<_>>())
            .finish()
    }
}

impl FormState {
    // Not inlined into `new` and `edit` both (measured: 41 B brotli).
    #[inline(never)]
    fn empty(mode: Mode, api_type: &'static ApiType) -> Self {
        FormState {
            mode,
            api_type,
            slots: Default::default(),
            found: [const { Vec::new() }; MAX_FIELDS],
            credentials: false,
        }
    }

    /// An empty form for an API type, in create mode.
    pub fn new(api_type: &str) -> Result<Self, UsageError> {
        Ok(FormState::of_type(spec::api_type(api_type).ok_or(UsageError::UnknownApiType)?))
    }

    /// [`Self::new`] for an API type already looked up.
    pub fn of_type(api_type: &'static ApiType) -> Self {
        let mut form = FormState::empty(Mode::Create, api_type);
        form.put_type(api_type);
        form.refresh_all();
        form
    }

    /// A form for a saved connection: its non-secret values are loaded (`saved`
    /// gives each field's value), every secret starts empty and must be entered
    /// again: secret fields are never even read.
    pub fn edit<'v>(id: &str, saved: impl Fn(&'static Field) -> ValueRef<'v>) -> Result<Self, UsageError> {
        if id.is_empty() {
            return Err(UsageError::InvalidArgument);
        }
        let api = match saved(spec::API_TYPE_ROW) {
            ValueRef::Text(t) => spec::api_type(t),
            _ => None,
        }
        .ok_or(UsageError::UnknownApiType)?;
        let mut form = FormState::empty(Mode::Edit { id: id.to_owned() }, api);
        for f in api.fields().filter(|f| !f.secret) {
            form.put(f, saved(f));
        }
        form.refresh_all();
        Ok(form)
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn api_type(&self) -> &'static ApiType {
        self.api_type
    }

    fn slot(&self, f: &'static Field) -> &Slot {
        self.slots.get(index(f)).unwrap_or(&Slot::Empty)
    }

    /// Stores a value (a secret's text in a [`Secret`]) without checking it. Text
    /// replacing text goes into the slot's own buffer, the old bytes zeroized first
    /// (a bigger value then grows a buffer holding only zeros): no allocation on
    /// most keystrokes.
    fn put(&mut self, f: &'static Field, value: ValueRef<'_>) {
        let Some(slot) = self.slots.get_mut(index(f)) else { return };
        match (slot, value) {
            (Slot::Secret(s), ValueRef::Text(t)) => s.replace(t),
            (Slot::Plain(Value::Text(s)), ValueRef::Text(t)) => crate::secret::overwrite(s, t),
            (slot, ValueRef::Missing) => *slot = Slot::Empty,
            (slot, ValueRef::Text(t)) if f.secret => *slot = Slot::Secret(Secret::new(t.to_owned())),
            (slot, value) => *slot = Slot::Plain(value.to_value()),
        }
    }

    fn put_type(&mut self, t: &'static ApiType) {
        self.put(spec::API_TYPE_ROW, ValueRef::Text(t.id));
    }

    /// Whether the credentials' items count: as in `validate()`, only while
    /// `apiType` holds a known id.
    fn applies_to_credentials(&self) -> bool {
        matches!(self.slot(spec::API_TYPE_ROW).value(), ValueRef::Text(t) if spec::api_type(t).is_some())
    }

    /// Re-checks every field of the current API type (and forgets the findings of
    /// the others).
    fn refresh_all(&mut self) {
        self.found.iter_mut().for_each(Vec::clear);
        let credentials = self.applies_to_credentials();
        self.credentials = credentials;
        for f in self.api_type.fields() {
            if credentials || is_common(f) {
                if let (Some(kept), Some(slot)) = (self.found.get_mut(index(f)), self.slots.get(index(f))) {
                    validate::check(f, slot.value(), kept);
                }
            }
        }
    }

    /// Sets a field of the current API type and returns that field's report items.
    /// Setting `apiType` to a known id switches the API type (see [`Self::set_api_type`]).
    pub fn set(&mut self, field: &str, value: Value) -> Result<Vec<Issue>, UsageError> {
        let mut found = Vec::new();
        self.set_into(field, value.as_ref(), &mut found)?;
        Ok(found.iter().map(Finding::issue).collect())
    }

    /// [`Self::set`], with the field's findings appended to `out` (no text built).
    pub fn set_into(&mut self, field: &str, value: ValueRef<'_>, out: &mut Vec<Finding>) -> Result<(), UsageError> {
        let f = validate::field_of(self.api_type, field)?;
        let mut spare = Vec::new();
        out.extend_from_slice(self.set_field(f, value, &mut spare)?);
        Ok(())
    }

    /// [`Self::set_into`] for a row of [`FIELDS`] (`unknown_field` unless the
    /// current API type shows it): the field's findings, checked straight into the
    /// row the form keeps (no copy), or into `spare` when the row is not kept (a
    /// credential while `apiType` holds no known id).
    pub fn set_field<'a>(
        &'a mut self,
        f: &'static Field,
        value: ValueRef<'_>,
        spare: &'a mut Vec<Finding>,
    ) -> Result<&'a [Finding], UsageError> {
        let i = index(f);
        if !self.api_type.field_list().contains(i) {
            return Err(UsageError::UnknownField);
        }
        if i == spec::API_TYPE_FIELD {
            if let ValueRef::Text(id) = value {
                if let Some(t) = spec::api_type(id) {
                    self.switch(t);
                    return Ok(&[]);
                }
            }
            // Not a known id: credentials stop counting; apiType's own row (a
            // common field, so kept) is checked with the rest.
            self.put(f, value);
            self.refresh_all();
        } else {
            self.put(f, value);
            let kept = is_common(f) || self.credentials;
            let row = match self.found.get_mut(i) {
                Some(row) if kept => row,
                _ => spare,
            };
            row.clear();
            validate::check(f, value, row);
            return Ok(row);
        }
        Ok(self.found.get(i).map_or(&[], Vec::as_slice))
    }

    /// Switches API type. Every value typed is kept, for every type: fields both
    /// types have carry over, and the others come back on switching back. Only the
    /// current type's fields are validated, listed and sent.
    pub fn set_api_type(&mut self, id: &str) -> Result<(), UsageError> {
        self.switch(spec::api_type(id).ok_or(UsageError::UnknownApiType)?);
        Ok(())
    }

    fn switch(&mut self, t: &'static ApiType) {
        self.api_type = t;
        self.put_type(t);
        self.refresh_all();
    }

    /// The same report `validate()` gives for these settings (assembled from the
    /// items kept current on every change; a test checks it equals a fresh verdict).
    pub fn validate(&self) -> Report {
        Report::new(self.findings().map(Finding::issue).collect())
    }

    /// The findings of [`Self::validate`], in report order, as kept (nothing built).
    pub fn findings(&self) -> impl Iterator<Item = &Finding> + '_ {
        self.api_type.fields().flat_map(|f| self.found.get(index(f)).into_iter().flatten())
    }

    /// The findings of [`Self::findings`] field by field, as kept (nothing copied).
    pub fn rows(&self) -> impl Iterator<Item = &[Finding]> + '_ {
        self.api_type.field_list().indices().iter().filter_map(|&i| self.found.get(usize::from(i))).map(Vec::as_slice)
    }

    /// The non-secret text values of the current API type's fields, as typed.
    pub fn values(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::with_capacity(MAX_FIELDS);
        for f in self.api_type.fields() {
            if let Slot::Plain(Value::Text(t)) = self.slot(f) {
                out.push((f.id, t.as_str()));
            }
        }
        out
    }

    /// For each secret field of the current API type, whether it holds a value.
    pub fn secrets_filled(&self) -> Vec<(&'static str, bool)> {
        self.api_type
            .fields()
            .filter(|f| f.secret)
            .map(|f| (f.id, matches!(self.slot(f), Slot::Secret(s) if !s.is_empty())))
            .collect()
    }

    /// [`Self::secrets_filled`] as bits: bit `i` set when row `i` of [`FIELDS`]
    /// holds a secret value (whatever the API type; the bindings pick the current
    /// type's secret fields from its form spec).
    pub fn filled_secret_rows(&self) -> u32 {
        (0..).zip(&self.slots).fold(0, |bits, (i, slot)| match slot {
            Slot::Secret(s) if !s.is_empty() && i < 32 => bits | 1 << i,
            _ => bits,
        })
    }

    /// Zeroizes and forgets every secret (of every API type).
    pub fn clear_secrets(&mut self) {
        for slot in &mut self.slots {
            if let Slot::Secret(_) = slot {
                *slot = Slot::Empty; // the Secret zeroizes on drop
            }
        }
        self.refresh_all();
    }

    /// After a successful save: secrets are gone, and the form now edits the
    /// saved record (a second submit can never create a second one).
    pub fn saved(&mut self, id: String) {
        self.clear_secrets();
        self.mode = Mode::Edit { id };
    }

    /// The request body for the backend, from valid settings only:
    /// `{ name, apiType, environment, settings: {...}, secrets: {...} }`, with the
    /// current API type's fields, normalized. The text is zeroized when dropped.
    pub fn payload(&self) -> Result<Zeroizing<String>, Report> {
        self.body().ok_or_else(|| self.validate())
    }

    /// [`Self::payload`] without the report: `None` when some finding is an error.
    pub fn body(&self) -> Option<Zeroizing<String>> {
        if self.findings().any(Finding::is_error) {
            return None;
        }
        let mut top = Vec::new();
        let mut settings = Vec::new();
        let mut secrets = Vec::new();
        for f in self.api_type.fields() {
            let ValueRef::Text(raw) = self.slot(f).value() else { continue };
            let bucket = if f.secret {
                &mut secrets
            } else if is_common(f) {
                &mut top
            } else {
                &mut settings
            };
            bucket.push((f.id, validate::normalize(f, raw)));
        }
        Some(wire::write_parts(&top, &settings, &secrets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Severity;
    use crate::validate::validate as validate_entries;
    use crate::validate::Entry;

    fn filled(api: &str) -> FormState {
        let mut f = FormState::new(api).unwrap();
        for (k, v) in [
            ("name", " Ops "),
            ("environment", "sandbox"),
            ("organizationId", " 00801ABCDEFGHIJKL "),
            ("username", "ops@example.com"),
            ("password", " pw with spaces "),
            ("devKey", " dev-key-1 "),
            ("appKey", "app-key-1"),
            ("apiToken", "tok-1"),
        ] {
            if f.api_type().has_field(k) {
                f.set(k, Value::Text(v.into())).unwrap();
            }
        }
        f
    }

    #[test]
    fn payload_splits_settings_from_secrets_and_normalizes() {
        let f = filled("ap-ar-v3");
        let body: serde_json::Value = serde_json::from_str(&f.payload().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "name": "Ops", "apiType": "ap-ar-v3", "environment": "sandbox",
                "settings": { "organizationId": "00801ABCDEFGHIJKL", "username": "ops@example.com" },
                "secrets": { "password": " pw with spaces ", "devKey": "dev-key-1" }
            })
        );
    }

    #[test]
    fn invalid_forms_give_no_payload() {
        let mut f = filled("partner");
        f.set("password", Value::Missing).unwrap();
        let report = f.payload().unwrap_err();
        assert_eq!(report.errors[0].field.as_deref(), Some("password"));
    }

    #[test]
    fn switching_api_type_shows_only_its_fields_and_restores_the_others() {
        let mut f = filled("ap-ar-v3");
        f.set_api_type("partner").unwrap();
        assert_eq!(f.api_type().id, "partner");
        let keys: Vec<_> = f.values().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["name", "apiType", "environment", "username"]);
        assert_eq!(f.secrets_filled(), [("appKey", false), ("password", true)]);
        // Only the partner's fields count and are sent (the password's spaces only warn).
        let report = f.validate();
        let errors: Vec<_> =
            report.errors.iter().filter(|i| i.severity == Severity::Error).map(|i| i.field.as_deref()).collect();
        assert_eq!(errors, [Some("appKey")]);
        f.set("apiType", Value::Text("spend-expense".into())).unwrap();
        assert_eq!(f.secrets_filled(), [("apiToken", false)]);
        assert!(f.set("password", Value::Text("x".into())).is_err());
        // Back to V3: what was typed for it is all there again, and valid.
        f.set_api_type("ap-ar-v3").unwrap();
        assert!(f.validate().valid, "{:?}", f.validate().errors);
        assert_eq!(
            f.values().iter().find(|(k, _)| *k == "organizationId").map(|(_, v)| *v),
            Some(" 00801ABCDEFGHIJKL ")
        );
        assert_eq!(f.secrets_filled(), [("password", true), ("devKey", true)]);
        let body = f.payload().unwrap();
        assert!(body.contains("\"devKey\"") && !body.contains("appKey") && !body.contains("apiToken"));
        // clear_secrets forgets the secrets of every type, not only the shown one.
        f.set_api_type("spend-expense").unwrap();
        f.set("apiToken", Value::Text("tok".into())).unwrap();
        f.clear_secrets();
        f.set_api_type("ap-ar-v3").unwrap();
        assert_eq!(f.secrets_filled(), [("password", false), ("devKey", false)]);
    }

    #[test]
    fn edit_mode_loads_plain_values_and_never_secrets() {
        let saved = vec![
            Entry::text("name", "Ops"),
            Entry::text("apiType", "partner"),
            Entry::text("environment", "production"),
            Entry::text("username", "a@b.co"),
            Entry::text("appKey", "should-not-load"),
            Entry::text("password", "should-not-load"),
        ];
        let f = FormState::edit("abc", by_key(&saved)).unwrap();
        assert_eq!(f.mode(), &Mode::Edit { id: "abc".into() });
        assert_eq!(f.secrets_filled(), [("appKey", false), ("password", false)]);
        let codes: Vec<_> = f.validate().errors.iter().map(|i| (i.field.clone().unwrap(), i.code)).collect();
        assert_eq!(codes.len(), 2, "{codes:?}");
        // Not loaded at all (FormState's Debug prints no value, so it could not tell).
        let held = |s: &Slot| match s {
            Slot::Secret(x) => x.expose() == "should-not-load",
            Slot::Plain(Value::Text(t)) => t == "should-not-load",
            Slot::Plain(_) | Slot::Empty => false,
        };
        assert!(!f.slots.iter().any(held));
        let filled: Vec<_> =
            FIELDS.iter().zip(&f.slots).filter(|(_, s)| !matches!(s, Slot::Empty)).map(|(f, _)| f.id).collect();
        assert_eq!(filled, ["name", "apiType", "environment", "username"]);
    }

    /// Each field's value in `entries` (the last of duplicated keys), as the
    /// bindings hand a saved connection to [`FormState::edit`].
    fn by_key<'a>(entries: &'a [Entry]) -> impl Fn(&'static Field) -> ValueRef<'a> + 'a {
        move |f| entries.iter().rev().find(|e| e.key == f.id).map_or(ValueRef::Missing, |e| e.value.as_ref())
    }

    #[test]
    fn the_table_fits_a_form() {
        assert!(FIELDS.len() <= MAX_FIELDS);
        for (i, f) in FIELDS.iter().enumerate() {
            assert_eq!(index(f), i);
        }
    }

    #[test]
    fn filled_secret_rows_are_secrets_filled_as_bits() {
        let mut f = filled("ap-ar-v3");
        let bits = |f: &FormState| {
            let rows: Vec<_> =
                FIELDS.iter().enumerate().filter(|(i, _)| f.filled_secret_rows() >> i & 1 == 1).collect();
            rows.into_iter().map(|(_, x)| x.id).collect::<Vec<_>>()
        };
        assert_eq!(bits(&f), ["password", "devKey"]);
        f.set("devKey", Value::Text(String::new())).unwrap();
        assert_eq!(bits(&f), ["password"]);
        f.set_api_type("spend-expense").unwrap();
        f.set("apiToken", Value::Text("t".into())).unwrap();
        assert_eq!(bits(&f), ["password", "apiToken"], "every type's secrets");
        f.clear_secrets();
        assert_eq!(f.filled_secret_rows(), 0);
    }

    #[test]
    fn clear_and_saved_forget_secrets() {
        let mut f = filled("spend-expense");
        assert_eq!(f.secrets_filled(), [("apiToken", true)]);
        f.saved("id-1".into());
        assert_eq!(f.secrets_filled(), [("apiToken", false)]);
        assert_eq!(f.mode(), &Mode::Edit { id: "id-1".into() });
        assert!(f.payload().is_err());
    }

    /// The settings as `validate()` would get them: a fresh, uncached verdict.
    fn fresh(f: &FormState) -> Report {
        let mut entries: Vec<Entry> = f.values().iter().map(|(k, v)| Entry::text(k, v)).collect();
        for (field, slot) in FIELDS.iter().zip(&f.slots) {
            let id = field.id;
            match slot {
                Slot::Secret(s) => entries.push(Entry::text(id, s.expose())),
                Slot::Plain(v) if !matches!(v, Value::Text(_)) => {
                    entries.push(Entry { key: id.into(), value: v.clone() })
                }
                Slot::Plain(_) | Slot::Empty => {}
            }
        }
        validate_entries(&entries)
    }

    #[test]
    fn the_kept_report_always_equals_a_fresh_one() {
        let steps: &[(&str, Option<&str>)] = &[
            ("name", Some("")),
            ("environment", Some("prod")),
            ("organizationId", Some("0081")),
            ("username", Some("bob")),
            ("password", Some("  ")),
            ("devKey", Some("a b")),
            ("apiType", Some("partner")),
            ("appKey", Some("k")),
            ("password", Some("pw")),
            ("apiType", Some("ap-ar-v2")),
            ("organizationId", Some(" 008123456789012 ")),
            ("name", None),
            ("apiType", Some("spend-expense")),
            ("apiToken", Some("t t")),
            ("apiType", Some("spend_expense")),
            ("apiToken", Some("x y")),
            ("name", Some("ok")),
            ("apiType", None),
            ("apiToken", Some("")),
            ("apiType", Some("partner")),
            ("appKey", Some("a b")),
        ];
        let mut f = FormState::new("ap-ar-v3").unwrap();
        assert_eq!(f.validate(), fresh(&f));
        for (field, value) in steps {
            let v = value.map_or(Value::Missing, |s| Value::Text(s.into()));
            let _ = f.set(field, v);
            assert_eq!(f.validate(), fresh(&f), "after {field}={value:?}");
            assert_eq!(f.credentials, f.applies_to_credentials(), "after {field}={value:?}");
        }
        f.set("appKey", Value::NotText("number")).unwrap();
        assert_eq!(f.validate(), fresh(&f));
        f.clear_secrets();
        assert_eq!(f.validate(), fresh(&f));
    }

    #[test]
    fn unknown_names_are_misuse() {
        assert_eq!(FormState::new("x").unwrap_err(), UsageError::UnknownApiType);
        let mut f = FormState::new("partner").unwrap();
        assert_eq!(f.set("devkey", Value::Missing).unwrap_err(), UsageError::UnknownField);
        assert_eq!(f.set_api_type("nope").unwrap_err(), UsageError::UnknownApiType);
        assert_eq!(FormState::edit("", by_key(&[])).unwrap_err(), UsageError::InvalidArgument);
        assert_eq!(FormState::edit("i", by_key(&[])).unwrap_err(), UsageError::UnknownApiType);
    }
}
