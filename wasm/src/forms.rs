//! `ConnectionForm`'s state: a slab of [`FormState`]s addressed by handles. The JS
//! class holds a handle; secrets stay in the `FormState` here (zeroized by it).
//! The mode (create or edit) and the saved connection's id are the wrapper's: it
//! hands the id over, so it answers `mode` and `connectionId` itself, and after a
//! save it clears the secrets here.
//!
//! A handle is `generation << 16 | (slot + 1)`: a freed slot is reused with the
//! next generation, so a stale handle never reaches another form.

use crate::io::{self, ERR_FORM_FREED, ERR_INVALID_ARGUMENT, PAYLOAD_INVALID};
use crate::prelude::*;
use crate::State;
use billcom_connection::form::FormState;
use billcom_connection::json;
use billcom_connection::spec::{self, FIELDS};
use billcom_connection::validate::{Finding, UsageError, ValueRef};

const MAX_FORMS: usize = 0xFFFF;

#[derive(Default)]
pub struct Forms {
    slots: Vec<(u16, Option<FormState>)>,
}

impl Forms {
    pub const fn new() -> Self {
        Forms { slots: Vec::new() }
    }

    /// How many forms are alive (for the leak tests).
    pub fn live(&self) -> usize {
        self.slots.iter().filter(|(_, f)| f.is_some()).count()
    }

    fn insert(&mut self, form: FormState) -> i32 {
        let slot = match self.slots.iter().position(|(_, f)| f.is_none()) {
            Some(i) => i,
            None if self.slots.len() < MAX_FORMS => {
                self.slots.push((0, None));
                self.slots.len() - 1
            }
            None => return ERR_INVALID_ARGUMENT,
        };
        let Some(entry) = self.slots.get_mut(slot) else { return ERR_INVALID_ARGUMENT };
        entry.0 = entry.0.wrapping_add(1) & 0x7FFF; // keeps handles positive as i32
        entry.1 = Some(form);
        ((u32::from(entry.0) << 16) | (slot as u32 + 1)) as i32
    }

    /// The slot handle `h` names, if its generation is current (empty or not).
    // Not inlined: every form export calls it (measured: 70 B brotli).
    #[inline(never)]
    fn slot(&mut self, h: u32) -> Option<&mut Option<FormState>> {
        let slot = (h & 0xFFFF).checked_sub(1)? as usize;
        match self.slots.get_mut(slot)? {
            (gen, form) if u32::from(*gen) == h >> 16 => Some(form),
            _ => None,
        }
    }

    fn get(&mut self, h: u32) -> Option<&mut FormState> {
        self.slot(h)?.as_mut()
    }

    pub fn create(s: &mut State, api: u32) -> i32 {
        match io::api_type_at(api) {
            Some(t) => s.forms.insert(FormState::of_type(t)),
            None => io::usage(UsageError::UnknownApiType),
        }
    }

    /// The saved connection's entries in the block, its id as the `KEY_ID` entry.
    /// Read in place: only the non-secret fields' values are copied (into the form).
    pub fn edit(s: &mut State, at: u32) -> i32 {
        let mut id = None;
        let mut values = [ValueRef::Missing; io::MAX_FIELDS];
        let read = io::each_entry(&s.io, at, &mut |_, key, value| match key {
            io::Key::Field(f) => {
                if let Some(slot) = values.get_mut(f) {
                    *slot = value;
                }
            }
            io::Key::Id => id = Some(value),
            _ => {}
        });
        let made = read.map(|()| match id {
            Some(ValueRef::Text(id)) => {
                FormState::edit(id, |f| spec::row(f).and_then(|i| values.get(i)).copied().unwrap_or(ValueRef::Missing))
            }
            _ => Err(UsageError::InvalidArgument),
        });
        s.io.zero_input(at);
        match made {
            Some(Ok(form)) => s.forms.insert(form),
            Some(Err(e)) => io::usage(e),
            None => ERR_INVALID_ARGUMENT,
        }
    }

    pub fn free(s: &mut State, h: u32) -> i32 {
        match s.forms.slot(h) {
            Some(form @ Some(_)) => {
                *form = None; // FormState's secrets zeroize on drop
                0
            }
            _ => ERR_FORM_FREED,
        }
    }

    /// The value in the block; the field's findings out, written from the row the
    /// form keeps (nothing copied).
    pub fn set(s: &mut State, h: u32, field: u32, at: u32) -> i32 {
        // Checked and stored from the block in place (the form copies the text into
        // its own buffer), then the block is zeroed.
        let set = match (s.forms.get(h), io::first_value(&s.io, at), FIELDS.get(field as usize)) {
            (None, ..) => Err(ERR_FORM_FREED),
            (_, None, _) => Err(ERR_INVALID_ARGUMENT),
            (_, _, None) => Err(io::usage(UsageError::UnknownField)),
            (Some(form), Some(value), Some(f)) => form.set_field(f, value, &mut s.found).map_err(io::usage),
        };
        s.io.zero_input(at);
        match set {
            Ok(found) => io::write_findings(&mut s.io, &[found], &[]),
            Err(e) => e,
        }
    }

    /// The index of the form's API type in `API_TYPES`.
    pub fn api_type(s: &mut State, h: u32) -> i32 {
        let Some(form) = s.forms.get(h) else { return ERR_FORM_FREED };
        // `API_TYPES` lists the variants in declaration order (spec.rs's macro).
        *form.api_type() as i32
    }

    pub fn values(s: &mut State, h: u32) -> i32 {
        let Some(form) = s.forms.get(h) else { return ERR_FORM_FREED };
        let text = json::object(&form.values());
        s.io.put_text(&text)
    }

    /// Which secret fields hold a value: bit `i` for row `i` of `FIELDS` (at most
    /// 16 rows: never negative). The wrapper lists the current type's secret fields
    /// from its form spec. Measured with dropping `saved` (the wrapper keeps the
    /// mode and id, and clears the secrets after a save): −327 B brotli against
    /// `{ id: bool }` JSON.
    pub fn secrets_filled(s: &mut State, h: u32) -> i32 {
        let Some(form) = s.forms.get(h) else { return ERR_FORM_FREED };
        form.filled_secret_rows() as i32
    }

    /// The findings the form keeps, written row by row (nothing copied).
    pub fn validate(s: &mut State, h: u32) -> i32 {
        let Some(form) = s.forms.get(h) else { return ERR_FORM_FREED };
        let mut rows: [&[Finding]; io::MAX_FIELDS] = [&[]; io::MAX_FIELDS];
        let mut n = 0;
        for (dst, row) in rows.iter_mut().zip(form.rows()) {
            *dst = row;
            n += 1;
        }
        io::write_findings(&mut s.io, rows.get(..n).unwrap_or_default(), &[])
    }

    pub fn clear_secrets(s: &mut State, h: u32) -> i32 {
        let Some(form) = s.forms.get(h) else { return ERR_FORM_FREED };
        form.clear_secrets();
        0
    }

    /// The request body's bytes in the block (their count; the wrapper copies them
    /// out and zeroes the block at once), or `PAYLOAD_INVALID` when some finding is
    /// an error (the wrapper then asks `validate` for the report).
    pub fn payload(s: &mut State, h: u32) -> i32 {
        let Some(form) = s.forms.get(h) else { return ERR_FORM_FREED };
        match form.body() {
            Some(body) => s.io.put_text(&body), // `body` zeroizes when dropped
            None => PAYLOAD_INVALID,
        }
    }
}
