//! # billcom-connection
//!
//! The Bill.com connection form as data ([`spec`]), one validator over it
//! ([`validate()`]). It knows nothing of JS: the browser module is the `wasm/`
//! workspace member, which depends on this crate; a backend uses it natively and
//! runs the very same rules.

// No std on wasm32: the module then carries no panic machinery (and with it no
// core::fmt); native builds (tests, the backend) are untouched.
#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
extern crate alloc;
#[cfg(not(target_arch = "wasm32"))]
extern crate std as alloc;

/// What std's prelude gives, for the no_std build (natively these are std's own).
mod prelude {
    pub use alloc::borrow::{Cow, ToOwned};
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod bill_api;
pub mod connection_test;
pub mod form;
pub mod http_view;
pub mod json;
pub mod messages;
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
