//! One storage interface, two backends: SQLite ([`crate::store::Store`], the
//! default: embedded, zero set-up) and PostgreSQL ([`crate::pg::PgStore`], for
//! several server instances on one database). The API speaks only to this trait;
//! both backends keep every piece of shared state (records, versions, idempotency
//! keys) in the database itself, so instances need nothing else in common.

use crate::store::{
    Created, Cursor, NewConnection, Page, Precondition, SavedConnection, StoreError, WithSecrets, Written,
};

/// Saved connections with encrypted secrets. Every method is synchronous (called
/// on the blocking pool) and each is one transaction.
pub trait Storage: Send + Sync + 'static {
    /// Saves a new connection, or answers a retry of one (`key`: `Idempotency-Key`).
    fn create_once(&self, key: Option<&str>, new: &NewConnection) -> Result<Created, StoreError>;
    /// Replaces a connection whole if `precondition` (from `If-Match`) holds.
    fn replace_if(
        &self,
        id: &str,
        new: &NewConnection,
        precondition: Option<&Precondition>,
    ) -> Result<Written<SavedConnection>, StoreError>;
    /// Deletes a connection and its secrets if `precondition` holds.
    fn delete_if(&self, id: &str, precondition: Option<&Precondition>) -> Result<Written<()>, StoreError>;
    /// One page of the list, in creation order.
    fn list_page(&self, after: Option<Cursor>, limit: usize) -> Result<Page, StoreError>;
    fn get(&self, id: &str) -> Result<Option<SavedConnection>, StoreError>;
    /// A connection and its decrypted secrets, of one version.
    fn load_with_secrets(&self, id: &str) -> Result<Option<WithSecrets>, StoreError>;
}

impl Storage for crate::store::Store {
    fn create_once(&self, key: Option<&str>, new: &NewConnection) -> Result<Created, StoreError> {
        crate::store::Store::create_once(self, key, new)
    }
    fn replace_if(
        &self,
        id: &str,
        new: &NewConnection,
        precondition: Option<&Precondition>,
    ) -> Result<Written<SavedConnection>, StoreError> {
        crate::store::Store::replace_if(self, id, new, precondition)
    }
    fn delete_if(&self, id: &str, precondition: Option<&Precondition>) -> Result<Written<()>, StoreError> {
        crate::store::Store::delete_if(self, id, precondition)
    }
    fn list_page(&self, after: Option<Cursor>, limit: usize) -> Result<Page, StoreError> {
        crate::store::Store::list_page(self, after, limit)
    }
    fn get(&self, id: &str) -> Result<Option<SavedConnection>, StoreError> {
        crate::store::Store::get(self, id)
    }
    fn load_with_secrets(&self, id: &str) -> Result<Option<WithSecrets>, StoreError> {
        crate::store::Store::load_with_secrets(self, id)
    }
}

/// A shared store (PostgreSQL's is shared with its limiter).
impl<T: Storage> Storage for std::sync::Arc<T> {
    fn create_once(&self, key: Option<&str>, new: &NewConnection) -> Result<Created, StoreError> {
        (**self).create_once(key, new)
    }
    fn replace_if(
        &self,
        id: &str,
        new: &NewConnection,
        precondition: Option<&Precondition>,
    ) -> Result<Written<SavedConnection>, StoreError> {
        (**self).replace_if(id, new, precondition)
    }
    fn delete_if(&self, id: &str, precondition: Option<&Precondition>) -> Result<Written<()>, StoreError> {
        (**self).delete_if(id, precondition)
    }
    fn list_page(&self, after: Option<Cursor>, limit: usize) -> Result<Page, StoreError> {
        (**self).list_page(after, limit)
    }
    fn get(&self, id: &str) -> Result<Option<SavedConnection>, StoreError> {
        (**self).get(id)
    }
    fn load_with_secrets(&self, id: &str) -> Result<Option<WithSecrets>, StoreError> {
        (**self).load_with_secrets(id)
    }
}
