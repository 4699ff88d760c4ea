//! The tables say what the product page and BILL's docs say, and the JSON handed
//! to JS is exactly what serde would write for the same data.

use billcom_connection::json;
use billcom_connection::spec::{self, Kind, API_TYPES, ENVIRONMENTS, FIELDS};
use billcom_connection::validate::{validate, Entry, Value};
use serde_json::{json, Value as Json};

#[test]
fn api_types_are_in_seed_order_with_their_credentials() {
    let got: Vec<_> = API_TYPES.iter().map(|t| (t.id, t.credentials)).collect();
    let want: Vec<(&str, &[&str])> = vec![
        ("ap-ar-v2", &["organizationId", "username", "password", "devKey"]),
        ("ap-ar-v3", &["organizationId", "username", "password", "devKey"]),
        ("partner", &["appKey", "username", "password"]),
        ("spend-expense", &["apiToken"]),
    ];
    assert_eq!(got, want);
    assert_eq!(API_TYPES[0].label, "Accounts Payable (AP) and Accounts Receivable (AR) V2");
    assert_eq!(API_TYPES[2].label, "Partner operations");
    assert_eq!(API_TYPES[3].label, "Spend and expense");
}

#[test]
fn base_urls_are_billcom_md_not_the_seed() {
    assert_eq!(spec::base_url("ap-ar-v2", "production"), Some("https://api.bill.com/api/v2"));
    assert_eq!(spec::base_url("ap-ar-v2", "sandbox"), Some("https://api-stage.bill.com/api/v2"));
    for id in ["ap-ar-v3", "partner", "spend-expense"] {
        assert_eq!(spec::base_url(id, "production"), Some("https://gateway.prod.bill.com/connect"));
        assert_eq!(spec::base_url(id, "sandbox"), Some("https://gateway.stage.bill.com/connect"));
    }
    assert_eq!(spec::base_url("ap-ar-v2", "staging"), None);
    // The retired sandbox host is named only to explain the correction.
    for t in API_TYPES {
        assert!(t.base_urls.iter().all(|u| u.starts_with("https://") && !u.contains("api-sandbox")));
    }
    // The correction is about v2 hosts: said for AP/AR V2 only, never for the others.
    let v2 = spec::api_type("ap-ar-v2").unwrap().environment_note.unwrap();
    assert!(v2.contains("api-sandbox.bill.com") && v2.contains("api-stage.bill.com"));
    for id in ["ap-ar-v3", "partner", "spend-expense"] {
        assert_eq!(spec::api_type(id).unwrap().environment_note, None, "{id}");
    }
    assert!(!spec::field("environment").unwrap().help.contains("bill.com"));
}

#[test]
fn help_is_one_short_line_and_short_labels_fit_a_phone() {
    for f in FIELDS {
        assert!(f.help.len() <= 90 && !f.help.contains('\n'), "{}: {} chars", f.id, f.help.len());
        // The re-enter rule is the renderer's, said once per form.
        assert!(!f.help.contains("again") && !f.details.unwrap_or("").contains("again"), "{}", f.id);
    }
    let shorts: Vec<_> = API_TYPES.iter().map(|t| t.short_label).collect();
    assert_eq!(shorts, ["AP/AR V2", "AP/AR V3", "Partner", "Spend & Expense"]);
    // Distinct and short enough for a closed select at 390 px.
    for (i, s) in shorts.iter().enumerate() {
        assert!(s.len() <= 16 && !shorts[..i].contains(s), "{s}");
    }
}

#[test]
fn every_field_is_required_and_the_four_credentials_are_secret() {
    let secret: Vec<_> = FIELDS.iter().filter(|f| f.secret).map(|f| f.id).collect();
    assert_eq!(secret, ["password", "devKey", "appKey", "apiToken"]);
    for f in FIELDS {
        assert!(f.required, "{}", f.id);
        assert!(!f.label.is_empty() && f.help.len() > 20, "{}", f.id);
        assert!(f.details.is_none_or(|d| d.len() > 20), "{}", f.id);
        if f.secret {
            assert_eq!(f.kind, Kind::Password, "{}", f.id);
            // Not this site's password: no generation, no fill of the site's own login.
            assert_eq!(f.autocomplete, "off", "{}", f.id);
        }
        // No field tells a renderer to enforce a syntax the validator only warns about.
        assert!(f.input_mode.is_none() || f.kind == Kind::Text, "{}", f.id);
        assert_eq!(f.kind == Kind::Select, f.options.is_some(), "{}", f.id);
        if f.kind != Kind::Select {
            assert!(f.max_len.is_some(), "{} needs a length limit", f.id);
        }
    }
    // Every credential an API type names is a field, and only once.
    for t in API_TYPES {
        let ids: Vec<_> = t.fields().map(|f| f.id).collect();
        assert_eq!(ids.len(), 3 + t.credentials.len(), "{}", t.id);
    }
    assert!(spec::field("apiToken").unwrap().details.unwrap().contains("Generate new token"));
    assert_eq!(spec::field("username").unwrap().input_mode, Some("email"));
}

#[test]
fn form_spec_json_lists_fields_in_display_order() {
    let t = spec::api_type("ap-ar-v3").unwrap();
    let v: Json = serde_json::from_str(&json::form_spec(t)).unwrap();
    assert_eq!(v["apiType"], "ap-ar-v3");
    assert_eq!(v["shortLabel"], "AP/AR V3");
    assert!(v.get("environmentNote").is_none());
    let v2: Json = serde_json::from_str(&json::form_spec(spec::api_type("ap-ar-v2").unwrap())).unwrap();
    assert!(v2["environmentNote"].as_str().unwrap().contains("api-sandbox.bill.com"));
    let ids: Vec<_> = v["fields"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["name", "apiType", "environment", "organizationId", "username", "password", "devKey"]);
    let env = &v["fields"][2];
    assert_eq!(
        env["options"],
        json!([
            { "value": "production", "label": "Production", "baseUrl": "https://gateway.prod.bill.com/connect" },
            { "value": "sandbox", "label": "Sandbox", "baseUrl": "https://gateway.stage.bill.com/connect" }
        ])
    );
    let org = &v["fields"][3];
    assert!(org["details"].as_str().unwrap().contains("Manage Developer Keys"));
    let user = &v["fields"][4];
    assert_eq!((user["kind"].as_str(), user["inputMode"].as_str()), (Some("text"), Some("email")));
    assert_eq!(v["fields"][1]["options"][0]["shortLabel"], "AP/AR V2");
    assert_eq!((org["minLength"].as_u64(), org["maxLength"].as_u64()), (Some(15), Some(20)));
    assert_eq!(org["secret"], false);
    let pw = &v["fields"][5];
    assert_eq!((pw["kind"].as_str(), pw["secret"].as_bool()), (Some("password"), Some(true)));
    assert!(pw.get("placeholder").is_none());
    let api = &v["fields"][1]["options"];
    assert_eq!(api.as_array().unwrap().len(), API_TYPES.len());
    assert_eq!(ENVIRONMENTS.len(), 2);
}

#[test]
fn api_types_json_matches_the_table() {
    let v: Json = serde_json::from_str(&json::api_types()).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 4);
    for (j, t) in arr.iter().zip(API_TYPES) {
        assert_eq!(
            j,
            &json!({ "id": t.id, "label": t.label, "shortLabel": t.short_label, "description": t.description })
        );
    }
}

#[test]
fn report_json_is_exactly_what_serde_writes() {
    let cases: Vec<Vec<Entry>> = vec![
        vec![],
        vec![Entry::text("apiType", "partner"), Entry::text("username", "x\"y\\z\u{1}")],
        vec![
            Entry::text("apiType", "ap-ar-v2"),
            Entry::text("environment", "nope"),
            Entry::text("organizationId", "009"),
            Entry { key: "devKey".into(), value: Value::NotText("number") },
            Entry::text("weird \"key\"\n", "1"),
        ],
    ];
    for entries in cases {
        let r = validate(&entries);
        let ours: Json = serde_json::from_str(&json::report(&r)).unwrap();
        assert_eq!(ours, serde_json::to_value(&r).unwrap());
        let items: Json = serde_json::from_str(&json::issues(&r.errors)).unwrap();
        assert_eq!(items, serde_json::to_value(&r.errors).unwrap());
    }
}

#[test]
fn field_lists_by_index_are_the_fields_by_id() {
    // ApiType::fields reads indices resolved at compile time; ApiTypeInfo::fields
    // looks the ids up: the same fields, in the same order, for every API type.
    for t in API_TYPES {
        let by_index: Vec<&str> = t.fields().map(|f| f.id).collect();
        let by_id: Vec<&str> = t.info().fields().map(|f| f.id).collect();
        assert_eq!(by_index, by_id, "{}", t.id);
        assert_eq!(by_index.len(), spec::COMMON_FIELDS.len() + t.credentials.len());
    }
    // Every row is a field some API type shows (validate::is_known_key relies on it).
    for f in FIELDS {
        assert!(API_TYPES.iter().any(|t| t.fields().any(|g| g.id == f.id)), "{} is no API type's", f.id);
    }
    let common: Vec<&str> = spec::COMMON_LIST.fields().map(|f| f.id).collect();
    assert_eq!(common, spec::COMMON_FIELDS);
    assert_eq!(FIELDS[spec::API_TYPE_FIELD].id, "apiType");
}
