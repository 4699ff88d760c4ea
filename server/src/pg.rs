//! Saved connections in PostgreSQL (`--database-url postgres://…`): the same
//! tables, rules and encryption as the SQLite store, for several server
//! instances on one database.
//!
//! Everything instances must agree on lives in the database: records and their
//! versions (a write locks its row, `SELECT … FOR UPDATE`, so `If-Match` and the
//! monotonic `updatedAt` hold across instances), idempotency keys (a unique key:
//! a racing retry on another instance waits for the first insert, then sees it),
//! and the key check. The encryption key is the same for every instance
//! (`BILLCOM_CONNECTION_KEY`, or the same key file).
//!
//! The client is the synchronous `postgres` crate, called on the blocking pool
//! like SQLite, from a small pool of connections. TLS is not offered: reach the
//! database over loopback, a Unix socket or a private network.

use crate::crypto::{self, Cipher, Fingerprints};
use crate::keys::KeyOrigin;
use crate::store::{
    self, Created, Cursor, NewConnection, Page, Precondition, SavedConnection, StartupError, StoreError, WithSecrets,
    Written, IDEMPOTENCY_HOURS, MAX_PAGE,
};
use postgres::{Client, GenericClient, IsolationLevel, NoTls};
use std::collections::HashMap;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Connections in the pool (the blocking pool runs at most 8 store calls at once).
const POOL: usize = 8;
const KEY_CHECK: &str = "key_check";
/// RFC 3339 UTC with milliseconds, as SQLite's `strftime` writes it.
const FORMAT: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'"#;

fn now() -> String {
    format!("to_char(clock_timestamp() AT TIME ZONE 'UTC', {FORMAT})")
}

/// A replace's `updatedAt`: now, but at least 1 ms after the previous one.
fn next_updated_at() -> String {
    format!(
        "GREATEST({}, to_char((updated_at::timestamptz + interval '1 millisecond') AT TIME ZONE 'UTC', {FORMAT}))",
        now()
    )
}

const COLUMNS: &str = "id, name, api_type, environment, settings, created_at, updated_at, version";

/// A PostgreSQL error as SQLSTATE and message, never its DETAIL (which may quote
/// row values).
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// The URL without its password, for logs and messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

pub struct PgStore {
    pool: Vec<Mutex<Client>>,
    next: AtomicUsize,
    config: postgres::Config,
    cipher: Cipher,
    fingerprints: Fingerprints,
    label: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("database", &self.label).finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects, creates the tables if needed and checks (or sets) the key check.
    /// The key comes from `env_key`, else the key file in `data_dir` (generated
    /// only while the database holds no encrypted data).
    pub fn open(
        url: &str,
        data_dir: &Path,
        env_key: Option<crypto::Key>,
    ) -> Result<(PgStore, KeyOrigin), StartupError> {
        PgStore::open_with(url, data_dir, env_key, true)
    }

    fn open_with(
        url: &str,
        data_dir: &Path,
        env_key: Option<crypto::Key>,
        may_generate: bool,
    ) -> Result<(PgStore, KeyOrigin), StartupError> {
        let label = redact_url(url);
        let fail = |message: String| StartupError::Pg { url: label.clone(), message };
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| fail(describe(&e)))?;
        let mut first = config.connect(NoTls).map_err(|e| fail(describe(&e)))?;
        init_schema(&mut first).map_err(|e| fail(describe(&e)))?;
        let check: Option<Vec<u8>> = first
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&KEY_CHECK])
            .map_err(|e| fail(describe(&e)))?
            .map(|r| r.get(0));
        if env_key.is_none() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(data_dir)
                .map_err(|source| StartupError::DataDir { path: data_dir.to_owned(), source })?;
        }
        let (key, origin) = store::resolve_key(data_dir, env_key, check.is_some(), may_generate, Path::new(&label))?;
        let cipher = Cipher::new(&key);
        let fingerprints = Fingerprints::new(&key);
        drop(key);
        let mismatch = |origin: KeyOrigin| StartupError::KeyMismatch {
            path: label.clone().into(),
            origin,
            key_file: crate::keys::key_file_path(data_dir),
            hint: "",
        };
        match check {
            Some(check) if !cipher.verifies(&check) => return Err(mismatch(origin)),
            Some(_) => {}
            None => {
                // Two instances starting on an empty database race here: the first
                // check stored wins, and the other instance's key must match it.
                let value = cipher.key_check()?;
                first
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                        &[&KEY_CHECK, &value],
                    )
                    .map_err(|e| fail(describe(&e)))?;
                let stored: Vec<u8> = first
                    .query_one("SELECT value FROM meta WHERE key = $1", &[&KEY_CHECK])
                    .map_err(|e| fail(describe(&e)))?
                    .get(0);
                if !cipher.verifies(&stored) {
                    return Err(mismatch(origin));
                }
            }
        }
        let mut pool = vec![Mutex::new(first)];
        for _ in 1..POOL {
            pool.push(Mutex::new(config.connect(NoTls).map_err(|e| fail(describe(&e)))?));
        }
        Ok((PgStore { pool, next: AtomicUsize::new(0), config, cipher, fingerprints, label }, origin))
    }

    /// `rotate-key` on PostgreSQL: re-encrypts every secret under a new key in one
    /// transaction (see [`store::rotate_with`] for where the new key comes from).
    /// Stop every instance first: one still running keeps the old key.
    pub fn rotate_key(
        url: &str,
        data_dir: &Path,
        env_key: Option<crypto::Key>,
        new_env_key: Option<crypto::Key>,
    ) -> Result<store::Rotated, StartupError> {
        let (pg, origin) = PgStore::open_with(url, data_dir, env_key, false)?;
        let secrets = store::rotate_with(data_dir, &origin, new_env_key, |new| pg.reencrypt(new))?;
        Ok(store::Rotated { secrets, origin })
    }

    fn reencrypt(&self, new: &Cipher) -> Result<usize, StartupError> {
        let fail = |e: postgres::Error| StartupError::Pg { url: self.label.clone(), message: describe(&e) };
        let mut client =
            self.client().map_err(|e| StartupError::Pg { url: self.label.clone(), message: e.to_string() })?;
        let mut tx = client.transaction().map_err(fail)?;
        let old_check: Vec<u8> =
            tx.query_one("SELECT value FROM meta WHERE key = $1 FOR UPDATE", &[&KEY_CHECK]).map_err(fail)?.get(0);
        if new.verifies(&old_check) {
            return Err(StartupError::SameKey);
        }
        let rows =
            tx.query("SELECT connection_id, field, nonce, ciphertext FROM secrets FOR UPDATE", &[]).map_err(fail)?;
        for row in &rows {
            let (id, field, nonce, ciphertext): (String, String, Vec<u8>, Vec<u8>) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            let aad = crypto::secret_aad(&id, &field);
            let plain = self
                .cipher
                .open(&nonce, &aad, &ciphertext)
                .map_err(|_| StartupError::Undecryptable { id: id.clone(), field: field.clone() })?;
            let (nonce, ciphertext) = new.seal(&aad, &plain)?;
            tx.execute(
                "UPDATE secrets SET nonce = $3, ciphertext = $4 WHERE connection_id = $1 AND field = $2",
                &[&id, &field, &nonce.as_slice(), &ciphertext],
            )
            .map_err(fail)?;
        }
        // Fingerprints and limiter keys are derived from the old key: forget them.
        tx.batch_execute("DELETE FROM idempotency; DELETE FROM rate_limits;").map_err(fail)?;
        let check = new.key_check()?;
        tx.execute("UPDATE meta SET value = $2 WHERE key = $1", &[&KEY_CHECK, &check]).map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(rows.len())
    }

    /// The database, without password (for the startup log).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// A pooled connection: the first free one, else waits for one in turn; a
    /// connection the server closed is replaced.
    fn client(&self) -> Result<MutexGuard<'_, Client>, StoreError> {
        let n = self.pool.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let mut guard = (0..n)
            .find_map(|i| self.pool.get((start + i) % n).and_then(|m| m.try_lock().ok()))
            .or_else(|| self.pool.get(start % n.max(1)).map(|m| m.lock().unwrap_or_else(|p| p.into_inner())))
            .ok_or(StoreError::Corrupt("no database connection"))?;
        if guard.is_closed() {
            *guard = self.config.connect(NoTls)?;
        }
        Ok(guard)
    }

    pub fn create_once(&self, key: Option<&str>, new: &NewConnection) -> Result<Created, StoreError> {
        let id = store::new_id()?;
        let sealed = store::seal_all(&self.cipher, &id, new)?;
        let settings = settings_json(new)?;
        let fingerprint = key.map(|_| store::fingerprint(&self.fingerprints, new));
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        if let (Some(key), Some(fingerprint)) = (key, &fingerprint) {
            tx.execute(
                &format!("DELETE FROM idempotency WHERE created_at < now() - interval '{IDEMPOTENCY_HOURS} hours'"),
                &[],
            )?;
            // A racing insert of the same key on another connection waits here
            // for that transaction, then does nothing and reads its row.
            let inserted = tx.execute(
                "INSERT INTO idempotency (key, fingerprint, connection_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO NOTHING",
                &[&key, &fingerprint.as_slice(), &id],
            )?;
            if inserted == 0 {
                let row = tx.query_one("SELECT fingerprint, connection_id FROM idempotency WHERE key = $1", &[&key])?;
                let (seen, first_id): (Vec<u8>, String) = (row.get(0), row.get(1));
                let answer = if seen.as_slice() != fingerprint.as_slice() {
                    Created::Conflict
                } else {
                    read_one(&mut tx, &first_id)?.map_or(Created::Gone, Created::Replayed)
                };
                tx.commit()?;
                return Ok(answer);
            }
        }
        tx.execute(
            &format!(
                "INSERT INTO connections (id, name, api_type, environment, settings, created_at, updated_at) \
                 SELECT $1, $2, $3, $4, $5, t, t FROM (SELECT {now} AS t) AS n",
                now = now()
            ),
            &[&id, &new.name, &new.api_type, &new.environment, &settings],
        )?;
        insert_secrets(&mut tx, &id, &sealed)?;
        let saved = read_one(&mut tx, &id)?.ok_or(StoreError::Corrupt("record vanished while saving"))?;
        tx.commit()?;
        Ok(Created::New(saved))
    }

    pub fn replace_if(
        &self,
        id: &str,
        new: &NewConnection,
        precondition: Option<&Precondition>,
    ) -> Result<Written<SavedConnection>, StoreError> {
        if !store::is_well_formed_id(id) {
            return Ok(Written::NotFound);
        }
        let sealed = store::seal_all(&self.cipher, id, new)?;
        let settings = settings_json(new)?;
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        if let Some(refused) = lock_and_check(&mut tx, id, precondition)? {
            return Ok(refused);
        }
        tx.execute(
            &format!(
                "UPDATE connections SET name = $2, api_type = $3, environment = $4, settings = $5, \
                 updated_at = {}, version = version + 1 WHERE id = $1",
                next_updated_at()
            ),
            &[&id, &new.name, &new.api_type, &new.environment, &settings],
        )?;
        tx.execute("DELETE FROM secrets WHERE connection_id = $1", &[&id])?;
        insert_secrets(&mut tx, id, &sealed)?;
        let saved = read_one(&mut tx, id)?.ok_or(StoreError::Corrupt("record vanished while saving"))?;
        tx.commit()?;
        Ok(Written::Done(saved))
    }

    pub fn delete_if(&self, id: &str, precondition: Option<&Precondition>) -> Result<Written<()>, StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        if let Some(refused) = lock_and_check(&mut tx, id, precondition)? {
            return Ok(refused);
        }
        tx.execute("DELETE FROM secrets WHERE connection_id = $1", &[&id])?;
        tx.execute("DELETE FROM connections WHERE id = $1", &[&id])?;
        tx.commit()?;
        Ok(Written::Done(()))
    }

    pub fn list_page(&self, after: Option<Cursor>, limit: usize) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let after_seq = after.map_or(0, Cursor::seq);
        let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
        let mut client = self.client()?;
        let mut tx =
            client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
        let rows = tx.query(
            &format!("SELECT seq, {COLUMNS} FROM connections WHERE seq > $1 ORDER BY seq LIMIT $2"),
            &[&after_seq, &fetch],
        )?;
        let mut rows: Vec<(i64, store::Row)> = rows.iter().map(|r| (r.get(0), row_at(r, 1))).collect();
        let more = rows.len() > limit;
        rows.truncate(limit);
        let ids: Vec<String> = rows.iter().map(|(_, r)| r.0.clone()).collect();
        let mut secrets: HashMap<String, Vec<String>> = HashMap::new();
        for r in tx.query("SELECT connection_id, field FROM secrets WHERE connection_id = ANY($1)", &[&ids])? {
            secrets.entry(r.get(0)).or_default().push(r.get(1));
        }
        tx.commit()?;
        let next = if more { rows.last().map(|(seq, _)| Cursor::at(*seq)) } else { None };
        let items = rows
            .into_iter()
            .map(|(_, row)| {
                let fields = secrets.remove(&row.0).unwrap_or_default();
                store::assemble(row, fields)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next })
    }

    pub fn get(&self, id: &str) -> Result<Option<SavedConnection>, StoreError> {
        let mut client = self.client()?;
        let mut tx =
            client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
        let c = read_one(&mut tx, id)?;
        tx.commit()?;
        Ok(c)
    }

    pub fn load_with_secrets(&self, id: &str) -> Result<Option<WithSecrets>, StoreError> {
        let (saved, rows) = {
            let mut client = self.client()?;
            let mut tx =
                client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
            let Some(saved) = read_one(&mut tx, id)? else { return Ok(None) };
            let rows: Vec<(String, Vec<u8>, Vec<u8>)> = tx
                .query("SELECT field, nonce, ciphertext FROM secrets WHERE connection_id = $1", &[&id])?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect();
            tx.commit()?;
            (saved, rows)
        };
        Ok(Some((saved, store::open_all(&self.cipher, id, rows)?)))
    }
}

impl crate::storage::Storage for PgStore {
    fn create_once(&self, key: Option<&str>, new: &NewConnection) -> Result<Created, StoreError> {
        PgStore::create_once(self, key, new)
    }
    fn replace_if(
        &self,
        id: &str,
        new: &NewConnection,
        precondition: Option<&Precondition>,
    ) -> Result<Written<SavedConnection>, StoreError> {
        PgStore::replace_if(self, id, new, precondition)
    }
    fn delete_if(&self, id: &str, precondition: Option<&Precondition>) -> Result<Written<()>, StoreError> {
        PgStore::delete_if(self, id, precondition)
    }
    fn list_page(&self, after: Option<Cursor>, limit: usize) -> Result<Page, StoreError> {
        PgStore::list_page(self, after, limit)
    }
    fn get(&self, id: &str) -> Result<Option<SavedConnection>, StoreError> {
        PgStore::get(self, id)
    }
    fn load_with_secrets(&self, id: &str) -> Result<Option<WithSecrets>, StoreError> {
        PgStore::load_with_secrets(self, id)
    }
}

/// The connection-test limiter of instances sharing a PostgreSQL database: the
/// token buckets live in `rate_limits`, keyed by an HMAC (under a key derived
/// from the data key, the same on every instance) of the environment and the
/// counted credential, so N instances allow what one does. A key unseen for an
/// hour (both buckets full again) is deleted.
pub struct PgLimiter(pub std::sync::Arc<PgStore>);

impl crate::limiter::TestLimiter for PgLimiter {
    fn key(&self, environment: &str, field: &str, value: &str) -> [u8; 32] {
        self.0.fingerprints.of(&[b"rate-limit", environment.as_bytes(), field.as_bytes(), value.as_bytes()])
    }

    fn take(&self, key: &[u8; 32]) -> crate::limiter::Verdict {
        match self.0.take_token(key) {
            Ok(v) => v,
            Err(e) => {
                // Fail open: a database outage must not read as "rate limited".
                tracing::error!(error = %e, "the rate-limit counter could not be read; test allowed");
                crate::limiter::Verdict::Allowed
            }
        }
    }
}

impl PgStore {
    fn take_token(&self, key: &[u8; 32]) -> Result<crate::limiter::Verdict, StoreError> {
        let full = crate::limiter::full();
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        tx.execute("DELETE FROM rate_limits WHERE at < now() - interval '1 hour'", &[])?;
        tx.execute(
            "INSERT INTO rate_limits (key, minute, hour, at) VALUES ($1, $2, $3, clock_timestamp()) \
             ON CONFLICT (key) DO NOTHING",
            &[&key.as_slice(), &full[0], &full[1]],
        )?;
        let row = tx.query_one(
            "SELECT minute, hour, EXTRACT(EPOCH FROM clock_timestamp() - at)::float8 FROM rate_limits \
             WHERE key = $1 FOR UPDATE",
            &[&key.as_slice()],
        )?;
        let (tokens, verdict) = crate::limiter::take_default([row.get(0), row.get(1)], row.get(2));
        tx.execute(
            "UPDATE rate_limits SET minute = $2, hour = $3, at = clock_timestamp() WHERE key = $1",
            &[&key.as_slice(), &tokens[0], &tokens[1]],
        )?;
        tx.commit()?;
        Ok(verdict)
    }
}

/// Locks the record's row for this transaction and checks `precondition`:
/// `Some(refusal)` when it is missing or stale.
fn lock_and_check<T>(
    tx: &mut postgres::Transaction<'_>,
    id: &str,
    precondition: Option<&Precondition>,
) -> Result<Option<Written<T>>, StoreError> {
    let current: Option<i64> =
        tx.query_opt("SELECT version FROM connections WHERE id = $1 FOR UPDATE", &[&id])?.map(|r| r.get(0));
    Ok(match (current, precondition) {
        (None, _) => Some(Written::NotFound),
        (Some(_), None | Some(Precondition::Any)) => None,
        (Some(v), Some(Precondition::Versions(ok))) if ok.contains(&v) => None,
        (Some(v), Some(Precondition::Versions(_))) => Some(Written::Stale(v)),
    })
}

fn row_at(r: &postgres::Row, i: usize) -> store::Row {
    (r.get(i), r.get(i + 1), r.get(i + 2), r.get(i + 3), r.get(i + 4), r.get(i + 5), r.get(i + 6), r.get(i + 7))
}

fn read_one(tx: &mut impl GenericClient, id: &str) -> Result<Option<SavedConnection>, StoreError> {
    let Some(row) = tx.query_opt(&format!("SELECT {COLUMNS} FROM connections WHERE id = $1"), &[&id])? else {
        return Ok(None);
    };
    let fields: Vec<String> =
        tx.query("SELECT field FROM secrets WHERE connection_id = $1", &[&id])?.iter().map(|r| r.get(0)).collect();
    store::assemble(row_at(&row, 0), fields).map(Some)
}

fn insert_secrets(tx: &mut postgres::Transaction<'_>, id: &str, sealed: &[store::Sealed]) -> Result<(), StoreError> {
    let stmt = tx.prepare("INSERT INTO secrets (connection_id, field, nonce, ciphertext) VALUES ($1, $2, $3, $4)")?;
    for s in sealed {
        tx.execute(&stmt, &[&id, &s.field, &s.nonce.as_slice(), &s.ciphertext])?;
    }
    Ok(())
}

fn settings_json(new: &NewConnection) -> Result<String, StoreError> {
    store::settings_json(new)
}

/// The tables (idempotent), under an advisory lock so instances starting
/// together do not race on them.
fn init_schema(client: &mut Client) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock(7250812394)", &[])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS meta (
             key   TEXT PRIMARY KEY,
             value BYTEA NOT NULL
         );
         CREATE TABLE IF NOT EXISTS connections (
             seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             id          TEXT NOT NULL UNIQUE,
             name        TEXT NOT NULL,
             api_type    TEXT NOT NULL,
             environment TEXT NOT NULL,
             settings    TEXT NOT NULL,
             created_at  TEXT NOT NULL,
             updated_at  TEXT NOT NULL,
             version     BIGINT NOT NULL DEFAULT 1
         );
         CREATE TABLE IF NOT EXISTS secrets (
             connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
             field         TEXT NOT NULL,
             nonce         BYTEA NOT NULL,
             ciphertext    BYTEA NOT NULL,
             PRIMARY KEY (connection_id, field)
         );
         CREATE TABLE IF NOT EXISTS idempotency (
             key           TEXT PRIMARY KEY,
             fingerprint   BYTEA NOT NULL,
             connection_id TEXT NOT NULL,
             created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
         );
         CREATE INDEX IF NOT EXISTS idempotency_created_at ON idempotency (created_at);
         CREATE TABLE IF NOT EXISTS rate_limits (
             key    BYTEA PRIMARY KEY,           -- HMAC of environment + counted credential
             minute DOUBLE PRECISION NOT NULL,   -- tokens left in each bucket
             hour   DOUBLE PRECISION NOT NULL,
             at     TIMESTAMPTZ NOT NULL
         );
         CREATE INDEX IF NOT EXISTS rate_limits_at ON rate_limits (at);",
    )?;
    tx.commit()
}
