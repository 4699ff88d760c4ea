//! Saved connections in SQLite (`<data-dir>/connections.sqlite3`).
//!
//! `connections` holds the non-secret columns and the non-secret credential
//! settings as a JSON object; `secrets` holds one AES-256-GCM ciphertext per secret
//! field, bound to its record id and field; `meta` holds the key check value. Every
//! write is one transaction, so no record is ever half written.

use crate::crypto::{self, Cipher, CryptoError, Fingerprints, NONCE_LEN};
use crate::keys::{self, KeyError, KeyOrigin};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use billcom_connection::{spec, Secret};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;
use std::fs::{DirBuilder, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

pub const DB_FILE: &str = "connections.sqlite3";
pub const LOCK_FILE: &str = "server.lock";
const SCHEMA_VERSION: i64 = 2;
/// How long an `Idempotency-Key` is remembered (at least 24 h is promised).
pub const IDEMPOTENCY_HOURS: u32 = 48;
const KEY_CHECK: &str = "key_check";
/// Read connections (the blocking pool runs at most 8 store calls at once).
const READERS: usize = 4;
/// `GET /api/connections` page size when `limit` is not given, and its maximum.
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 500;

/// Why the server cannot start. Every message names the problem and the way out.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("the data directory {} could not be created: {source}", path.display())]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("the database {} could not be opened: {source}", path.display())]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("the database {} could not be opened: {source}", path.display())]
    OpenFile { path: PathBuf, source: std::io::Error },
    #[error("the database {} was written by a newer version (schema {found}, this server knows {SCHEMA_VERSION})", path.display())]
    NewerSchema { path: PathBuf, found: i64 },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the key does not match the data in {}: the key {origin} is not the key this data was encrypted with. Start with the original key (env {} or the key file {}); saved secrets cannot be read without it{hint}", path.display(), keys::ENV_VAR, key_file.display())]
    KeyMismatch { path: PathBuf, origin: KeyOrigin, key_file: PathBuf, hint: &'static str },
    #[error("the database {} holds data encrypted with a key, but no key was given: neither {} is set nor does the key file {} exist. Restore the key file or set {}; refusing to generate a new key that could not read this data", path.display(), keys::ENV_VAR, key_file.display(), keys::ENV_VAR)]
    KeyMissing { path: PathBuf, key_file: PathBuf },
    #[error("could not initialise the key check: {0}")]
    Crypto(#[from] CryptoError),
    #[error("another billcom-connection-server (or a key rotation) is using the data directory {}; stop it first", path.display())]
    Busy { path: PathBuf },
    #[error("the PostgreSQL database {url} could not be used: {message}")]
    Pg { url: String, message: String },
    #[error("the lock file {} could not be opened: {source}", path.display())]
    Lock { path: PathBuf, source: std::io::Error },
    #[error("no key to rotate: neither {} is set nor does the key file {} exist", keys::ENV_VAR, key_file.display())]
    NothingToRotate { key_file: PathBuf },
    #[error(
        "the key comes from {}: set {} to the new key (base64 of 32 bytes) to rotate to it",
        keys::ENV_VAR,
        keys::NEW_ENV_VAR
    )]
    NewKeyNeeded,
    #[error("{} exists: an earlier key rotation was interrupted. If the server refuses the current key file, this file holds the key the data is now encrypted with: move it to {}. Otherwise delete it, then rotate again", path.display(), keys::KEY_FILE)]
    RotationLeftover { path: PathBuf },
    #[error("the new key is the same as the current key")]
    SameKey,
    #[error("a stored secret of connection {id} ({field}) does not decrypt with the current key; nothing was changed")]
    Undecryptable { id: String, field: String },
    #[error("the key rotation failed, nothing was changed: {source}")]
    Rotate { source: rusqlite::Error },
    #[error("the data is now encrypted with the new key, but {} could not be moved to {}: {source}. Move it by hand before starting the server", new.display(), file.display())]
    RotateRename { new: PathBuf, file: PathBuf, source: std::io::Error },
}

/// A failure after startup. Messages carry no user data and no secret.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    #[error("a stored record is malformed ({0})")]
    Corrupt(&'static str),
    #[error("could not decrypt the stored {field}: wrong key, or the stored value was altered or moved")]
    Decrypt { field: String },
    /// PostgreSQL: its SQLSTATE and message only (a DETAIL may quote row values).
    #[error("database error: {0}")]
    Pg(String),
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError::Pg(crate::pg::describe(&e))
    }
}

/// A validated connection, normalized, ready to be saved.
#[derive(Debug)]
pub struct NewConnection {
    pub name: String,
    pub api_type: &'static str,
    pub environment: &'static str,
    /// Non-secret credential fields of the API type, in display order.
    pub settings: Vec<(&'static str, String)>,
    /// Secret fields of the API type, in display order.
    pub secrets: Vec<(&'static str, Secret)>,
}

/// What [`Store::create_once`] did.
#[derive(Debug)]
pub enum Created {
    /// A new record.
    New(SavedConnection),
    /// The key was seen with the same body: the record the first request created.
    Replayed(SavedConnection),
    /// The key was seen with a different body.
    Conflict,
    /// The key was seen with the same body, but its record has since been deleted.
    Gone,
}

/// Where a page of the list ends: an opaque token for the client (see
/// [`Cursor::encode`]), the creation sequence number of the page's last record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor(i64);

impl Cursor {
    pub(crate) fn at(seq: i64) -> Cursor {
        Cursor(seq)
    }

    pub(crate) fn seq(self) -> i64 {
        self.0
    }

    /// `c1.<seq>` in base64url: opaque to clients, versioned for us.
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("c1.{}", self.0))
    }

    /// `None` for anything [`Cursor::encode`] did not make.
    pub fn decode(text: &str) -> Option<Cursor> {
        if text.len() > 64 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let seq = std::str::from_utf8(&bytes).ok()?.strip_prefix("c1.")?.parse::<i64>().ok()?;
        (seq > 0).then_some(Cursor(seq))
    }
}

/// One page of the list.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<SavedConnection>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// `If-Match`, parsed: which stored versions a write may replace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// `*`: any existing version.
    Any,
    /// One of these versions (strong entity-tags `"<version>"`).
    Versions(Vec<i64>),
}

/// What a conditional write did.
#[derive(Debug, PartialEq)]
pub enum Written<T> {
    Done(T),
    NotFound,
    /// The precondition failed; the stored version is this.
    Stale(i64),
}

/// `Some(refusal)` when the record is missing or `precondition` fails.
fn check_precondition<T>(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    precondition: Option<&Precondition>,
) -> Result<Option<Written<T>>, StoreError> {
    let Some(precondition) = precondition else { return Ok(None) };
    let current: Option<i64> =
        tx.query_row("SELECT version FROM connections WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    Ok(match (current, precondition) {
        (None, _) => Some(Written::NotFound),
        (Some(_), Precondition::Any) => None,
        (Some(v), Precondition::Versions(ok)) if ok.contains(&v) => None,
        (Some(v), Precondition::Versions(_)) => Some(Written::Stale(v)),
    })
}

/// A saved connection and its decrypted secrets (for a connection test only).
pub type WithSecrets = (SavedConnection, Vec<(String, Secret)>);

/// A saved connection as the API shows it: never a secret value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedConnection {
    pub id: String,
    pub name: String,
    pub api_type: String,
    pub environment: String,
    /// Derived from apiType + environment on every read; never stored, never taken
    /// from a client.
    pub base_url: Option<&'static str>,
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub secrets_set: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    /// 1 when created, +1 on every replace; the `ETag` is `"<version>"`.
    pub version: i64,
}

pub struct Store {
    /// The one connection that writes (SQLite has one writer at a time anyway).
    conn: Mutex<Connection>,
    /// Read-only connections: with WAL, reads see the last commit and never wait
    /// for a write in progress, nor for each other.
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    cipher: Cipher,
    fingerprints: Fingerprints,
    db_path: PathBuf,
    /// Held (flock, exclusive) while the store is open: one server per data
    /// directory, and no key rotation under a running server.
    _lock: File,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("db_path", &self.db_path).finish_non_exhaustive()
    }
}

/// A new record id: 16 random bytes as 22 characters of base64url.
pub fn new_id() -> Result<String, CryptoError> {
    Ok(URL_SAFE_NO_PAD.encode(crypto::random::<16>()?))
}

/// Whether `id` could be one of ours; anything else is a 404 without a query.
pub fn is_well_formed_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Store {
    /// Opens (creating if needed) the data directory, database and key, and checks
    /// that the key belongs to the data. `env_key` is `BILLCOM_CONNECTION_KEY`.
    pub fn open(data_dir: &Path, env_key: Option<crypto::Key>) -> Result<(Store, KeyOrigin), StartupError> {
        Store::open_with(data_dir, env_key, true)
    }

    fn open_with(
        data_dir: &Path,
        env_key: Option<crypto::Key>,
        may_generate: bool,
    ) -> Result<(Store, KeyOrigin), StartupError> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)
            .map_err(|source| StartupError::DataDir { path: data_dir.to_owned(), source })?;
        let lock = lock_data_dir(data_dir)?;
        let db_path = data_dir.join(DB_FILE);
        // Create the file ourselves so it starts as 0600 (SQLite gives its journal
        // files the database file's permissions).
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&db_path)
            .map_err(|source| StartupError::OpenFile { path: db_path.clone(), source })?;
        let open_err = |source| StartupError::Open { path: db_path.clone(), source };
        let conn = Connection::open(&db_path).map_err(open_err)?;
        init_schema(&conn).map_err(|e| match e {
            SchemaError::Db(source) => StartupError::Open { path: db_path.clone(), source },
            SchemaError::Newer(found) => StartupError::NewerSchema { path: db_path.clone(), found },
        })?;
        let check: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [KEY_CHECK], |r| r.get(0))
            .optional()
            .map_err(open_err)?;

        let (key, origin) = resolve_key(data_dir, env_key, check.is_some(), may_generate, &db_path)?;
        let cipher = Cipher::new(&key);
        let fingerprints = Fingerprints::new(&key);
        drop(key);
        match check {
            Some(check) if !cipher.verifies(&check) => {
                let hint = if keys::new_key_file_path(data_dir).exists() {
                    ". An interrupted key rotation left connection.key.new in the data directory: it may hold the key"
                } else {
                    ""
                };
                let key_file = keys::key_file_path(data_dir);
                return Err(StartupError::KeyMismatch { path: db_path, origin, key_file, hint });
            }
            Some(_) => {}
            None => {
                let value = cipher.key_check()?;
                conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", params![KEY_CHECK, value])
                    .map_err(open_err)?;
            }
        }
        let readers = (0..READERS)
            .map(|_| open_reader(&db_path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(open_err)?;
        Ok((
            Store {
                conn: Mutex::new(conn),
                readers,
                next_reader: AtomicUsize::new(0),
                cipher,
                fingerprints,
                db_path,
                _lock: lock,
            },
            origin,
        ))
    }

    /// Re-encrypts every secret under a new key, in one transaction, and replaces
    /// the key check. With the key in the key file, the new key (from
    /// `new_env_key`, or generated) replaces that file; with the key in
    /// `BILLCOM_CONNECTION_KEY`, `new_env_key` is required and no file is written.
    /// Refused while a server has the data directory open.
    pub fn rotate_key(
        data_dir: &Path,
        env_key: Option<crypto::Key>,
        new_env_key: Option<crypto::Key>,
    ) -> Result<Rotated, StartupError> {
        let (store, origin) = Store::open_with(data_dir, env_key, false)?;
        let count = rotate_with(data_dir, &origin, new_env_key, |new| store.reencrypt(new))?;
        Ok(Rotated { secrets: count, origin })
    }

    fn reencrypt(&self, new: &Cipher) -> Result<usize, StartupError> {
        let mut conn = self.lock();
        let rot = |source| StartupError::Rotate { source };
        let tx = conn.transaction().map_err(rot)?;
        let old_check: Vec<u8> =
            tx.query_row("SELECT value FROM meta WHERE key = ?1", [KEY_CHECK], |r| r.get(0)).map_err(rot)?;
        if new.verifies(&old_check) {
            return Err(StartupError::SameKey);
        }
        let rows: Vec<(String, String, Vec<u8>, Vec<u8>)> = {
            let mut stmt = tx.prepare("SELECT connection_id, field, nonce, ciphertext FROM secrets").map_err(rot)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).map_err(rot)?;
            rows.collect::<Result<_, _>>().map_err(rot)?
        };
        for (id, field, nonce, ciphertext) in &rows {
            let aad = crypto::secret_aad(id, field);
            let plain = self
                .cipher
                .open(nonce, &aad, ciphertext)
                .map_err(|_| StartupError::Undecryptable { id: id.clone(), field: field.clone() })?;
            let (nonce, ciphertext) = new.seal(&aad, &plain)?;
            tx.execute(
                "UPDATE secrets SET nonce = ?3, ciphertext = ?4 WHERE connection_id = ?1 AND field = ?2",
                params![id, field, &nonce[..], ciphertext],
            )
            .map_err(rot)?;
        }
        // Fingerprints are keyed by the old key: forget them (a retry after a
        // rotation creates anew, it is never wrongly called a conflict).
        tx.execute("DELETE FROM idempotency", []).map_err(rot)?;
        let check = new.key_check()?;
        tx.execute("UPDATE meta SET value = ?2 WHERE key = ?1", params![KEY_CHECK, check]).map_err(rot)?;
        tx.commit().map_err(rot)?;
        Ok(rows.len())
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A poisoned lock only means another request panicked mid-call; SQLite's
        // own transaction rolled that back, so the connection is still sound.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A read connection: the first free one, else waits for one in turn.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Some(m) = self.readers.get((start + i) % n) {
                if let Ok(guard) = m.try_lock() {
                    return guard;
                }
            }
        }
        match self.readers.get(start % n.max(1)) {
            Some(m) => m.lock().unwrap_or_else(|p| p.into_inner()),
            None => self.lock(), // no readers (not expected): the writer reads
        }
    }

    /// Every saved connection, oldest first (all pages; for tests and tools).
    pub fn list(&self) -> Result<Vec<SavedConnection>, StoreError> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self.list_page(after, MAX_PAGE)?;
            out.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// One page of saved connections in creation order: at most `limit`, after
    /// the cursor `after` (from a previous page's `next`). Read in one snapshot.
    pub fn list_page(&self, after: Option<Cursor>, limit: usize) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let after_seq = after.map_or(0, |c| c.0);
        let mut conn = self.reader();
        let tx = conn.transaction()?;
        let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let mut rows = {
            let mut stmt =
                tx.prepare(&format!("SELECT seq, {COLUMNS} FROM connections WHERE seq > ?1 ORDER BY seq LIMIT ?2"))?;
            let rows = stmt.query_map(params![after_seq, fetch], |r| Ok((r.get::<_, i64>(0)?, row_at(r, 1)?)))?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        let more = rows.len() > limit;
        rows.truncate(limit);
        let mut secrets: HashMap<String, Vec<String>> = HashMap::new();
        if let (Some((first, _)), Some((last, _))) = (rows.first(), rows.last()) {
            let mut stmt = tx.prepare(
                "SELECT s.connection_id, s.field FROM secrets s JOIN connections c ON c.id = s.connection_id \
                 WHERE c.seq BETWEEN ?1 AND ?2",
            )?;
            let found =
                stmt.query_map(params![first, last], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in found {
                let (id, field) = row?;
                secrets.entry(id).or_default().push(field);
            }
        }
        tx.commit()?;
        let next = if more { rows.last().map(|(seq, _)| Cursor(*seq)) } else { None };
        let items = rows
            .into_iter()
            .map(|(_, row)| {
                let fields = secrets.remove(&row.0).unwrap_or_default();
                assemble(row, fields)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next })
    }

    pub fn get(&self, id: &str) -> Result<Option<SavedConnection>, StoreError> {
        let conn = self.reader();
        read_one(&conn, id)
    }

    /// Saves a new connection; returns it as saved.
    pub fn create(&self, new: &NewConnection) -> Result<SavedConnection, StoreError> {
        match self.create_once(None, new)? {
            Created::New(c) | Created::Replayed(c) => Ok(c),
            Created::Conflict | Created::Gone => Err(StoreError::Corrupt("an idempotency answer without a key")),
        }
    }

    /// Saves a new connection unless `key` (a client's `Idempotency-Key`) was seen
    /// in the last [`IDEMPOTENCY_HOURS`]: then the first request's record is the
    /// answer if this body is the same (by keyed fingerprint), or a conflict if it
    /// is not. Check and insert are one transaction, so two requests racing with
    /// one key create one record.
    pub fn create_once(&self, key: Option<&str>, new: &NewConnection) -> Result<Created, StoreError> {
        let id = new_id()?;
        let sealed = seal_all(&self.cipher, &id, new)?;
        let settings = settings_json(new)?;
        let fingerprint = key.map(|_| fingerprint(&self.fingerprints, new));
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        if let (Some(key), Some(fingerprint)) = (key, &fingerprint) {
            tx.execute(
                &format!(
                    "DELETE FROM idempotency WHERE created_at < \
                     strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-{IDEMPOTENCY_HOURS} hours')"
                ),
                [],
            )?;
            let seen: Option<(Vec<u8>, String)> = tx
                .query_row("SELECT fingerprint, connection_id FROM idempotency WHERE key = ?1", [key], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            if let Some((seen, first_id)) = seen {
                let answer = if seen.as_slice() != fingerprint.as_slice() {
                    Created::Conflict
                } else {
                    read_one(&tx, &first_id)?.map_or(Created::Gone, Created::Replayed)
                };
                tx.commit()?;
                return Ok(answer);
            }
        }
        tx.execute(
            &format!(
                "INSERT INTO connections (id, name, api_type, environment, settings, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, {NOW}, {NOW})"
            ),
            params![id, new.name, new.api_type, new.environment, settings],
        )?;
        insert_secrets(&tx, &id, &sealed)?;
        if let (Some(key), Some(fingerprint)) = (key, &fingerprint) {
            tx.execute(
                &format!(
                    "INSERT INTO idempotency (key, fingerprint, connection_id, created_at) VALUES (?1, ?2, ?3, {NOW})"
                ),
                params![key, &fingerprint[..], id],
            )?;
        }
        let saved = read_one(&tx, &id)?.ok_or(StoreError::Corrupt("record vanished while saving"))?;
        tx.commit()?;
        Ok(Created::New(saved))
    }

    /// Replaces a connection whole: every secret is replaced too (and secrets of a
    /// previous API type go). `Ok(None)` when there is no such connection.
    pub fn replace(&self, id: &str, new: &NewConnection) -> Result<Option<SavedConnection>, StoreError> {
        match self.replace_if(id, new, None)? {
            Written::Done(c) => Ok(Some(c)),
            Written::NotFound | Written::Stale(_) => Ok(None),
        }
    }

    /// [`Store::replace`] if `precondition` (from `If-Match`) holds for the stored
    /// version; the check and the write are one transaction. Each replace adds 1
    /// to the version.
    pub fn replace_if(
        &self,
        id: &str,
        new: &NewConnection,
        precondition: Option<&Precondition>,
    ) -> Result<Written<SavedConnection>, StoreError> {
        if !is_well_formed_id(id) {
            return Ok(Written::NotFound);
        }
        let sealed = seal_all(&self.cipher, id, new)?;
        let settings = settings_json(new)?;
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        if let Some(refused) = check_precondition(&tx, id, precondition)? {
            return Ok(refused); // dropping `tx` rolls back (nothing was written)
        }
        let changed = tx.execute(
            &format!(
                "UPDATE connections SET name = ?2, api_type = ?3, environment = ?4, settings = ?5, \
                 updated_at = {NEXT_UPDATED_AT}, version = version + 1 WHERE id = ?1"
            ),
            params![id, new.name, new.api_type, new.environment, settings],
        )?;
        if changed == 0 {
            return Ok(Written::NotFound);
        }
        tx.execute("DELETE FROM secrets WHERE connection_id = ?1", [id])?;
        insert_secrets(&tx, id, &sealed)?;
        let saved = read_one(&tx, id)?.ok_or(StoreError::Corrupt("record vanished while saving"))?;
        tx.commit()?;
        Ok(Written::Done(saved))
    }

    /// Deletes a connection and its secrets; `false` when there was none.
    pub fn delete(&self, id: &str) -> Result<bool, StoreError> {
        Ok(matches!(self.delete_if(id, None)?, Written::Done(())))
    }

    /// [`Store::delete`] if `precondition` (from `If-Match`) holds.
    pub fn delete_if(&self, id: &str, precondition: Option<&Precondition>) -> Result<Written<()>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        if let Some(refused) = check_precondition(&tx, id, precondition)? {
            return Ok(refused);
        }
        tx.execute("DELETE FROM secrets WHERE connection_id = ?1", [id])?;
        let n = tx.execute("DELETE FROM connections WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(if n > 0 { Written::Done(()) } else { Written::NotFound })
    }

    /// The decrypted secrets of a connection, for a later "test connection" step.
    /// `Ok(None)` when there is no such connection; an error (never garbage) when a
    /// value does not decrypt under this key with this record's id and field.
    pub fn load_secrets(&self, id: &str) -> Result<Option<Vec<(String, Secret)>>, StoreError> {
        Ok(self.load_with_secrets(id)?.map(|(_, secrets)| secrets))
    }

    /// A connection and its decrypted secrets, read in one transaction: both are
    /// of the same version even while a replace runs (a test must never log in
    /// with one version's settings and another's secrets).
    pub fn load_with_secrets(&self, id: &str) -> Result<Option<WithSecrets>, StoreError> {
        let (saved, rows) = {
            let mut conn = self.reader();
            let tx = conn.transaction()?;
            let Some(saved) = read_one(&tx, id)? else { return Ok(None) };
            let rows: Vec<(String, Vec<u8>, Vec<u8>)> = {
                let mut stmt = tx.prepare("SELECT field, nonce, ciphertext FROM secrets WHERE connection_id = ?1")?;
                let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            tx.commit()?;
            (saved, rows)
        };
        Ok(Some((saved, open_all(&self.cipher, id, rows)?)))
    }
}

/// What a key rotation did.
#[derive(Debug)]
pub struct Rotated {
    pub secrets: usize,
    /// Where the old key came from (and so where the new one went).
    pub origin: KeyOrigin,
}

/// Where the key comes from: `env_key` (`BILLCOM_CONNECTION_KEY`), else the key
/// file in `data_dir`, else (when `may_generate` and nothing is encrypted yet,
/// `!has_check`) a newly generated key file. `db` names the database in messages.
pub(crate) fn resolve_key(
    data_dir: &Path,
    env_key: Option<crypto::Key>,
    has_check: bool,
    may_generate: bool,
    db: &Path,
) -> Result<(crypto::Key, KeyOrigin), StartupError> {
    let key_file = keys::key_file_path(data_dir);
    keys::remove_leftovers(data_dir);
    if env_key.is_none() && !has_check && keys::is_empty_key_file(&key_file) {
        // An empty key file with no encrypted data: an older version was killed
        // while creating it (issue 13, finding 4). Nothing can depend on it.
        tracing::warn!(
            "the key file {} is empty and no data is encrypted yet: replacing it with a new key",
            key_file.display()
        );
        std::fs::remove_file(&key_file).map_err(|source| KeyError::FileCreate { path: key_file.clone(), source })?;
    }
    Ok(match env_key {
        Some(k) => (k, KeyOrigin::Env),
        None => match keys::read_key_file(&key_file)? {
            Some(k) => (k, KeyOrigin::File(key_file.clone())),
            None if !may_generate => return Err(StartupError::NothingToRotate { key_file }),
            None if has_check => return Err(StartupError::KeyMissing { path: db.to_owned(), key_file }),
            None => (keys::generate_key_file(&key_file)?, KeyOrigin::Generated(key_file.clone())),
        },
    })
}

/// Seals every secret of `new` for record `id`.
pub(crate) fn seal_all(cipher: &Cipher, id: &str, new: &NewConnection) -> Result<Vec<Sealed>, StoreError> {
    new.secrets
        .iter()
        .map(|(field, secret)| {
            let (nonce, ciphertext) = cipher.seal(&crypto::secret_aad(id, field), secret.expose().as_bytes())?;
            Ok(Sealed { field, nonce, ciphertext })
        })
        .collect()
}

/// Decrypts stored `(field, nonce, ciphertext)` rows of record `id`: an error
/// (never garbage) when a value does not decrypt under this key for this record
/// and field.
pub(crate) fn open_all(
    cipher: &Cipher,
    id: &str,
    rows: Vec<(String, Vec<u8>, Vec<u8>)>,
) -> Result<Vec<(String, Secret)>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for (field, nonce, ciphertext) in rows {
        let plain = cipher
            .open(&nonce, &crypto::secret_aad(id, &field), &ciphertext)
            .map_err(|_| StoreError::Decrypt { field: field.clone() })?;
        // `plain` is zeroized on drop; the String copy goes straight into a Secret.
        let text = std::str::from_utf8(&plain).map_err(|_| StoreError::Decrypt { field: field.clone() })?;
        out.push((field, Secret::new(text.to_owned())));
    }
    Ok(out)
}

/// The keyed fingerprint of a validated body: every field, secrets included.
pub(crate) fn fingerprint(fingerprints: &Fingerprints, new: &NewConnection) -> [u8; 32] {
    let mut parts: Vec<&[u8]> = vec![new.name.as_bytes(), new.api_type.as_bytes(), new.environment.as_bytes()];
    for (k, v) in &new.settings {
        parts.extend([k.as_bytes(), v.as_bytes()]);
    }
    parts.push(b"secrets");
    for (k, v) in &new.secrets {
        parts.extend([k.as_bytes(), v.expose().as_bytes()]);
    }
    fingerprints.of(&parts)
}

/// The key-file side of a rotation, for either backend: stages the new key (from
/// `new_env_key`, or generated) in `connection.key.new` when the key lives in the
/// key file, runs `reencrypt` with the new cipher (one transaction), then moves the
/// new key file into place. With the key in the environment, the new key must come
/// from `BILLCOM_NEW_CONNECTION_KEY` and no file is written.
pub(crate) fn rotate_with(
    data_dir: &Path,
    origin: &KeyOrigin,
    new_env_key: Option<crypto::Key>,
    reencrypt: impl FnOnce(&Cipher) -> Result<usize, StartupError>,
) -> Result<usize, StartupError> {
    let new_file = keys::new_key_file_path(data_dir);
    if new_file.exists() {
        return Err(StartupError::RotationLeftover { path: new_file });
    }
    let (new_key, written) = match (origin, new_env_key) {
        (KeyOrigin::Env, None) => return Err(StartupError::NewKeyNeeded),
        (KeyOrigin::Env, Some(k)) => (k, None),
        (_, Some(k)) => {
            keys::write_key_file(&new_file, &k)?;
            (k, Some(new_file.clone()))
        }
        (_, None) => (keys::generate_key_file(&new_file)?, Some(new_file.clone())),
    };
    let outcome = reencrypt(&Cipher::new(&new_key));
    drop(new_key);
    let count = match outcome {
        Ok(n) => n,
        Err(e) => {
            if let Some(f) = &written {
                let _ = std::fs::remove_file(f);
            }
            return Err(e);
        }
    };
    let key_file = keys::key_file_path(data_dir);
    if let Some(f) = written {
        std::fs::rename(&f, &key_file).map_err(|source| StartupError::RotateRename {
            new: f.clone(),
            file: key_file.clone(),
            source,
        })?;
        if let Ok(d) = File::open(data_dir) {
            let _ = d.sync_all();
        }
    }
    Ok(count)
}

/// Takes the data directory's lock file, exclusively, without waiting.
fn lock_data_dir(data_dir: &Path) -> Result<File, StartupError> {
    let path = data_dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(|source| StartupError::Lock { path: path.clone(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StartupError::Busy { path: data_dir.to_owned() }),
        Err(std::fs::TryLockError::Error(source)) => Err(StartupError::Lock { path, source }),
    }
}

pub(crate) struct Sealed {
    pub(crate) field: &'static str,
    pub(crate) nonce: [u8; NONCE_LEN],
    pub(crate) ciphertext: Vec<u8>,
}

enum SchemaError {
    Db(rusqlite::Error),
    Newer(i64),
}

impl From<rusqlite::Error> for SchemaError {
    fn from(e: rusqlite::Error) -> Self {
        SchemaError::Db(e)
    }
}

fn init_schema(conn: &Connection) -> Result<(), SchemaError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // secure_delete: pages freed by DELETE/UPDATE are overwritten with zeros, so old
    // ciphertexts and settings do not linger in free pages of the file.
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;")?;
    // WAL: readers see the last commit while a write is in progress. FULL: a
    // commit is on disk (WAL synced) before the write is acknowledged.
    let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous = FULL;")?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(SchemaError::Newer(version));
    }
    conn.execute_batch(
        "BEGIN;
         CREATE TABLE IF NOT EXISTS meta (
             key   TEXT PRIMARY KEY NOT NULL,
             value BLOB NOT NULL
         );
         CREATE TABLE IF NOT EXISTS connections (
             seq         INTEGER PRIMARY KEY,
             id          TEXT NOT NULL UNIQUE,
             name        TEXT NOT NULL,
             api_type    TEXT NOT NULL,
             environment TEXT NOT NULL,
             settings    TEXT NOT NULL, -- JSON object of the non-secret credential fields
             created_at  TEXT NOT NULL,
             updated_at  TEXT NOT NULL,
             version     INTEGER NOT NULL DEFAULT 1 -- +1 on every replace (ETag, If-Match)
         ) STRICT;
         CREATE TABLE IF NOT EXISTS secrets (
             connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
             field         TEXT NOT NULL,
             nonce         BLOB NOT NULL, -- 96-bit, random per value
             ciphertext    BLOB NOT NULL, -- AES-256-GCM, tag appended; AAD billcom-connection:v1:{id}:{field}
             PRIMARY KEY (connection_id, field)
         ) STRICT;",
    )?;
    if version == 1 {
        // Schema 1 (before issue 13): no version column.
        conn.execute_batch("ALTER TABLE connections ADD COLUMN version INTEGER NOT NULL DEFAULT 1;")?;
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS idempotency (
             key           TEXT PRIMARY KEY NOT NULL, -- the client's Idempotency-Key
             fingerprint   BLOB NOT NULL,             -- HMAC-SHA256 of the validated body (crypto::Fingerprints)
             connection_id TEXT NOT NULL,             -- what the first request created
             created_at    TEXT NOT NULL
         ) STRICT;
         CREATE INDEX IF NOT EXISTS idempotency_created_at ON idempotency (created_at);
         PRAGMA user_version = 2;
         COMMIT;",
    )?;
    Ok(())
}

/// The current time as SQLite gives it, RFC 3339 UTC with milliseconds
/// (`2025-01-31T09:05:00.123Z`): fixed width, so it also sorts as text. Taken
/// inside the write transaction, so timestamps follow commit order.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
/// A replace's `updatedAt`: now, but always at least 1 ms after the previous one,
/// so a record's `updatedAt` strictly grows with each commit even within a
/// millisecond or when the clock steps back.
const NEXT_UPDATED_AT: &str =
    "max(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', updated_at, '+0.001 seconds'))";

const COLUMNS: &str = "id, name, api_type, environment, settings, created_at, updated_at, version";
const SELECT_CONNECTION: &str =
    "SELECT id, name, api_type, environment, settings, created_at, updated_at, version FROM connections";

pub(crate) type Row = (String, String, String, String, String, String, String, i64);

fn row_fields(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    row_at(r, 0)
}

/// The [`COLUMNS`] starting at column `i`.
fn row_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Row> {
    Ok((
        r.get(i)?,
        r.get(i + 1)?,
        r.get(i + 2)?,
        r.get(i + 3)?,
        r.get(i + 4)?,
        r.get(i + 5)?,
        r.get(i + 6)?,
        r.get(i + 7)?,
    ))
}

/// A connection for reads only, to the database `init_schema` set up.
fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA query_only = ON;")?;
    Ok(conn)
}

fn read_one(conn: &Connection, id: &str) -> Result<Option<SavedConnection>, StoreError> {
    let Some(row) = conn.query_row(&format!("{SELECT_CONNECTION} WHERE id = ?1"), [id], row_fields).optional()? else {
        return Ok(None);
    };
    let mut stmt = conn.prepare("SELECT field FROM secrets WHERE connection_id = ?1")?;
    let fields = stmt.query_map([id], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    assemble(row, fields).map(Some)
}

pub(crate) fn assemble(row: Row, mut secret_fields: Vec<String>) -> Result<SavedConnection, StoreError> {
    let (id, name, api_type, environment, settings, created_at, updated_at, version) = row;
    let settings = match serde_json::from_str(&settings) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => return Err(StoreError::Corrupt("settings are not a JSON object")),
    };
    // Secrets in the API type's display order (alphabetical for anything unknown).
    let order = |f: &String| -> (usize, String) {
        let pos =
            spec::api_type(&api_type).and_then(|t| t.credentials.iter().position(|c| c == f)).unwrap_or(usize::MAX);
        (pos, f.clone())
    };
    secret_fields.sort_by_key(order);
    Ok(SavedConnection {
        base_url: spec::base_url(&api_type, &environment),
        id,
        name,
        api_type,
        environment,
        settings,
        secrets_set: secret_fields,
        created_at,
        updated_at,
        version,
    })
}

pub(crate) fn settings_json(new: &NewConnection) -> Result<String, StoreError> {
    let map: serde_json::Map<String, serde_json::Value> =
        new.settings.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone()))).collect();
    serde_json::to_string(&map).map_err(|_| StoreError::Corrupt("settings could not be encoded"))
}

fn insert_secrets(tx: &rusqlite::Transaction<'_>, id: &str, sealed: &[Sealed]) -> Result<(), StoreError> {
    let mut stmt =
        tx.prepare("INSERT INTO secrets (connection_id, field, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4)")?;
    for s in sealed {
        stmt.execute(params![id, s.field, &s.nonce[..], s.ciphertext])?;
    }
    Ok(())
}

/// Whether a path's permissions let group or others in (for a startup warning).
pub fn is_open_to_others(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

/// The database and its journal files (`-wal`, `-shm`, `-journal`) in `data_dir`
/// that group or others may read or write (for a loud startup warning).
pub fn files_open_to_others(data_dir: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| data_dir.join(format!("{DB_FILE}{suffix}")))
        .filter(|p| p.is_file() && is_open_to_others(p))
        .collect()
}
