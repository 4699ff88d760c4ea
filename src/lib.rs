//! # billcom-connection
//!
//! The Bill.com connection form as data ([`spec`]), one validator over it
//! ([`validate()`]), and, when compiled for `wasm32`, the JS API in `src/wasm/`.
//! The same crate builds natively, so a backend runs the very same rules.

pub mod bill_api;
pub mod connection_test;
pub mod form;
pub mod http_view;
pub mod json;
pub mod messages;
pub mod packed;
pub mod report;
pub mod schema;
pub mod secret;
pub mod spec;
pub mod tree;
pub mod validate;
pub mod wire;

pub use report::{Code, Issue, Param, Params, Report, Severity};
pub use secret::Secret;
pub use validate::{validate, validate_field, Entry, UsageError, Value};

#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// Talc instead of dlmalloc (Rust's default on wasm32): smaller and faster.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
