//! What a connection test's answer from BILL means for the form, as data.
//!
//! The backend performs the calls ([`crate::bill_api`]; it holds the secrets); this
//! table turns BILL's answer into report items on the field that caused it, so the
//! browser can mark exactly what to fix. Native-only in practice: no WASM export
//! uses it, so it costs the browser module nothing.

use crate::prelude::*;
use crate::report::{Param, Params, Severity};
use crate::spec::ApiType;
use serde::Serialize;

/// The codes of a connection test's items. Closed, documented in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestCode {
    /// BILL rejected this field's value (`params.billCode` says how).
    Rejected,
    /// BILL refused the login for a reason no single field explains.
    AuthFailed,
    /// The user or the organization is locked out.
    Locked,
    /// Too many logins or requests: BILL's limits, or ours in front of them.
    RateLimited,
    /// BILL answered with a server error (5xx).
    UpstreamError,
    /// BILL did not answer in time.
    Timeout,
    /// BILL's answer was not what its API documents (not JSON, wrong shape).
    InvalidResponse,
    /// BILL could not be reached (DNS, TCP, TLS).
    Unreachable,
}

impl TestCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            TestCode::Rejected => "rejected",
            TestCode::AuthFailed => "auth_failed",
            TestCode::Locked => "locked",
            TestCode::RateLimited => "rate_limited",
            TestCode::UpstreamError => "upstream_error",
            TestCode::Timeout => "timeout",
            TestCode::InvalidResponse => "invalid_response",
            TestCode::Unreachable => "unreachable",
        }
    }
}

const CONNECTED: &str = "Connected: BILL accepted these credentials.";

/// One item of a test result: the validator's report shape with check codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TestIssue {
    pub field: Option<Cow<'static, str>>,
    pub code: TestCode,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Params::is_empty")]
    pub params: Params,
}

/// The answer to "does this connection work?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TestResult {
    pub ok: bool,
    pub message: String,
    pub errors: Vec<TestIssue>,
}

impl TestResult {
    pub fn success() -> Self {
        TestResult { ok: true, message: CONNECTED.into(), errors: Vec::new() }
    }

    pub fn failure(errors: Vec<TestIssue>) -> Self {
        let message = errors
            .iter()
            .find(|e| e.field.is_none())
            .or_else(|| errors.first())
            .map_or_else(|| "BILL refused the connection.".to_owned(), |e| e.message.clone());
        TestResult { ok: false, message, errors }
    }

    /// A form-level failure with one item.
    pub fn form_level(code: TestCode, bill_code: Option<&'static str>, message: &str) -> Self {
        let mut params = Params::default();
        if let Some(c) = bill_code {
            params.0.push(("billCode", Param::Str(c)));
        }
        TestResult::failure(vec![TestIssue {
            field: None,
            code,
            severity: Severity::Error,
            message: message.into(),
            params,
        }])
    }
}

/// Where a BILL code lands and what it means.
struct Row {
    bill_code: &'static str,
    /// The fields BILL blames, among those of every API type; an item goes on each
    /// one the tested API type has. None of them: a form-level item.
    fields: &'static [&'static str],
    code: TestCode,
    message: &'static str,
}

/// BILL's login error codes (BILLCOM.md), and what the form makes of them.
static BILL_CODES: &[Row] = &[
    Row {
        bill_code: "BDC_1101",
        fields: &["username", "password"],
        code: TestCode::Rejected,
        message: "BILL did not accept this username and password.",
    },
    Row {
        bill_code: "BDC_1102",
        fields: &["devKey", "appKey"],
        code: TestCode::Rejected,
        message: "BILL did not recognise this key.",
    },
    Row {
        bill_code: "BDC_1103",
        fields: &["devKey", "appKey"],
        code: TestCode::Rejected,
        message: "This key is inactive in BILL; activate it or use another one.",
    },
    Row {
        bill_code: "BDC_1123",
        fields: &["organizationId"],
        code: TestCode::Rejected,
        message: "BILL has no organization with this ID for these credentials.",
    },
    Row {
        bill_code: "BDC_1104",
        fields: &[],
        code: TestCode::AuthFailed,
        message: "BILL's developer terms have not been accepted for this key: accept them in BILL, then test again.",
    },
    Row {
        bill_code: "BDC_1107",
        fields: &[],
        code: TestCode::Locked,
        message: "This BILL organization is locked out. Contact BILL support.",
    },
    Row {
        bill_code: "BDC_1110",
        fields: &[],
        code: TestCode::Locked,
        message: "This BILL login is locked. Unlock it in BILL (or wait), then test again.",
    },
    Row {
        bill_code: "BDC_1111",
        fields: &[],
        code: TestCode::AuthFailed,
        message: "This BILL user is not active in the organization.",
    },
    Row {
        bill_code: "BDC_1144",
        fields: &[],
        code: TestCode::RateLimited,
        message: "BILL's login limit was reached. Wait a few minutes, then test again.",
    },
    Row {
        bill_code: "BDC_1322",
        fields: &[],
        code: TestCode::RateLimited,
        message: "BILL is handling too many requests for this account. Wait a moment, then test again.",
    },
];

/// Report items for a BILL error code answered to a call of `api_type`.
/// Unknown codes (BDC_1108 missing parameter, BDC_1113 login error, ...) are a
/// form-level `auth_failed` carrying the code.
pub fn from_bill_code(api_type: ApiType, bill_code: &str) -> TestResult {
    let Some(row) = BILL_CODES.iter().find(|r| r.bill_code == bill_code) else {
        let mut r = TestResult::form_level(TestCode::AuthFailed, None, "BILL refused the login.");
        // Unknown codes are BILL's text, not ours: keep only the code's expected shape.
        if bill_code.len() <= 16 && bill_code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            if let Some(e) = r.errors.first_mut() {
                e.params.0.push(("billCode", Param::Owned(bill_code.to_owned())));
            }
        }
        return r;
    };
    let params = || Params(vec![("billCode", Param::Str(row.bill_code))]);
    let fields: Vec<&'static str> = row.fields.iter().copied().filter(|f| api_type.has_field(f)).collect();
    if fields.is_empty() {
        // A rejection with no field of this API type to point at is a plain failure.
        let code = if row.code == TestCode::Rejected { TestCode::AuthFailed } else { row.code };
        return TestResult::form_level(code, Some(row.bill_code), row.message);
    }
    TestResult::failure(
        fields
            .into_iter()
            .map(|f| TestIssue {
                field: Some(Cow::Borrowed(f)),
                code: row.code,
                severity: Severity::Error,
                message: row.message.into(),
                params: params(),
            })
            .collect(),
    )
}

/// `{label}` stands for the refused field's label.
const REFUSED: &str = "BILL refused this value ({label}). Check it, or make a new one and paste it again.";
const UNSENDABLE: &str = "BILL cannot accept this value: it holds characters that cannot be sent in an HTTP header.";

/// BILL refused a field's value with HTTP 401 or 403 (the Spend & Expense token).
pub fn refused(field: &'static str) -> TestResult {
    let label = crate::spec::field(field).map_or(field, |f| f.label);
    TestResult::failure(vec![TestIssue {
        field: Some(Cow::Borrowed(field)),
        code: TestCode::Rejected,
        severity: Severity::Error,
        message: REFUSED.replace("{label}", label),
        params: Params::default(),
    }])
}

/// BILL cannot have accepted a value that cannot be sent in an HTTP header.
pub fn unsendable(field: &'static str) -> TestResult {
    TestResult::failure(vec![TestIssue {
        field: Some(Cow::Borrowed(field)),
        code: TestCode::Rejected,
        severity: Severity::Error,
        message: UNSENDABLE.into(),
        params: Params(vec![("rule", Param::Str("header"))]),
    }])
}

/// A failure of the exchange itself, not of the credentials.
pub fn transport(code: TestCode) -> TestResult {
    TestResult::form_level(code, None, transport_message(code))
}

fn transport_message(code: TestCode) -> &'static str {
    match code {
        TestCode::Timeout => "BILL did not answer within 10 seconds. Test again in a moment.",
        TestCode::UpstreamError => "BILL answered with a server error. Test again in a moment.",
        TestCode::InvalidResponse => "BILL's answer was not in the format its API documents. Test again later.",
        TestCode::Unreachable => "BILL could not be reached from the server.",
        TestCode::RateLimited => "Too many connection tests for these credentials. Wait a minute, then test again.",
        TestCode::Locked | TestCode::AuthFailed | TestCode::Rejected => "BILL refused the login.",
    }
}

/// Every message a test result can carry, keyed for a frontend that translates:
/// `test.ok` (success), `bill.{code}` (a known BILL code), `test.rejected` (a refusal
/// without a BILL code; `{label}` is the field's label), `test.rejected.header` (a value
/// no HTTP header can carry), `test.{code}` (transport failures and the generic
/// refusal). Each is fixed text.
pub fn catalogue() -> Vec<(String, &'static str)> {
    let mut out = vec![("test.ok".to_owned(), CONNECTED)];
    for row in BILL_CODES {
        out.push((["bill.", row.bill_code].concat(), row.message));
    }
    out.push(("test.rejected".to_owned(), REFUSED));
    out.push(("test.rejected.header".to_owned(), UNSENDABLE));
    for code in [
        TestCode::AuthFailed,
        TestCode::Timeout,
        TestCode::UpstreamError,
        TestCode::InvalidResponse,
        TestCode::Unreachable,
        TestCode::RateLimited,
        TestCode::Locked,
    ] {
        out.push((["test.", code.as_str()].concat(), transport_message(code)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: &TestResult) -> Vec<(Option<&str>, &str)> {
        r.errors.iter().map(|e| (e.field.as_deref(), e.code.as_str())).collect()
    }

    #[test]
    fn bill_codes_land_on_the_field_that_caused_them() {
        assert_eq!(
            fields(&from_bill_code(ApiType::ApArV3, "BDC_1101")),
            [(Some("username"), "rejected"), (Some("password"), "rejected")]
        );
        assert_eq!(fields(&from_bill_code(ApiType::ApArV2, "BDC_1102")), [(Some("devKey"), "rejected")]);
        assert_eq!(fields(&from_bill_code(ApiType::Partner, "BDC_1102")), [(Some("appKey"), "rejected")]);
        assert_eq!(fields(&from_bill_code(ApiType::ApArV2, "BDC_1123")), [(Some("organizationId"), "rejected")]);
        assert_eq!(fields(&from_bill_code(ApiType::Partner, "BDC_1123")), [(None, "auth_failed")]);
        assert_eq!(fields(&from_bill_code(ApiType::ApArV3, "BDC_1110")), [(None, "locked")]);
        assert_eq!(fields(&from_bill_code(ApiType::ApArV3, "BDC_1144")), [(None, "rate_limited")]);
        assert_eq!(fields(&from_bill_code(ApiType::ApArV3, "BDC_1322")), [(None, "rate_limited")]);
        assert_eq!(fields(&from_bill_code(ApiType::ApArV3, "BDC_9999")), [(None, "auth_failed")]);
        // A field the type lacks is never blamed: Spend & Expense has no username.
        assert_eq!(fields(&from_bill_code(ApiType::SpendExpense, "BDC_1101")), [(None, "auth_failed")]);
        assert_eq!(fields(&from_bill_code(ApiType::SpendExpense, "BDC_1102")), [(None, "auth_failed")]);
        let r = from_bill_code(ApiType::ApArV3, "BDC_1102");
        assert_eq!(r.errors[0].params.get("billCode"), Some(&Param::Str("BDC_1102")));
        assert!(!r.ok && !r.message.is_empty());
    }

    #[test]
    fn unknown_codes_keep_only_a_code_shaped_value() {
        let r = from_bill_code(ApiType::ApArV2, "BDC_1113");
        assert_eq!(r.errors[0].params.get("billCode"), Some(&Param::Owned("BDC_1113".into())));
        let r = from_bill_code(ApiType::ApArV2, "<script>alert(1)</script>");
        assert!(r.errors[0].params.is_empty());
    }

    #[test]
    fn serializes_in_the_report_shape() {
        let v = serde_json::to_value(from_bill_code(ApiType::Partner, "BDC_1101")).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["errors"][0]["field"], "username");
        assert_eq!(v["errors"][0]["code"], "rejected");
        assert_eq!(v["errors"][0]["severity"], "error");
        assert_eq!(v["errors"][0]["params"]["billCode"], "BDC_1101");
        let v = serde_json::to_value(transport(TestCode::Timeout)).unwrap();
        assert_eq!(v["errors"][0]["field"], serde_json::Value::Null);
        assert_eq!(v["errors"][0]["code"], "timeout");
    }
}
