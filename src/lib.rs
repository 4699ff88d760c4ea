//! # billcom-connection
//!
//! The Bill.com connection form as data ([`spec`]), one validator over it
//! ([`validate()`]). It knows nothing of JS: the browser module is the `wasm/`
//! workspace member, which depends on this crate; a backend uses it natively and
//! runs the very same rules.

pub mod check;
pub mod form;
pub mod json;
pub mod messages;
pub mod report;
pub mod secret;
pub mod spec;
pub mod validate;

pub use report::{Code, Issue, Param, Params, Report, Severity};
pub use secret::Secret;
pub use validate::{validate, validate_field, Entry, UsageError, Value};
