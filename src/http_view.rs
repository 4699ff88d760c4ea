//! The connection's "HTTP" view (the seed's universal-connector settings), built
//! from [`crate::bill_api`]: base URI, media type, auth style, the login with every
//! value as a `{{fieldId}}` placeholder, what later calls carry, the ping and the
//! logout. Never a value: the description is the same for every connection.
//!
//! Executing it (replace each `{{x}}` with the field's value, `{{sessionId}}` with
//! the string the login's answer holds at `sessionFrom`) sends exactly the
//! requests the reference backend's connection test sends; `server/tests` checks
//! that against the BILL double.

use crate::bill_api::{self, Carrier, Encoding, Param, Protocol, Request, Source};
use crate::prelude::*;
use crate::spec::{self, ApiType, Environment};
use crate::tree::Node;
use crate::validate::UsageError;

/// `{{id}}`: where a value goes.
pub fn placeholder(source: Source) -> String {
    match source {
        Source::Field(id) => format!("{{{{{id}}}}}"),
        Source::Session => "{{sessionId}}".to_owned(),
    }
}

fn params(list: &[Param]) -> Node {
    Node::Map(list.iter().map(|p| (p.name.into(), placeholder(p.value).into())).collect())
}

fn request(p: &Protocol, r: &Request, base: &str) -> Node {
    let resolved = p.resolve(r);
    let mut h = Node::map().with("Accept", bill_api::ACCEPT);
    if let Some((e, _)) = &resolved.body {
        h = h.with("Content-Type", e.media_type());
    }
    for x in &resolved.headers {
        h = h.with(x.name, placeholder(x.value));
    }
    let mut n = Node::map()
        .with("method", r.method.as_str())
        .with("url", format!("{base}{}", r.path))
        .with("path", r.path)
        .with("headers", h);
    if let Some((_, body)) = &resolved.body {
        n = n.with("body", params(body));
    }
    if let bill_api::Expect::Session(pointer) = r.expect {
        n = n.with("sessionFrom", pointer);
    }
    n.with(
        "errors",
        match r.envelope {
            bill_api::Envelope::V2 => "HTTP 200; response_status 1 with response_data.error_code (BDC_...)",
            bill_api::Envelope::V3 => "HTTP 4xx with a JSON array of { code, message, ... }",
        },
    )
}

/// The HTTP description of `t` in `environment`.
pub fn http_settings(t: ApiType, environment: &Environment) -> Node {
    let p = bill_api::protocol(t);
    let base = t.base_url(environment.id).unwrap_or_default();
    let media = p.steps().find_map(|(_, r)| r.body.map(|(e, _)| e)).unwrap_or(if p.carrier == Carrier::Body {
        Encoding::Form
    } else {
        Encoding::Json
    });
    let auth = if p.login.is_some() { "session" } else { "apiKeyHeader" };
    let carrier = match p.carrier {
        Carrier::Headers => "headers",
        Carrier::Body => "body",
    };
    let step = |r: Option<&Request>| r.map_or(Node::Null, |r| request(p, r, base));
    Node::map()
        .with("apiType", t.id)
        .with("environment", environment.id)
        .with("baseUri", base)
        .with("mediaType", media.media_type())
        .with("accept", bill_api::ACCEPT)
        .with("auth", auth)
        .with("login", step(p.login.as_ref()))
        .with("authenticatedCalls", Node::map().with("carry", carrier).with("values", params(p.carry)))
        .with("ping", step(p.ping.as_ref()))
        .with("logout", step(p.logout.as_ref()))
        .with("test", Node::List(p.steps().map(|(s, _)| s.as_str().into()).collect()))
}

/// [`http_settings`] by ids, as the JS export takes them.
pub fn http_settings_for(api_type: &str, environment: &str) -> Result<Node, UsageError> {
    let t = spec::api_type(api_type).ok_or(UsageError::UnknownApiType)?;
    let e = spec::environment(environment).ok_or(UsageError::InvalidArgument)?;
    Ok(http_settings(*t, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{API_TYPES, ENVIRONMENTS};

    fn json(n: &Node) -> serde_json::Value {
        serde_json::to_value(n).unwrap()
    }

    #[test]
    fn v3_description() {
        let v = json(&http_settings_for("ap-ar-v3", "sandbox").unwrap());
        assert_eq!(v["baseUri"], "https://gateway.stage.bill.com/connect");
        assert_eq!(v["mediaType"], "application/json");
        assert_eq!(v["auth"], "session");
        assert_eq!(v["login"]["method"], "POST");
        assert_eq!(v["login"]["url"], "https://gateway.stage.bill.com/connect/v3/login");
        assert_eq!(v["login"]["headers"]["Content-Type"], "application/json");
        assert_eq!(
            v["login"]["body"],
            serde_json::json!({ "username": "{{username}}", "password": "{{password}}",
                "organizationId": "{{organizationId}}", "devKey": "{{devKey}}" })
        );
        assert_eq!(v["login"]["sessionFrom"], "/sessionId");
        assert_eq!(v["ping"]["method"], "GET");
        assert_eq!(v["ping"]["headers"]["devKey"], "{{devKey}}");
        assert_eq!(v["ping"]["headers"]["sessionId"], "{{sessionId}}");
        assert_eq!(v["ping"].get("body"), None);
        assert_eq!(v["logout"]["path"], "/v3/logout");
        assert_eq!(v["test"], serde_json::json!(["login", "ping", "logout"]));
    }

    #[test]
    fn v2_carries_the_session_in_the_form_body_and_spend_a_token_header() {
        let v = json(&http_settings_for("ap-ar-v2", "production").unwrap());
        assert_eq!(v["login"]["url"], "https://api.bill.com/api/v2/Login.json");
        assert_eq!(v["mediaType"], "application/x-www-form-urlencoded");
        assert_eq!(v["login"]["body"]["orgId"], "{{organizationId}}");
        assert_eq!(v["authenticatedCalls"]["carry"], "body");
        assert_eq!(v["ping"], serde_json::Value::Null);
        let v = json(&http_settings_for("spend-expense", "sandbox").unwrap());
        assert_eq!(v["auth"], "apiKeyHeader");
        assert_eq!(v["login"], serde_json::Value::Null);
        assert_eq!(v["ping"]["url"], "https://gateway.stage.bill.com/connect/v3/spend/budgets?max=1");
        assert_eq!(v["ping"]["headers"]["apiToken"], "{{apiToken}}");
    }

    #[test]
    fn every_value_sent_is_a_placeholder() {
        let is_placeholder = |s: &str| {
            s.strip_prefix("{{")
                .and_then(|r| r.strip_suffix("}}"))
                .is_some_and(|id| id == "sessionId" || spec::field(id).is_some())
        };
        for t in API_TYPES {
            for e in ENVIRONMENTS {
                let v = json(&http_settings(*t, e));
                let mut secrets_seen = Vec::new();
                for step in ["login", "ping", "logout"] {
                    for part in ["headers", "body"] {
                        let Some(map) = v[step][part].as_object() else { continue };
                        for (k, x) in map {
                            let x = x.as_str().unwrap();
                            if k == "Accept" || k == "Content-Type" {
                                continue;
                            }
                            assert!(is_placeholder(x), "{} {step} {part} {k}: {x}", t.id);
                            secrets_seen.push(x.to_owned());
                        }
                    }
                }
                for f in t.fields().filter(|f| f.secret) {
                    assert!(secrets_seen.contains(&format!("{{{{{}}}}}", f.id)), "{}: {} never sent", t.id, f.id);
                }
            }
        }
        assert_eq!(http_settings_for("nope", "sandbox").unwrap_err(), UsageError::UnknownApiType);
        assert_eq!(http_settings_for("partner", "prod").unwrap_err(), UsageError::InvalidArgument);
    }
}
