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

/// Every `.rs` file under `dir` (skipping build output and dependencies).
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "target" || name == "node_modules" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_typescript_union_lists_every_id() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let unions: Vec<(std::path::PathBuf, String)> = files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let line = text.lines().find(|l| l.trim_start().starts_with("export type ApiTypeId ="))?.to_owned();
            Some((p, line))
        })
        .collect();
    assert!(!unions.is_empty(), "no `export type ApiTypeId` found in the bindings");
    for (path, line) in unions {
        let listed = line.matches('"').count() / 2;
        assert_eq!(listed, API_TYPES.len(), "{}: {line}", path.display());
        for t in API_TYPES {
            assert!(line.contains(&format!("\"{}\"", t.id)), "add {} to ApiTypeId in {}", t.id, path.display());
        }
    }
}
