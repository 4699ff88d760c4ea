//! The WebAssembly boundary of billcom-connection.
//!
//! The module imports nothing and exports plain functions of numbers: the JS
//! wrapper (`wasm/js/`) reads the caller's values, writes them into one IO block
//! ([`io`]) and calls in; Rust answers with numbers and compact findings in the
//! same block. No JS value, exception or callback ever crosses into Rust, so
//! nothing a caller does can unwind through (or poison) the module.
//!
//! [`State`] holds everything; the `extern "C"` exports (wasm32 only) are one line
//! each around it, and native tests drive `State` directly.

// No std on wasm32: a panic is a trap (below), so the module carries no panic
// machinery and no core::fmt. Native builds (the tests) keep std.
#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
extern crate alloc;
#[cfg(not(target_arch = "wasm32"))]
extern crate std as alloc;

/// What std's prelude gives, for the no_std build.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::String;
    pub use alloc::vec::Vec;
}

#[cfg(feature = "form")]
pub mod forms;
pub mod io;
pub mod templates;

/// The texts the module answers with that never change (the catalogue, the API
/// types, each API type's form spec), printed at build time by the core crate's
/// own JSON writer (`build.rs`), and every report item template
/// ([`templates`]). Measured: carried as text they cost 434 B brotli less than
/// the code that wrote them at run time (545 B in the validate entry).
pub mod texts {
    include!(concat!(env!("OUT_DIR"), "/texts.rs"));
}

use billcom_connection::validate::{self, Finding, ValueRef};
use io::{Io, ERR_INVALID_ARGUMENT};
use prelude::*;

/// Everything the module keeps between calls.
#[derive(Default)]
pub struct State {
    pub io: Io,
    /// The findings of the current call (kept, so a call allocates nothing for them).
    pub found: Vec<Finding>,
    #[cfg(feature = "form")]
    pub forms: forms::Forms,
}

impl State {
    pub const fn new() -> Self {
        State {
            io: Io::new(),
            found: Vec::new(),
            #[cfg(feature = "form")]
            forms: forms::Forms::new(),
        }
    }

    /// Makes the block at least `bytes` long; 0 when memory cannot grow.
    pub fn reserve(&mut self, bytes: u32) -> usize {
        if self.io.reserve(bytes as usize) {
            self.io.ptr()
        } else {
            0
        }
    }

    /// The address of the block's descriptor: `[address, size]`.
    pub fn desc(&mut self) -> i32 {
        self.io.desc_ptr() as i32
    }

    pub fn catalogue(&mut self) -> i32 {
        self.io.put_text(texts::CATALOGUE)
    }

    pub fn template(&mut self, i: u32) -> i32 {
        match texts::TEMPLATES.iter().find(|(n, _)| *n == i) {
            Some((_, t)) => self.io.put_text(t),
            None => ERR_INVALID_ARGUMENT,
        }
    }

    pub fn api_types(&mut self) -> i32 {
        self.io.put_text(texts::API_TYPES)
    }

    pub fn form_spec(&mut self, api: u32) -> i32 {
        match texts::FORM_SPECS.get(api as usize) {
            Some(t) => self.io.put_text(t),
            None => io::ERR_UNKNOWN_API_TYPE,
        }
    }

    /// `validate(settings)`: the entries in the block; the findings out.
    /// The rules run over the strings in place (nothing copied), then the input is
    /// zeroed and the findings written.
    pub fn validate(&mut self, at: u32) -> i32 {
        self.found.clear();
        let mut extra = Vec::new();
        // Each field's value by table index (the last of duplicated keys wins).
        let mut values = [ValueRef::Missing; io::MAX_FIELDS];
        let ok = io::each_entry(&self.io, at, &mut |i, key, value| match key {
            io::Key::Field(f) => {
                if let Some(slot) = values.get_mut(f) {
                    *slot = value;
                }
            }
            key => {
                if let Some(e) = io::unknown_key(i, key) {
                    extra.push(e);
                }
            }
        })
        .is_some();
        if ok {
            validate::check_fields(|i| values.get(i).copied().unwrap_or(ValueRef::Missing), &mut self.found);
        }
        self.io.zero_input(at);
        if !ok {
            return ERR_INVALID_ARGUMENT;
        }
        io::write_findings(&mut self.io, &[&self.found], &extra)
    }

    /// `validateField(apiType, fieldId, value)`: the value in the block.
    pub fn validate_field(&mut self, api: u32, field: u32, at: u32) -> i32 {
        self.found.clear();
        let field = io::field_of(api, field);
        let value = io::first_value(&self.io, at);
        let ok = value.is_some();
        if let (Some(v), Ok(f)) = (value, &field) {
            validate::check(f, v, &mut self.found);
        }
        self.io.zero_input(at);
        if !ok {
            return ERR_INVALID_ARGUMENT;
        }
        match field {
            Ok(_) => io::write_findings(&mut self.io, &[&self.found], &[]),
            Err(e) => io::usage(e),
        }
    }
}

#[cfg(feature = "node")]
impl State {
    /// The JSON text of `len` bytes at the block's start, zeroed once read (a body
    /// holds secrets).
    fn take_json(&mut self, len: u32) -> Option<wire::Json> {
        let len = len as usize;
        let parsed = self.io.bytes().get(..len).and_then(|b| serde_json::from_slice(b).ok());
        self.io.zero(len);
        parsed
    }

    /// `validateSubmission(body)`: the body's JSON text in the block; the report's
    /// JSON text out (the crate's wire module, as the reference backend runs it).
    pub fn validate_submission(&mut self, len: u32) -> i32 {
        let Some(body) = self.take_json(len) else { return ERR_INVALID_ARGUMENT };
        match wire::validate_submission(body) {
            Ok(report) => self.io.put_text(&json::report(&report)),
            Err(_) => ERR_INVALID_ARGUMENT,
        }
    }

    /// `normalize(settings)`: the settings' entries in the block; the normalized flat
    /// object's JSON text out, or `NOT_VALID` when the settings are invalid.
    pub fn normalize(&mut self, at: u32) -> i32 {
        let Some(input) = io::read(&mut self.io, at) else { return ERR_INVALID_ARGUMENT };
        let out = wire::normalize_settings(&input.entries);
        drop(input);
        match out {
            Ok(text) => self.io.put_text(&text),
            Err(_) => io::NOT_VALID,
        }
    }

    /// `jsonSchema(apiType?)`: `api` is an API type's index, or `u32::MAX` for all.
    pub fn json_schema(&mut self, api: u32) -> i32 {
        let only = if api == u32::MAX { None } else { io::api_type_at(api).map(|t| t.id) };
        if api != u32::MAX && only.is_none() {
            return io::ERR_UNKNOWN_API_TYPE;
        }
        match schema::json_schema_for(only) {
            Ok(node) => self.io.put_text(&node.to_json()),
            Err(e) => io::usage(e),
        }
    }

    /// `httpSettings(apiType, environment)`.
    pub fn http_settings(&mut self, api: u32, environment: u32) -> i32 {
        let Some(t) = io::api_type_at(api) else { return io::ERR_UNKNOWN_API_TYPE };
        let Some(env) = billcom_connection::spec::ENVIRONMENTS.get(environment as usize) else {
            return ERR_INVALID_ARGUMENT;
        };
        match http_view::http_settings_for(t.id, env.id) {
            Ok(node) => self.io.put_text(&node.to_json()),
            Err(e) => io::usage(e),
        }
    }
}

#[cfg(feature = "node")]
use billcom_connection::{http_view, json, schema, wire};

#[cfg(target_arch = "wasm32")]
mod exports;

/// A panic traps (`unreachable`). None is reachable from a caller's input (no
/// unwrap, no indexing, no slicing by byte offsets); this only replaces std's
/// handler, whose message formatting was most of the module's non-table code.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// lol_alloc's free list instead of talc (and dlmalloc, Rust's default on wasm32):
/// measured 565 B brotli less than talc in the full module, 560 B in the validate
/// one. A call allocates a handful of blocks at most (forms, the block, a few
/// Vecs), so its O(free blocks) search costs nothing measurable; freed blocks are
/// coalesced, and the misuse tests (10^6 calls) show memory flat. Single-threaded:
/// the module has no atomics (see exports.rs).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32 without atomics runs one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
