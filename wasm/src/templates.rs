//! Template numbers: the report item a finding stands for, fixed by field and rule,
//! so JS fetches each item's JSON text once, by number, and builds every later item
//! from it. Depends only on the core crate: the build script includes this file to
//! print every template's text into `texts::TEMPLATES` (the module carries those
//! texts, not the code that writes messages and items).
//!
//! A number is `field row * TEMPLATE_STRIDE + sub`, where `sub` is `SUB_*` or
//! `SUB_RULE + i` (`invalid_format`, the field's rule `i`). `invalid_type` has one
//! template a field, printed with `params.received` = [`RECEIVED_SLOT`]: the
//! finding carries what the value was, and JS puts its name there.

use billcom_connection::report::Code;
use billcom_connection::spec::{self, FIELDS};
use billcom_connection::validate::{Finding, Why};
use core::mem;

pub const TEMPLATE_STRIDE: u32 = 16;
const SUB_REQUIRED: u32 = 0;
const SUB_TOO_SHORT: u32 = 1;
const SUB_TOO_LONG: u32 = 2;
const SUB_OPTION: u32 = 3;
const SUB_UNICODE: u32 = 4;
const SUB_RECEIVED: u32 = 5;
const SUB_RULE: u32 = 8;

/// The template number of the `unknown_field` item, whose `field` is [`KEY_MARK`]
/// and whose message holds [`KEY_MARK`] where the key goes.
pub const TEMPLATE_UNKNOWN_KEY: u32 = 0xFFFF_FFFE;
/// What stands for the key in that template.
pub const KEY_MARK: &str = "{key}";

/// What `params.received` holds in an `invalid_type` template.
pub const RECEIVED_SLOT: &str = "";

/// The template number of a finding (`None` only for a finding no rule of the
/// tables gives, which `finding_at` also refuses). A rule is found in its field's
/// list by variant, not compared whole (no field lists a variant twice, else two
/// findings would share a template: `wasm/tests/layout.rs` checks they never do).
pub fn template_of(f: &Finding) -> Option<u32> {
    let sub = match (f.code, f.why) {
        (Code::Required, _) => SUB_REQUIRED,
        (Code::TooShort, _) => SUB_TOO_SHORT,
        (Code::TooLong, _) => SUB_TOO_LONG,
        (Code::InvalidOption, _) => SUB_OPTION,
        (Code::InvalidFormat, Why::Unicode) => SUB_UNICODE,
        (Code::InvalidType, Why::Received(_)) => SUB_RECEIVED,
        (Code::InvalidFormat, Why::Rule(r)) => {
            SUB_RULE + f.field.rules.iter().position(|x| mem::discriminant(x) == mem::discriminant(&r))? as u32
        }
        _ => return None,
    };
    (sub < TEMPLATE_STRIDE).then_some(spec::row(f.field)? as u32 * TEMPLATE_STRIDE + sub)
}

/// The finding template `i` stands for (`invalid_type` with [`RECEIVED_SLOT`]), or
/// `None` when no value can give it: exactly the findings `validate::check` can
/// append for that field.
pub fn finding_at(i: u32) -> Option<Finding> {
    let field = FIELDS.get((i / TEMPLATE_STRIDE) as usize)?;
    let (code, why) = match i % TEMPLATE_STRIDE {
        SUB_REQUIRED if field.required => (Code::Required, Why::Code),
        SUB_TOO_SHORT if field.min_len.is_some() => (Code::TooShort, Why::Code),
        SUB_TOO_LONG if field.max_len.is_some() => (Code::TooLong, Why::Code),
        SUB_OPTION if field.options.is_some() => (Code::InvalidOption, Why::Code),
        SUB_UNICODE => (Code::InvalidFormat, Why::Unicode),
        SUB_RECEIVED => (Code::InvalidType, Why::Received(RECEIVED_SLOT)),
        s if s >= SUB_RULE => (Code::InvalidFormat, Why::Rule(*field.rules.get((s - SUB_RULE) as usize)?)),
        _ => return None,
    };
    let f = Finding { field, code, why };
    (template_of(&f) == Some(i)).then_some(f)
}

/// Every template number, in order.
pub fn numbers() -> impl Iterator<Item = u32> {
    (0..FIELDS.len() as u32 * TEMPLATE_STRIDE).filter(|&i| finding_at(i).is_some())
}
