//! BILL's requests, as data (`shared/BILLCOM.md`): per API type, how a connection
//! test signs in, what later calls carry, the read that proves the credentials
//! work, the logout, and how BILL's answers say yes or no.
//!
//! Nothing here performs a request. The reference backend executes these tables
//! (`server/src/bill.rs`), and [`crate::http_view`] shows them as the universal-HTTP
//! description of a connection; a test runs that description against the BILL
//! double and checks it sends exactly what the backend sends.

use crate::prelude::*;
use crate::spec::ApiType;

/// An HTTP method BILL's authentication calls use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// How a request body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// `application/x-www-form-urlencoded` (v2).
    Form,
    /// `application/json`: one object of string values (v3 gateway).
    Json,
}

impl Encoding {
    pub const fn media_type(self) -> &'static str {
        match self {
            Encoding::Form => "application/x-www-form-urlencoded",
            Encoding::Json => "application/json",
        }
    }
}

/// Where a value sent to BILL comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A field of the form, by id (a setting or a secret: [`crate::spec::is_secret`]).
    Field(&'static str),
    /// The session id the login answered with.
    Session,
}

/// One named value of a body or a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    /// BILL's name for it (a body key or a header name).
    pub name: &'static str,
    pub value: Source,
}

const fn field(name: &'static str, id: &'static str) -> Param {
    Param { name, value: Source::Field(id) }
}

const SESSION: Param = Param { name: "sessionId", value: Source::Session };

/// How an answer reports failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// v2: HTTP 200 always; `response_status` 0 is success (`response_data` holds
    /// the result), 1 failure with `response_data.error_code` (`BDC_...`).
    V2,
    /// v3 gateway: HTTP 200 is success; a 4xx carries a JSON array of
    /// `{ code, message, ... }` whose first `code` says why.
    V3,
}

/// A JSON type an answer's value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    String,
    Array,
}

/// What a successful answer must contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// A non-empty session id string at this JSON pointer (of the body for v3, of
    /// the body for v2 too: `/response_data/sessionId`).
    Session(&'static str),
    /// A value of this shape under this top-level key.
    Key(&'static str, Shape),
    /// Nothing (the answer is not read: a logout).
    Nothing,
}

/// One call to BILL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// Appended to the API type's base URL; may hold a fixed query.
    pub path: &'static str,
    /// The body, if any: its encoding and its values in order.
    pub body: Option<(Encoding, &'static [Param])>,
    /// Whether the call carries [`Protocol::carry`] (the session, or the token).
    pub authenticated: bool,
    pub envelope: Envelope,
    pub expect: Expect,
    /// A field BILL refuses with 401 or 403 on this call (rather than an error code).
    pub refused_by: Option<&'static str>,
}

/// Where authenticated calls carry their credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    /// In headers.
    Headers,
    /// In the form-encoded body, beside the call's own values (v2).
    Body,
}

/// How one API type authenticates, as BILL documents it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Protocol {
    /// The login; `None` when every call carries a long-lived token instead.
    pub login: Option<Request>,
    /// Where later calls carry [`Protocol::carry`].
    pub carrier: Carrier,
    /// What every later (authenticated) call carries.
    pub carry: &'static [Param],
    /// The cheap authenticated read that proves the credentials work, when the
    /// login's answer does not already say so.
    pub ping: Option<Request>,
    /// Ends the session a connection test opened (its failure does not fail the test).
    pub logout: Option<Request>,
    /// The field whose value BILL's rate limits count by.
    pub limited_by: &'static str,
}

/// What one call sends once the carried credentials are in place: its headers
/// (beyond `Accept` and `Content-Type`) and its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub headers: Vec<Param>,
    pub body: Option<(Encoding, Vec<Param>)>,
}

impl Protocol {
    /// The headers and body of `r`, with [`Protocol::carry`] added where this API
    /// type carries it (an authenticated v2 call without a body of its own gets a
    /// form body for it).
    pub fn resolve(&self, r: &Request) -> Resolved {
        let carried = if r.authenticated { self.carry } else { &[] };
        let mut headers = Vec::new();
        let mut body = r.body.map(|(e, list)| (e, list.to_vec()));
        match self.carrier {
            Carrier::Headers => headers.extend_from_slice(carried),
            Carrier::Body if !carried.is_empty() => {
                body.get_or_insert_with(|| (Encoding::Form, Vec::new())).1.extend_from_slice(carried)
            }
            Carrier::Body => {}
        }
        Resolved { headers, body }
    }

    /// The calls of a connection test, in order: login, ping, logout (those that exist).
    pub fn steps(&self) -> impl Iterator<Item = (Step, &Request)> + '_ {
        [(Step::Login, self.login.as_ref()), (Step::Ping, self.ping.as_ref()), (Step::Logout, self.logout.as_ref())]
            .into_iter()
            .filter_map(|(s, r)| Some((s, r?)))
    }
}

/// The role of a call in a connection test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Login,
    Ping,
    Logout,
}

impl Step {
    pub const fn as_str(self) -> &'static str {
        match self {
            Step::Login => "login",
            Step::Ping => "ping",
            Step::Logout => "logout",
        }
    }
}

/// Every answer BILL's authentication calls give is JSON.
pub const ACCEPT: &str = "application/json";

/// How an API type authenticates.
pub const fn protocol(t: ApiType) -> &'static Protocol {
    match t {
        ApiType::ApArV2 => &AP_AR_V2,
        ApiType::ApArV3 => &AP_AR_V3,
        ApiType::Partner => &PARTNER,
        ApiType::SpendExpense => &SPEND_EXPENSE,
    }
}

/// AP/AR v2: `POST {base}/Login.json`, form-encoded; later calls are form-encoded
/// POSTs carrying `devKey` and `sessionId` in the body. The login's answer is the
/// verdict.
static AP_AR_V2: Protocol = Protocol {
    login: Some(Request {
        method: Method::Post,
        path: "/Login.json",
        body: Some((
            Encoding::Form,
            &[
                field("userName", "username"),
                field("password", "password"),
                field("orgId", "organizationId"),
                field("devKey", "devKey"),
            ],
        )),
        authenticated: false,
        envelope: Envelope::V2,
        expect: Expect::Session("/response_data/sessionId"),
        refused_by: None,
    }),
    carrier: Carrier::Body,
    carry: &[field("devKey", "devKey"), SESSION],
    ping: None,
    logout: None,
    limited_by: "devKey",
};

/// AP/AR v3: `POST {base}/v3/login` (JSON), then `GET {base}/v3/login/session` and
/// `POST {base}/v3/logout` with the `devKey` and `sessionId` headers.
static AP_AR_V3: Protocol = Protocol {
    login: Some(Request {
        method: Method::Post,
        path: "/v3/login",
        body: Some((
            Encoding::Json,
            &[
                field("username", "username"),
                field("password", "password"),
                field("organizationId", "organizationId"),
                field("devKey", "devKey"),
            ],
        )),
        authenticated: false,
        envelope: Envelope::V3,
        expect: Expect::Session("/sessionId"),
        refused_by: None,
    }),
    carrier: Carrier::Headers,
    carry: &[field("devKey", "devKey"), SESSION],
    ping: Some(Request {
        method: Method::Get,
        path: "/v3/login/session",
        body: None,
        authenticated: true,
        envelope: Envelope::V3,
        expect: Expect::Key("organizationId", Shape::String),
        refused_by: None,
    }),
    logout: Some(Request {
        method: Method::Post,
        path: "/v3/logout",
        body: None,
        authenticated: true,
        envelope: Envelope::V3,
        expect: Expect::Nothing,
        refused_by: None,
    }),
    limited_by: "devKey",
};

/// Partner: `POST {base}/v3/partner/login` (JSON); later calls carry the
/// `sessionId` and `appKey` headers. The login's answer is the verdict.
static PARTNER: Protocol = Protocol {
    login: Some(Request {
        method: Method::Post,
        path: "/v3/partner/login",
        body: Some((
            Encoding::Json,
            &[field("username", "username"), field("password", "password"), field("appKey", "appKey")],
        )),
        authenticated: false,
        envelope: Envelope::V3,
        expect: Expect::Session("/sessionId"),
        refused_by: None,
    }),
    carrier: Carrier::Headers,
    carry: &[SESSION, field("appKey", "appKey")],
    ping: None,
    logout: None,
    limited_by: "appKey",
};

/// Spend & Expense: no login; every call carries the `apiToken` header. The test
/// reads one budget; 401/403 mean the token was refused.
static SPEND_EXPENSE: Protocol = Protocol {
    login: None,
    carrier: Carrier::Headers,
    carry: &[field("apiToken", "apiToken")],
    ping: Some(Request {
        method: Method::Get,
        path: "/v3/spend/budgets?max=1",
        body: None,
        authenticated: true,
        envelope: Envelope::V3,
        expect: Expect::Key("results", Shape::Array),
        refused_by: Some("apiToken"),
    }),
    logout: None,
    limited_by: "apiToken",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::API_TYPES;

    fn fields(p: &Protocol) -> Vec<&'static str> {
        let body = |r: &Request| r.body.map_or(&[][..], |(_, b)| b);
        let mut params: Vec<Param> = p.carry.to_vec();
        for (_, r) in p.steps() {
            params.extend_from_slice(body(r));
        }
        let mut ids: Vec<_> = params
            .iter()
            .filter_map(|p| match p.value {
                Source::Field(id) => Some(id),
                Source::Session => None,
            })
            .collect();
        ids.push(p.limited_by);
        ids.extend(p.steps().filter_map(|(_, r)| r.refused_by));
        ids
    }

    #[test]
    fn every_value_sent_comes_from_a_field_the_type_has() {
        for t in API_TYPES {
            for id in fields(protocol(*t)) {
                assert!(t.has_field(id), "{}: {id}", t.id);
            }
        }
    }

    #[test]
    fn a_session_is_used_only_after_a_login_that_yields_one() {
        for t in API_TYPES {
            let p = protocol(*t);
            let yields = p.login.is_some_and(|l| matches!(l.expect, Expect::Session(_)));
            let needs = p.carry.iter().any(|c| c.value == Source::Session);
            assert_eq!(yields, needs, "{}", t.id);
            assert!(!matches!(p.login, Some(l) if l.authenticated), "{}: a login cannot carry a session", t.id);
            for (_, r) in p.steps() {
                let body = r.body.map_or(&[][..], |(_, b)| b);
                assert!(body.iter().all(|b| b.value != Source::Session), "{}: session in a body", t.id);
            }
            // Something must give the verdict: a login that yields a session, or a ping.
            assert!(yields || p.ping.is_some(), "{}", t.id);
        }
    }

    #[test]
    fn bodies_only_on_posts_and_the_v2_carrier_only_on_form_posts() {
        for t in API_TYPES {
            let p = protocol(*t);
            for (_, r) in p.steps() {
                if r.body.is_some() {
                    assert_eq!(r.method, Method::Post, "{}: {}", t.id, r.path);
                }
                if r.authenticated && p.carrier == Carrier::Body {
                    assert!(matches!(r.body, Some((Encoding::Form, _))), "{}: {}", t.id, r.path);
                }
            }
        }
    }
}
