//! AES-256-GCM for secret values, and the key check that proves a key belongs to a
//! database.
//!
//! Every value is sealed with a fresh random 96-bit nonce and with associated data
//! naming the record and the field (`billcom-connection:v1:{id}:{field}`), so a
//! ciphertext copied onto another record or another field fails to decrypt instead
//! of turning into somebody else's password.

use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use aes_gcm::Aes256Gcm;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use zeroize::Zeroizing;

pub const KEY_LEN: usize = 32;
pub const NONCE_LEN: usize = 12;

/// A 256-bit key, zeroized on drop.
pub type Key = Zeroizing<[u8; KEY_LEN]>;

/// What is sealed into the meta table on first start and opened on every start.
const KEY_CHECK_PLAINTEXT: &[u8] = b"billcom-connection key check";
const KEY_CHECK_AAD: &[u8] = b"billcom-connection:v1:key-check";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the operating system's random number generator failed")]
    Random,
    #[error("encryption failed")]
    Seal,
    /// Wrong key, or the ciphertext, nonce or associated data was altered.
    #[error("decryption failed: wrong key, or the stored value was altered or moved")]
    Open,
}

/// The cipher, holding the expanded key (zeroized on drop by `aes-gcm`'s
/// `zeroize` feature). Its `Debug` never shows key material.
pub struct Cipher(Aes256Gcm);

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cipher([redacted])")
    }
}

/// Fills a fresh array from the OS generator.
pub fn random<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| CryptoError::Random)?;
    Ok(out)
}

/// A new random key.
pub fn generate_key() -> Result<Key, CryptoError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(key.as_mut_slice()).map_err(|_| CryptoError::Random)?;
    Ok(key)
}

/// The associated data binding a secret to its record and field.
pub fn secret_aad(id: &str, field: &str) -> Vec<u8> {
    format!("billcom-connection:v1:{id}:{field}").into_bytes()
}

impl Cipher {
    pub fn new(key: &Key) -> Self {
        // `[u8; 32]` converts into exactly the key array the cipher wants, so there
        // is no length to get wrong; the temporary copy is wiped right after.
        let mut k = aes_gcm::Key::<Aes256Gcm>::from(**key);
        let cipher = Aes256Gcm::new(&k);
        zeroize::Zeroize::zeroize(k.as_mut_slice());
        Cipher(cipher)
    }

    /// Encrypts under a fresh random nonce; returns (nonce, ciphertext with tag).
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<([u8; NONCE_LEN], Vec<u8>), CryptoError> {
        let nonce_bytes = random::<NONCE_LEN>()?;
        let nonce = Nonce::<Aes256Gcm>::from(nonce_bytes);
        let ciphertext = self.0.encrypt(&nonce, Payload { msg: plaintext, aad }).map_err(|_| CryptoError::Seal)?;
        Ok((nonce_bytes, ciphertext))
    }

    /// Decrypts and authenticates; the plaintext is zeroized when dropped.
    pub fn open(&self, nonce: &[u8], aad: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| CryptoError::Open)?;
        self.0.decrypt(&nonce, Payload { msg: ciphertext, aad }).map(Zeroizing::new).map_err(|_| CryptoError::Open)
    }

    /// A key check value to store beside the data: nonce followed by ciphertext.
    pub fn key_check(&self) -> Result<Vec<u8>, CryptoError> {
        let (nonce, ct) = self.seal(KEY_CHECK_AAD, KEY_CHECK_PLAINTEXT)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Whether this cipher's key made `check` (from [`Cipher::key_check`]).
    pub fn verifies(&self, check: &[u8]) -> bool {
        let Some((nonce, ct)) = check.split_at_checked(NONCE_LEN) else {
            return false;
        };
        self.open(nonce, KEY_CHECK_AAD, ct).is_ok_and(|p| p.as_slice() == KEY_CHECK_PLAINTEXT)
    }
}

/// Keyed fingerprints (HMAC-SHA256) of request bodies, for `Idempotency-Key`:
/// two bodies are compared without storing them (they hold secrets), and under a
/// key derived from the data key, so a stolen database does not let anyone test
/// guesses of a secret against a fingerprint.
pub struct Fingerprints(Zeroizing<[u8; 32]>);

impl fmt::Debug for Fingerprints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fingerprints([redacted])")
    }
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length, so this cannot fail.
    <HmacSha256 as hmac::KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

impl Fingerprints {
    /// Derives the fingerprint key from the data key (HMAC with a fixed label).
    pub fn new(key: &Key) -> Fingerprints {
        let mut m = hmac(key.as_slice());
        m.update(b"billcom-connection:v1:idempotency-fingerprint");
        Fingerprints(Zeroizing::new(m.finalize().into_bytes().into()))
    }

    /// The fingerprint of a sequence of byte strings (each length-prefixed, so
    /// `["ab", "c"]` and `["a", "bc"]` differ).
    pub fn of(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut m = hmac(self.0.as_slice());
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> Key {
        Zeroizing::new([byte; KEY_LEN])
    }

    #[test]
    fn round_trip_with_matching_aad() -> Result<(), CryptoError> {
        let c = Cipher::new(&key(7));
        let aad = secret_aad("abc", "password");
        let (nonce, ct) = c.seal(&aad, b"hunter2")?;
        assert_ne!(&ct[..7], b"hunter2");
        assert_eq!(c.open(&nonce, &aad, &ct)?.as_slice(), b"hunter2");
        Ok(())
    }

    #[test]
    fn other_record_field_or_key_fails() -> Result<(), CryptoError> {
        let c = Cipher::new(&key(7));
        let (nonce, ct) = c.seal(&secret_aad("abc", "password"), b"hunter2")?;
        assert!(c.open(&nonce, &secret_aad("abd", "password"), &ct).is_err());
        assert!(c.open(&nonce, &secret_aad("abc", "devKey"), &ct).is_err());
        assert!(Cipher::new(&key(8)).open(&nonce, &secret_aad("abc", "password"), &ct).is_err());
        assert!(c.open(&nonce[..11], &secret_aad("abc", "password"), &ct).is_err());
        Ok(())
    }

    #[test]
    fn nonces_are_fresh() -> Result<(), CryptoError> {
        let c = Cipher::new(&key(1));
        let (n1, c1) = c.seal(b"a", b"same")?;
        let (n2, c2) = c.seal(b"a", b"same")?;
        assert_ne!(n1, n2);
        assert_ne!(c1, c2);
        Ok(())
    }

    #[test]
    fn fingerprints_depend_on_key_and_framing() {
        let a = Fingerprints::new(&key(1));
        assert_eq!(a.of(&[b"ab", b"c"]), Fingerprints::new(&key(1)).of(&[b"ab", b"c"]));
        assert_ne!(a.of(&[b"ab", b"c"]), a.of(&[b"a", b"bc"]));
        assert_ne!(a.of(&[b"ab", b"c"]), Fingerprints::new(&key(2)).of(&[b"ab", b"c"]));
    }

    #[test]
    fn key_check_tells_keys_apart() -> Result<(), CryptoError> {
        let check = Cipher::new(&key(1)).key_check()?;
        assert!(Cipher::new(&key(1)).verifies(&check));
        assert!(!Cipher::new(&key(2)).verifies(&check));
        assert!(!Cipher::new(&key(1)).verifies(&check[..5]));
        Ok(())
    }
}
