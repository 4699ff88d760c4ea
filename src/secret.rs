//! A secret value: a password, developer key, application key or API token.
//!
//! It prints as `[redacted]` through `Debug` and `Display`, is zeroized when
//! dropped or cleared, and offers its text only through [`Secret::expose`], so a
//! stray `{:?}` or log line cannot leak it.

use crate::prelude::*;
use core::fmt;
use zeroize::Zeroize;

pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret's text. Call it only to put the value where it must go
    /// (the request to the backend, the cipher on the server).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces the value in place (see [`overwrite`]).
    pub fn replace(&mut self, value: &str) {
        overwrite(&mut self.0, value);
    }

    /// Overwrites the bytes with zeros and empties the value.
    pub fn clear(&mut self) {
        self.0.zeroize();
    }
}

/// Puts `value` into `buf`'s own buffer: the old bytes are zeroed first, so when
/// the new value needs a bigger buffer, the one released holds only zeros.
///
/// Only the bytes in use are zeroed, not the whole capacity as `String::zeroize`
/// does: the bytes past them are zeros already, since a buffer here starts exactly
/// full (`to_owned`) and is only ever rewritten through this function, which zeroes
/// every byte the old value used before writing a new one from the start. Drop and
/// `clear` still zeroize the whole capacity. Measured: a keystroke ~4 % faster, as
/// a field that once held a long token (a 1 KB buffer) no longer zeroes the whole
/// buffer for each short value typed after it (`tests/js/misuse.test.mjs` checks
/// that long, short and middling values leave nothing behind).
// Not inlined: both slot kinds call it (measured: 24 B brotli).
#[inline(never)]
pub(crate) fn overwrite(buf: &mut String, value: &str) {
    buf.as_mut_str().zeroize();
    buf.clear();
    buf.push_str(value);
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("hunter2-very-secret".into());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn replace_puts_the_new_value_in_place() {
        // That no byte of the old value is left is checked on WASM memory itself
        // (tests/js/misuse.test.mjs); this crate forbids the unsafe code to look.
        let mut s = Secret::new("old-secret-value-1234567890".into());
        s.replace("new");
        assert_eq!(s.expose(), "new");
        s.replace("a longer value than the buffer held before it, so it grows");
        assert_eq!(s.expose(), "a longer value than the buffer held before it, so it grows");
    }

    #[test]
    fn clear_empties_the_value() {
        let mut s = Secret::new("abc".into());
        s.clear();
        assert!(s.is_empty());
        assert_eq!(s.expose(), "");
    }
}
