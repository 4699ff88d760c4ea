//! A create/replace body, parsed and validated by the crate's wire module
//! (`billcom_connection::wire`, the same code `validateSubmission` runs in JS), and
//! turned into what the store saves. No rule lives here.

use crate::store::NewConnection;
pub use billcom_connection::wire::Rejection;
use billcom_connection::wire::{self, Json};

/// Parses a body into a validated, normalized [`NewConnection`]. Warnings (e.g. a
/// username that is not an email address) do not block it and are not kept.
pub fn parse(body: serde_json::Value) -> Result<NewConnection, Rejection> {
    // Moves each string of the body into the crate's zeroize-on-drop value.
    let body: Json =
        serde_json::from_value(body).map_err(|_| Rejection::Malformed("the request body is not valid JSON"))?;
    let s = wire::parse(body)?.submission;
    Ok(NewConnection {
        name: s.name,
        api_type: s.api_type.id,
        environment: s.environment.id,
        settings: s.settings,
        secrets: s.secrets,
    })
}
