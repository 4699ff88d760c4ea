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

use billcom_connection::json;
use billcom_connection::validate::{self, Finding};
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
        self.io.put_text(&io::catalogue_json())
    }

    pub fn template(&mut self, i: u32) -> i32 {
        match io::template_text(i) {
            Some(t) => self.io.put_text(&t),
            None => ERR_INVALID_ARGUMENT,
        }
    }

    pub fn api_types(&mut self) -> i32 {
        self.io.put_text(&json::api_types())
    }

    pub fn form_spec(&mut self, api: u32) -> i32 {
        match io::api_type_at(api) {
            Some(t) => self.io.put_text(&json::form_spec(t)),
            None => io::ERR_UNKNOWN_API_TYPE,
        }
    }

    /// `validate(settings)`: the entries in the block; the findings out.
    /// The rules run over the strings in place (nothing copied), then the input is
    /// zeroed and the findings written.
    pub fn validate(&mut self, at: u32) -> i32 {
        self.found.clear();
        let mut inline = Vec::new();
        let ok = match io::decode(&self.io, at) {
            Some(entries) => {
                let values = io::values(&entries);
                validate::check_settings(|f| io::value_of(&values, f), &mut self.found);
                inline.extend(entries.iter().filter_map(|e| io::unknown_key_json(e.key)));
                true
            }
            None => false,
        };
        self.io.zero(io::input_end(&self.io, at));
        if !ok {
            return ERR_INVALID_ARGUMENT;
        }
        let valid = inline.is_empty() && !self.found.iter().any(Finding::is_error);
        io::write_findings(&mut self.io, valid, &self.found, &inline)
    }

    /// `validateField(apiType, fieldId, value)`: the value in the block.
    pub fn validate_field(&mut self, api: u32, field: u32, at: u32) -> i32 {
        self.found.clear();
        let api_id = io::api_type_at(api).map_or("", |t| t.id);
        let field = billcom_connection::spec::api_type(api_id)
            .ok_or(validate::UsageError::UnknownApiType)
            .and_then(|t| validate::field_of(t, io::field_id_at(field)));
        let value = io::decode(&self.io, at).and_then(|e| e.first().map(|e| e.value));
        let ok = value.is_some();
        if let (Some(v), Ok(f)) = (value, &field) {
            validate::check(f, v, &mut self.found);
        }
        self.io.zero(io::input_end(&self.io, at));
        if !ok {
            return ERR_INVALID_ARGUMENT;
        }
        match field {
            Ok(_) => io::write_findings(&mut self.io, true, &self.found, &[]),
            Err(e) => io::usage(e),
        }
    }
}

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

/// Talc instead of dlmalloc (Rust's default on wasm32): smaller and faster.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
