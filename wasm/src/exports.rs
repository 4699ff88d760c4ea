//! The module's exports: one line each around [`State`]. wasm32 only.
//!
//! Every export returns a number: a length, a count or a handle (>= 0), or an
//! `io::ERR_*` code (< 0) the wrapper turns into a coded `Error`.

use crate::io::ERR_INVALID_ARGUMENT;
use crate::State;
use core::cell::{Cell, UnsafeCell};

/// The state and a busy flag: set for the length of an export, so after a trap
/// inside one (a bug, or memory exhausted) the flag stays set and every later call
/// answers `ERR_INVALID_ARGUMENT` instead of running on a half-updated state.
/// A `RefCell` did the same with a borrow counter (measured: 90 B brotli more in
/// the full module, 33 B in the validate one).
struct Global {
    state: UnsafeCell<State>,
    busy: Cell<bool>,
}

// SAFETY: wasm32 without the atomics feature has one thread, and the module
// imports nothing, so no export can run while another is running.
unsafe impl Sync for Global {}

static STATE: Global = Global { state: UnsafeCell::new(State::new()), busy: Cell::new(false) };

fn with(f: impl FnOnce(&mut State) -> i32) -> i32 {
    if STATE.busy.replace(true) {
        return ERR_INVALID_ARGUMENT;
    }
    // SAFETY: `busy` was false, so no other `&mut State` is alive.
    let answer = f(unsafe { &mut *STATE.state.get() });
    STATE.busy.set(false);
    answer
}

/// The block's address after growing it to at least `bytes` (0: out of memory).
#[no_mangle]
pub extern "C" fn bc_reserve(bytes: u32) -> u32 {
    with(|s| s.reserve(bytes) as i32) as u32
}

#[no_mangle]
pub extern "C" fn bc_desc() -> i32 {
    with(State::desc)
}

#[no_mangle]
pub extern "C" fn bc_catalogue() -> i32 {
    with(State::catalogue)
}

#[no_mangle]
pub extern "C" fn bc_template(i: u32) -> i32 {
    with(|s| s.template(i))
}

#[no_mangle]
pub extern "C" fn bc_api_types() -> i32 {
    with(State::api_types)
}

#[no_mangle]
pub extern "C" fn bc_form_spec(api: u32) -> i32 {
    with(|s| s.form_spec(api))
}

#[no_mangle]
pub extern "C" fn bc_validate(at: u32) -> i32 {
    with(|s| s.validate(at))
}

#[no_mangle]
pub extern "C" fn bc_validate_field(api: u32, field: u32, at: u32) -> i32 {
    with(|s| s.validate_field(api, field, at))
}

#[cfg(feature = "form")]
mod form_exports {
    use super::with;
    use crate::forms::Forms;

    macro_rules! form_export {
        ($($name:ident => $method:ident($($arg:ident),*);)*) => {$(
            #[no_mangle]
            pub extern "C" fn $name(h: u32 $(, $arg: u32)*) -> i32 {
                with(|s| Forms::$method(s, h $(, $arg)*))
            }
        )*};
    }

    #[no_mangle]
    pub extern "C" fn bc_form_new(api: u32) -> i32 {
        with(|s| Forms::create(s, api))
    }

    #[no_mangle]
    pub extern "C" fn bc_form_edit(at: u32) -> i32 {
        with(|s| Forms::edit(s, at))
    }

    form_export! {
        bc_form_free => free();
        bc_form_set => set(field, at);
        bc_form_api_type => api_type();
        bc_form_values => values();
        bc_form_secrets_filled => secrets_filled();
        bc_form_validate => validate();
        bc_form_clear_secrets => clear_secrets();
        bc_form_payload => payload();
    }
}

#[cfg(feature = "node")]
mod node_exports {
    use super::with;

    #[no_mangle]
    pub extern "C" fn bc_validate_submission(len: u32) -> i32 {
        with(|s| s.validate_submission(len))
    }

    #[no_mangle]
    pub extern "C" fn bc_normalize(at: u32) -> i32 {
        with(|s| s.normalize(at))
    }

    #[no_mangle]
    pub extern "C" fn bc_json_schema(api: u32) -> i32 {
        with(|s| s.json_schema(api))
    }

    #[no_mangle]
    pub extern "C" fn bc_http_settings(api: u32, environment: u32) -> i32 {
        with(|s| s.http_settings(api, environment))
    }
}
