//! Where the encryption key comes from: env `BILLCOM_CONNECTION_KEY`, or the key
//! file `<data-dir>/connection.key`, generated on first start with mode 0600.
//!
//! Both hold the key as standard base64 of exactly 32 bytes, so a key file's
//! content can be moved into the environment as it is. No error message ever
//! contains key material, not even a single offending character.

use crate::crypto::{self, Key, KEY_LEN};
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub const ENV_VAR: &str = "BILLCOM_CONNECTION_KEY";
pub const KEY_FILE: &str = "connection.key";
/// The new key during a rotation, until the re-encrypted data is committed.
pub const NEW_KEY_FILE: &str = "connection.key.new";
/// The new key for a rotation when keys are kept in the environment.
pub const NEW_ENV_VAR: &str = "BILLCOM_NEW_CONNECTION_KEY";

/// A key file larger than this is not a key file (the real one is 45 bytes).
const MAX_KEY_FILE: u64 = 1024;

/// Where the key in use came from (for the startup log; never the key itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    Env,
    File(PathBuf),
    Generated(PathBuf),
}

impl std::fmt::Display for KeyOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyOrigin::Env => write!(f, "from {ENV_VAR}"),
            KeyOrigin::File(p) => write!(f, "from key file {}", p.display()),
            KeyOrigin::Generated(p) => write!(f, "newly generated, in key file {}", p.display()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{ENV_VAR} is set but is not valid base64; it must be standard base64 of exactly 32 random bytes (e.g. `openssl rand -base64 32`)")]
    EnvNotBase64,
    #[error("{ENV_VAR} decodes to {0} bytes; it must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`)")]
    EnvWrongSize(usize),
    #[error("{ENV_VAR} is set but is not valid UTF-8 text; it must be base64 of exactly 32 bytes")]
    EnvNotText,
    #[error("the key file {} is readable or writable by group or others (mode {mode:04o}); it holds the key to every saved secret: run `chmod 600 {}` and start again", path.display(), path.display())]
    FileTooOpen { path: PathBuf, mode: u32 },
    #[error("the key file {} is not a regular file", path.display())]
    FileNotRegular { path: PathBuf },
    #[error("the key file {} has the wrong size: it must hold base64 of exactly 32 bytes (45 bytes with the newline); restore the right file or remove it on a fresh data directory", path.display())]
    FileWrongSize { path: PathBuf },
    #[error("the key file {} could not be read: {source}", path.display())]
    FileRead { path: PathBuf, source: std::io::Error },
    #[error("the key file {} could not be created: {source}", path.display())]
    FileCreate { path: PathBuf, source: std::io::Error },
    #[error("{NEW_ENV_VAR} must be standard base64 of exactly 32 random bytes (e.g. `openssl rand -base64 32`)")]
    NewEnvInvalid,
    #[error("could not generate a key: {0}")]
    Random(#[from] crypto::CryptoError),
}

/// Decodes base64 of exactly 32 bytes (padding optional, surrounding whitespace
/// ignored). `None` for anything else, with the decoded length when it decoded.
fn decode(text: &str) -> Result<Key, Option<usize>> {
    let t = text.trim();
    let engine = if t.ends_with('=') { &STANDARD } else { &STANDARD_NO_PAD };
    let bytes = Zeroizing::new(engine.decode(t).map_err(|_| None)?);
    let arr: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| Some(bytes.len()))?;
    Ok(Zeroizing::new(arr))
}

/// The key in `BILLCOM_CONNECTION_KEY`.
pub fn from_env_value(value: &str) -> Result<Key, KeyError> {
    decode(value).map_err(|e| match e {
        Some(n) => KeyError::EnvWrongSize(n),
        None => KeyError::EnvNotBase64,
    })
}

/// Reads `BILLCOM_CONNECTION_KEY`; `Ok(None)` when unset.
pub fn from_env() -> Result<Option<Key>, KeyError> {
    match std::env::var_os(ENV_VAR) {
        None => Ok(None),
        Some(v) => {
            let v = Zeroizing::new(v.into_string().map_err(|_| KeyError::EnvNotText)?);
            from_env_value(&v).map(Some)
        }
    }
}

pub fn key_file_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

pub fn new_key_file_path(data_dir: &Path) -> PathBuf {
    data_dir.join(NEW_KEY_FILE)
}

/// Reads `BILLCOM_NEW_CONNECTION_KEY`; `Ok(None)` when unset.
pub fn new_from_env() -> Result<Option<Key>, KeyError> {
    match std::env::var_os(NEW_ENV_VAR) {
        None => Ok(None),
        Some(v) => {
            let v = Zeroizing::new(v.into_string().map_err(|_| KeyError::NewEnvInvalid)?);
            decode(&v).map(Some).map_err(|_| KeyError::NewEnvInvalid)
        }
    }
}

/// Reads the key file; `Ok(None)` when there is none.
pub fn read_key_file(path: &Path) -> Result<Option<Key>, KeyError> {
    let mut file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(KeyError::FileRead { path: path.to_owned(), source }),
    };
    let meta = file.metadata().map_err(|source| KeyError::FileRead { path: path.to_owned(), source })?;
    if !meta.is_file() {
        return Err(KeyError::FileNotRegular { path: path.to_owned() });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::FileTooOpen { path: path.to_owned(), mode });
    }
    if meta.len() > MAX_KEY_FILE {
        return Err(KeyError::FileWrongSize { path: path.to_owned() });
    }
    let mut text = Zeroizing::new(String::new());
    file.read_to_string(&mut text).map_err(|source| match source.kind() {
        ErrorKind::InvalidData => KeyError::FileWrongSize { path: path.to_owned() },
        _ => KeyError::FileRead { path: path.to_owned(), source },
    })?;
    decode(&text).map(Some).map_err(|_| KeyError::FileWrongSize { path: path.to_owned() })
}

/// Creates the key file with a new random key, mode 0600, never overwriting one.
/// If another process created it first, that one is read instead.
pub fn generate_key_file(path: &Path) -> Result<Key, KeyError> {
    let key = crypto::generate_key()?;
    match write_key_file(path, &key) {
        Ok(()) => Ok(key),
        Err(KeyError::FileCreate { source, .. }) if source.kind() == ErrorKind::AlreadyExists => {
            read_key_file(path)?.ok_or_else(|| KeyError::FileRead { path: path.to_owned(), source })
        }
        Err(e) => Err(e),
    }
}

/// Writes `key` as a new key file (base64 and a newline), mode 0600, durably and
/// atomically; fails if the file exists.
///
/// The key is written to a temporary file beside it, synced, and only then linked
/// into place (a hard link, which like `create_new` never replaces an existing
/// file), so a crash at any point leaves either no key file or a whole one, never
/// a short one. A temporary file left by a crash is removed by the next start
/// ([`remove_leftovers`]).
pub fn write_key_file(path: &Path, key: &Key) -> Result<(), KeyError> {
    let create = |source| KeyError::FileCreate { path: path.to_owned(), source };
    let mut text = Zeroizing::new(STANDARD.encode(key.as_slice()));
    text.push('\n');
    let tmp = temp_path(path)?;
    let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(create)?;
    let published =
        file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).and_then(|()| fs::hard_link(&tmp, path));
    drop(file);
    let _ = fs::remove_file(&tmp);
    published.map_err(create)?;
    // Make the new directory entry durable too (best effort).
    if let Some(dir) = path.parent() {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// `<key file>.tmp-<random>`: where a key is written before it is linked into place.
fn temp_path(path: &Path) -> Result<PathBuf, KeyError> {
    let suffix = crypto::random::<6>()?.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".tmp-{suffix}"));
    Ok(path.with_file_name(name))
}

/// Removes temporary key files a crash left in `data_dir` (never a key file).
pub fn remove_leftovers(data_dir: &Path) {
    let Ok(entries) = fs::read_dir(data_dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours =
            [KEY_FILE, NEW_KEY_FILE].iter().any(|k| name.strip_prefix(k).is_some_and(|rest| rest.starts_with(".tmp-")));
        if ours {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether the key file exists and is empty: what an older version could leave
/// when killed while creating it. Safe to replace only while no data is encrypted.
pub fn is_empty_key_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_value_must_be_32_bytes_of_base64() {
        let good = STANDARD.encode([7u8; 32]);
        assert!(from_env_value(&good).is_ok());
        assert!(from_env_value(&format!("  {good}\n")).is_ok());
        assert!(from_env_value(good.trim_end_matches('=')).is_ok());
        assert!(matches!(from_env_value(&STANDARD.encode([7u8; 16])), Err(KeyError::EnvWrongSize(16))));
        assert!(matches!(from_env_value("not base64 at all!"), Err(KeyError::EnvNotBase64)));
        assert!(matches!(from_env_value(""), Err(KeyError::EnvWrongSize(0))));
    }

    #[test]
    fn a_key_file_appears_whole_or_not_at_all() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = key_file_path(dir.path());
        let key = generate_key_file(&path)?;
        assert_eq!(fs::metadata(&path)?.len(), 45);
        assert_eq!(fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        assert_eq!(read_key_file(&path)?.map(|k| *k), Some(*key));
        // Never replaced; and no temporary file is left behind either way.
        assert!(write_key_file(&path, &crypto::generate_key()?).is_err());
        assert_eq!(read_key_file(&path)?.map(|k| *k), Some(*key));
        let names: Vec<_> = fs::read_dir(dir.path())?.flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, [std::ffi::OsString::from(KEY_FILE)]);
        // What a crash between writing and linking leaves is cleaned up.
        fs::write(dir.path().join("connection.key.tmp-0123456789ab"), "half")?;
        fs::write(dir.path().join("connection.key.new.tmp-0123456789ab"), "")?;
        remove_leftovers(dir.path());
        let names: Vec<_> = fs::read_dir(dir.path())?.flatten().map(|e| e.file_name()).collect();
        assert_eq!(names, [std::ffi::OsString::from(KEY_FILE)]);
        Ok(())
    }

    #[test]
    fn error_messages_never_echo_the_value() {
        let secretish = "c2VjcmV0LWtleS1tYXRlcmlhbA==";
        let msg = from_env_value(secretish).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains(ENV_VAR), "{msg}");
        assert!(!msg.contains(secretish), "{msg}");
    }
}
