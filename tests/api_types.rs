//! Adding an API type: the compiler lists the matches to extend (`ApiType::info`
//! in `src/spec.rs`, `bill_api::protocol`); these tests list the two lists of ids
//! kept by hand outside the tables (a message and the TypeScript union), so
//! nothing is left to find by reading.

use billcom_connection::spec::{self, API_TYPES};
use billcom_connection::UsageError;
use std::path::Path;

#[test]
fn ids_are_unique_and_round_trip() {
    for (i, t) in API_TYPES.iter().enumerate() {
        assert_eq!(spec::api_type(t.id), Some(t), "{}", t.id);
        assert!(API_TYPES.iter().skip(i + 1).all(|u| u.id != t.id), "{} twice", t.id);
        assert!(std::ptr::eq(t.info(), &**t));
    }
}

#[test]
fn the_unknown_api_type_message_lists_every_id() {
    let message = UsageError::UnknownApiType.message();
    for t in API_TYPES {
        assert!(message.contains(t.id), "add {} to UsageError::UnknownApiType in src/validate.rs", t.id);
    }
}

#[test]
fn the_typescript_union_lists_every_id() {
    // The .d.ts files are written by hand (wasm/js/); wasm/tests/dts.rs checks every
    // union against the tables, this names the one to edit for a new API type.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("wasm/js/billcom_connection.d.ts");
    let text = std::fs::read_to_string(&path).expect("the bindings' .d.ts");
    let line = text.lines().find(|l| l.trim_start().starts_with("export type ApiTypeId =")).expect("ApiTypeId union");
    assert_eq!(line.matches('"').count() / 2, API_TYPES.len(), "{}: {line}", path.display());
    for t in API_TYPES {
        assert!(line.contains(&format!("\"{}\"", t.id)), "add {} to ApiTypeId in {}", t.id, path.display());
    }
}
