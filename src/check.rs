//! What a "test connection" answer from BILL means for the form, as data.
//!
//! The backend performs the login (it holds the secrets); this table turns BILL's
//! answer into report items on the field that caused it, so the browser can mark
//! exactly what to fix. Native-only in practice: no WASM export uses it, so it
//! costs the browser module nothing.

use crate::prelude::*;
use crate::report::{Param, Params, Severity};
use serde::Serialize;

/// The codes of a connection test's items. Closed, documented in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckCode {
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

impl CheckCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckCode::Rejected => "rejected",
            CheckCode::AuthFailed => "auth_failed",
            CheckCode::Locked => "locked",
            CheckCode::RateLimited => "rate_limited",
            CheckCode::UpstreamError => "upstream_error",
            CheckCode::Timeout => "timeout",
            CheckCode::InvalidResponse => "invalid_response",
            CheckCode::Unreachable => "unreachable",
        }
    }
}

/// One item of a test result: the validator's report shape with check codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckIssue {
    pub field: Option<Cow<'static, str>>,
    pub code: CheckCode,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Params::is_empty")]
    pub params: Params,
}

/// The answer to "does this connection work?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub ok: bool,
    pub message: String,
    pub errors: Vec<CheckIssue>,
}

impl CheckResult {
    pub fn success() -> Self {
        CheckResult { ok: true, message: "Connected: BILL accepted these credentials.".into(), errors: Vec::new() }
    }

    pub fn failure(errors: Vec<CheckIssue>) -> Self {
        let message = errors
            .iter()
            .find(|e| e.field.is_none())
            .or_else(|| errors.first())
            .map_or_else(|| "BILL refused the connection.".to_owned(), |e| e.message.clone());
        CheckResult { ok: false, message, errors }
    }

    /// A form-level failure with one item.
    pub fn form_level(code: CheckCode, bill_code: Option<&'static str>, message: &str) -> Self {
        let mut params = Params::default();
        if let Some(c) = bill_code {
            params.0.push(("billCode", Param::Str(c)));
        }
        CheckResult::failure(vec![CheckIssue {
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
    /// Fields marked, by API type family: AP/AR (v2, v3) first, partner second.
    /// Empty: a form-level item.
    fields: [&'static [&'static str]; 2],
    code: CheckCode,
    message: &'static str,
}

/// BILL's login error codes (BILLCOM.md), and what the form makes of them.
static BILL_CODES: &[Row] = &[
    Row {
        bill_code: "BDC_1101",
        fields: [&["username", "password"], &["username", "password"]],
        code: CheckCode::Rejected,
        message: "BILL did not accept this username and password.",
    },
    Row {
        bill_code: "BDC_1102",
        fields: [&["devKey"], &["appKey"]],
        code: CheckCode::Rejected,
        message: "BILL did not recognise this key.",
    },
    Row {
        bill_code: "BDC_1103",
        fields: [&["devKey"], &["appKey"]],
        code: CheckCode::Rejected,
        message: "This key is inactive in BILL; activate it or use another one.",
    },
    Row {
        bill_code: "BDC_1123",
        fields: [&["organizationId"], &[]],
        code: CheckCode::Rejected,
        message: "BILL has no organization with this ID for these credentials.",
    },
    Row {
        bill_code: "BDC_1104",
        fields: [&[], &[]],
        code: CheckCode::AuthFailed,
        message: "BILL's developer terms have not been accepted for this key: accept them in BILL, then test again.",
    },
    Row {
        bill_code: "BDC_1107",
        fields: [&[], &[]],
        code: CheckCode::Locked,
        message: "This BILL organization is locked out. Contact BILL support.",
    },
    Row {
        bill_code: "BDC_1110",
        fields: [&[], &[]],
        code: CheckCode::Locked,
        message: "This BILL login is locked. Unlock it in BILL (or wait), then test again.",
    },
    Row {
        bill_code: "BDC_1111",
        fields: [&[], &[]],
        code: CheckCode::AuthFailed,
        message: "This BILL user is not active in the organization.",
    },
    Row {
        bill_code: "BDC_1144",
        fields: [&[], &[]],
        code: CheckCode::RateLimited,
        message: "BILL's login limit was reached. Wait a few minutes, then test again.",
    },
    Row {
        bill_code: "BDC_1322",
        fields: [&[], &[]],
        code: CheckCode::RateLimited,
        message: "BILL is handling too many requests for this account. Wait a moment, then test again.",
    },
];

/// Report items for a BILL error code returned by a login of `api_type`.
/// Unknown codes (BDC_1108 missing parameter, BDC_1113 login error, ...) are a
/// form-level `auth_failed` carrying the code.
pub fn from_bill_code(api_type: &str, bill_code: &str) -> CheckResult {
    let family = usize::from(api_type == "partner");
    let Some(row) = BILL_CODES.iter().find(|r| r.bill_code == bill_code) else {
        let mut r = CheckResult::form_level(CheckCode::AuthFailed, None, "BILL refused the login.");
        // Unknown codes are BILL's text, not ours: keep only the code's expected shape.
        if bill_code.len() <= 16 && bill_code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            if let Some(e) = r.errors.first_mut() {
                e.params.0.push(("billCode", Param::Owned(bill_code.to_owned())));
            }
        }
        return r;
    };
    let params = || Params(vec![("billCode", Param::Str(row.bill_code))]);
    let fields = row.fields.get(family).copied().unwrap_or_default();
    if fields.is_empty() {
        // A rejection with no field of this API type to point at is a plain failure.
        let code = if row.code == CheckCode::Rejected { CheckCode::AuthFailed } else { row.code };
        return CheckResult::form_level(code, Some(row.bill_code), row.message);
    }
    CheckResult::failure(
        fields
            .iter()
            .map(|f| CheckIssue {
                field: Some(Cow::Borrowed(f)),
                code: row.code,
                severity: Severity::Error,
                message: row.message.into(),
                params: params(),
            })
            .collect(),
    )
}

/// The Spend & Expense API rejected the token (HTTP 401 or 403).
pub fn token_rejected() -> CheckResult {
    CheckResult::failure(vec![CheckIssue {
        field: Some(Cow::Borrowed("apiToken")),
        code: CheckCode::Rejected,
        severity: Severity::Error,
        message: "BILL Spend & Expense did not accept this API token. Generate a new one and paste it again.".into(),
        params: Params::default(),
    }])
}

/// A failure of the exchange itself, not of the credentials.
pub fn transport(code: CheckCode) -> CheckResult {
    let message = match code {
        CheckCode::Timeout => "BILL did not answer within 10 seconds. Test again in a moment.",
        CheckCode::UpstreamError => "BILL answered with a server error. Test again in a moment.",
        CheckCode::InvalidResponse => "BILL's answer was not in the format its API documents. Test again later.",
        CheckCode::Unreachable => "BILL could not be reached from the server.",
        CheckCode::RateLimited => "Too many connection tests for these credentials. Wait a minute, then test again.",
        CheckCode::Locked | CheckCode::AuthFailed | CheckCode::Rejected => "BILL refused the login.",
    };
    CheckResult::form_level(code, None, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: &CheckResult) -> Vec<(Option<&str>, &str)> {
        r.errors.iter().map(|e| (e.field.as_deref(), e.code.as_str())).collect()
    }

    #[test]
    fn bill_codes_land_on_the_field_that_caused_them() {
        assert_eq!(
            fields(&from_bill_code("ap-ar-v3", "BDC_1101")),
            [(Some("username"), "rejected"), (Some("password"), "rejected")]
        );
        assert_eq!(fields(&from_bill_code("ap-ar-v2", "BDC_1102")), [(Some("devKey"), "rejected")]);
        assert_eq!(fields(&from_bill_code("partner", "BDC_1102")), [(Some("appKey"), "rejected")]);
        assert_eq!(fields(&from_bill_code("ap-ar-v2", "BDC_1123")), [(Some("organizationId"), "rejected")]);
        assert_eq!(fields(&from_bill_code("partner", "BDC_1123")), [(None, "auth_failed")]);
        assert_eq!(fields(&from_bill_code("ap-ar-v3", "BDC_1110")), [(None, "locked")]);
        assert_eq!(fields(&from_bill_code("ap-ar-v3", "BDC_1144")), [(None, "rate_limited")]);
        assert_eq!(fields(&from_bill_code("ap-ar-v3", "BDC_1322")), [(None, "rate_limited")]);
        assert_eq!(fields(&from_bill_code("ap-ar-v3", "BDC_9999")), [(None, "auth_failed")]);
        let r = from_bill_code("ap-ar-v3", "BDC_1102");
        assert_eq!(r.errors[0].params.get("billCode"), Some(&Param::Str("BDC_1102")));
        assert!(!r.ok && !r.message.is_empty());
    }

    #[test]
    fn unknown_codes_keep_only_a_code_shaped_value() {
        let r = from_bill_code("ap-ar-v2", "BDC_1113");
        assert_eq!(r.errors[0].params.get("billCode"), Some(&Param::Owned("BDC_1113".into())));
        let r = from_bill_code("ap-ar-v2", "<script>alert(1)</script>");
        assert!(r.errors[0].params.is_empty());
    }

    #[test]
    fn serializes_in_the_report_shape() {
        let v = serde_json::to_value(from_bill_code("partner", "BDC_1101")).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["errors"][0]["field"], "username");
        assert_eq!(v["errors"][0]["code"], "rejected");
        assert_eq!(v["errors"][0]["severity"], "error");
        assert_eq!(v["errors"][0]["params"]["billCode"], "BDC_1101");
        let v = serde_json::to_value(transport(CheckCode::Timeout)).unwrap();
        assert_eq!(v["errors"][0]["field"], serde_json::Value::Null);
        assert_eq!(v["errors"][0]["code"], "timeout");
    }
}
