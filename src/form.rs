//! The state of one connection form: what the user typed, with secrets kept apart.
//!
//! This is the custody logic behind the JS `ConnectionForm` class, kept free of JS
//! types so it is tested natively. Secrets live in [`Secret`]s (redacted, zeroized)
//! and leave only through [`FormState::payload`], the one request body for the
//! backend.

use crate::prelude::*;
use crate::report::{Issue, Report};
use crate::secret::Secret;
use crate::spec::{self, ApiType, Field, FIELDS};
use crate::validate::{self, Entry, Finding, UsageError, Value, ValueRef};
use crate::wire;
use zeroize::Zeroizing;

/// Create a new connection, or edit a saved one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Create,
    Edit { id: String },
}

/// One field's current content.
enum Slot {
    /// A non-secret value, or a secret field holding something that is not text
    /// (nothing secret about a number typed where a key belongs).
    Plain(Value),
    Secret(Secret),
}

pub struct FormState {
    mode: Mode,
    api_type: &'static ApiType,
    slots: Vec<(&'static str, Slot)>,
    /// Each field of the current API type with its findings, in display order:
    /// kept current on every change, so `validate()` only reads them (no text is
    /// built until a caller asks for a [`Report`]).
    found: Vec<(&'static str, Vec<Finding>)>,
}

impl core::fmt::Debug for FormState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FormState")
            .field("mode", &self.mode)
            .field("api_type", &self.api_type.id)
            .field("fields", &self.slots.iter().map(|(id, _)| *id).collect::<Vec<_>>())
            .finish()
    }
}

impl FormState {
    /// An empty form for an API type, in create mode.
    pub fn new(api_type: &str) -> Result<Self, UsageError> {
        let api_type = spec::api_type(api_type).ok_or(UsageError::UnknownApiType)?;
        let mut form = FormState { mode: Mode::Create, api_type, slots: Vec::new(), found: Vec::new() };
        form.put(spec::API_TYPE_ROW, Value::Text(api_type.id.to_owned()));
        form.refresh_all();
        Ok(form)
    }

    /// A form for a saved connection: its non-secret values are loaded, every secret
    /// starts empty and must be entered again. Secret keys in `saved` are ignored.
    pub fn edit(id: String, saved: Vec<Entry>) -> Result<Self, UsageError> {
        if id.is_empty() {
            return Err(UsageError::InvalidArgument);
        }
        let api = saved
            .iter()
            .find(|e| e.key == "apiType")
            .and_then(|e| match &e.value {
                Value::Text(t) => spec::api_type(t),
                _ => None,
            })
            .ok_or(UsageError::UnknownApiType)?;
        let mut form = FormState { mode: Mode::Edit { id }, api_type: api, slots: Vec::new(), found: Vec::new() };
        for e in saved {
            let Some(f) = api.fields().find(|f| f.id == e.key) else {
                continue;
            };
            if !f.secret {
                form.put(f, e.value.clone());
            }
        }
        form.refresh_all();
        Ok(form)
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn api_type(&self) -> &'static ApiType {
        self.api_type
    }

    /// Stores a value (a secret in a [`Secret`]) without checking it.
    fn put(&mut self, f: &'static Field, value: Value) {
        let id = f.id;
        self.slots.retain(|(k, _)| *k != id);
        if value == Value::Missing {
            return;
        }
        let mut value = value;
        let slot = match value {
            // Moved, not copied: the emptied `value` then drops with nothing to zeroize.
            Value::Text(ref mut s) if f.secret => Slot::Secret(Secret::new(core::mem::take(s))),
            other => Slot::Plain(other),
        };
        self.slots.push((id, slot));
    }

    /// Whether the field's items count: as in `validate()`, credentials are checked
    /// only while `apiType` holds a known id.
    fn applies(&self, id: &str) -> bool {
        spec::COMMON_FIELDS.contains(&id)
            || matches!(self.slot("apiType"), Some(Slot::Plain(Value::Text(t))) if spec::api_type(t).is_some())
    }

    /// Re-checks every field of the current API type.
    fn refresh_all(&mut self) {
        let mut found = Vec::with_capacity(8);
        for f in self.api_type.fields().filter(|f| self.applies(f.id)) {
            let value = match self.slot(f.id) {
                None => ValueRef::Missing,
                Some(Slot::Plain(v)) => v.as_ref(),
                Some(Slot::Secret(s)) => ValueRef::Text(s.expose()),
            };
            let mut items = Vec::new();
            validate::check(f, value, &mut items);
            found.push((f.id, items));
        }
        self.found = found;
    }

    /// Sets a field of the current API type and returns that field's report items.
    /// Setting `apiType` to a known id switches the API type (see [`Self::set_api_type`]).
    pub fn set(&mut self, field: &str, value: Value) -> Result<Vec<Issue>, UsageError> {
        let mut found = Vec::new();
        self.set_into(field, value, &mut found)?;
        Ok(found.iter().map(Finding::issue).collect())
    }

    /// [`Self::set`], with the field's findings appended to `out` (no text built).
    pub fn set_into(&mut self, field: &str, value: Value, out: &mut Vec<Finding>) -> Result<(), UsageError> {
        let f = validate::field_of(self.api_type, field)?;
        self.set_field(f, value, out)
    }

    /// [`Self::set_into`] for the field at index `i` of [`FIELDS`] (the bindings'
    /// path: the API type's field list is read by index, no id is looked up).
    pub fn set_at(&mut self, i: usize, value: Value, out: &mut Vec<Finding>) -> Result<(), UsageError> {
        let shown = self.api_type.field_list().indices().iter().any(|&j| usize::from(j) == i);
        let f = FIELDS.get(i).filter(|_| shown).ok_or(UsageError::UnknownField)?;
        self.set_field(f, value, out)
    }

    /// Sets field `f`, one of the current API type's.
    fn set_field(&mut self, f: &'static Field, value: Value, out: &mut Vec<Finding>) -> Result<(), UsageError> {
        if f.id == "apiType" {
            if let Value::Text(id) = &value {
                if spec::api_type(id).is_some() {
                    return self.set_api_type(id);
                }
            }
        }
        let start = out.len();
        validate::check(f, value.as_ref(), out);
        self.put(f, value);
        if f.id == "apiType" {
            // Not a known id (else it switched above): credentials stop counting.
            self.refresh_all();
        } else if let Some((_, cached)) = self.found.iter_mut().find(|(k, _)| *k == f.id) {
            cached.clear();
            cached.extend_from_slice(out.get(start..).unwrap_or_default());
        }
        Ok(())
    }

    /// Switches API type. Every value typed is kept, for every type: fields both
    /// types have carry over, and the others come back on switching back. Only the
    /// current type's fields are validated, listed and sent.
    pub fn set_api_type(&mut self, id: &str) -> Result<(), UsageError> {
        let next = spec::api_type(id).ok_or(UsageError::UnknownApiType)?;
        self.api_type = next;
        self.put(spec::API_TYPE_ROW, Value::Text(next.id.to_owned()));
        self.refresh_all();
        Ok(())
    }

    /// The same report `validate()` gives for these settings (assembled from the
    /// items kept current on every change; a test checks it equals a fresh verdict).
    pub fn validate(&self) -> Report {
        Report::new(self.findings().map(Finding::issue).collect())
    }

    /// The findings of [`Self::validate`], in report order, as kept (nothing built).
    pub fn findings(&self) -> impl Iterator<Item = &Finding> + '_ {
        self.found.iter().flat_map(|(_, items)| items.iter())
    }

    /// The non-secret text values of the current API type's fields, as typed.
    pub fn values(&self) -> Vec<(&'static str, &str)> {
        self.api_type
            .fields()
            .filter_map(|f| match self.slot(f.id) {
                Some(Slot::Plain(Value::Text(t))) => Some((f.id, t.as_str())),
                _ => None,
            })
            .collect()
    }

    fn slot(&self, id: &str) -> Option<&Slot> {
        self.slots.iter().find(|(k, _)| *k == id).map(|(_, s)| s)
    }

    /// For each secret field of the current API type, whether it holds a value.
    pub fn secrets_filled(&self) -> Vec<(&'static str, bool)> {
        self.api_type
            .fields()
            .filter(|f| f.secret)
            .map(|f| (f.id, matches!(self.slot(f.id), Some(Slot::Secret(s)) if !s.is_empty())))
            .collect()
    }

    /// Zeroizes and forgets every secret.
    pub fn clear_secrets(&mut self) {
        for (_, slot) in &mut self.slots {
            if let Slot::Secret(s) = slot {
                s.clear();
            }
        }
        self.slots.retain(|(_, slot)| !matches!(slot, Slot::Secret(_)));
        self.refresh_all();
    }

    /// After a successful save: secrets are gone, and the form now edits the
    /// saved record (a second submit can never create a second one).
    pub fn saved(&mut self, id: String) {
        self.clear_secrets();
        self.mode = Mode::Edit { id };
    }

    /// The request body for the backend, from valid settings only:
    /// `{ name, apiType, environment, settings: {...}, secrets: {...} }`, with the
    /// current API type's fields, normalized. The text is zeroized when dropped.
    pub fn payload(&self) -> Result<Zeroizing<String>, Report> {
        self.body().ok_or_else(|| self.validate())
    }

    /// [`Self::payload`] without the report: `None` when some finding is an error.
    pub fn body(&self) -> Option<Zeroizing<String>> {
        if self.findings().any(Finding::is_error) {
            return None;
        }
        let mut top = Vec::new();
        let mut settings = Vec::new();
        let mut secrets = Vec::new();
        for f in self.api_type.fields() {
            let raw = match self.slot(f.id) {
                Some(Slot::Plain(Value::Text(t))) => t.as_str(),
                Some(Slot::Secret(s)) => s.expose(),
                _ => continue,
            };
            let v = validate::normalize(f, raw);
            let bucket = if f.secret {
                &mut secrets
            } else if spec::COMMON_FIELDS.contains(&f.id) {
                &mut top
            } else {
                &mut settings
            };
            bucket.push((f.id, v));
        }
        Some(wire::write_parts(&top, &settings, &secrets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Severity;
    use crate::validate::validate as validate_entries;

    fn filled(api: &str) -> FormState {
        let mut f = FormState::new(api).unwrap();
        for (k, v) in [
            ("name", " Ops "),
            ("environment", "sandbox"),
            ("organizationId", " 00801ABCDEFGHIJKL "),
            ("username", "ops@example.com"),
            ("password", " pw with spaces "),
            ("devKey", " dev-key-1 "),
            ("appKey", "app-key-1"),
            ("apiToken", "tok-1"),
        ] {
            if f.api_type().has_field(k) {
                f.set(k, Value::Text(v.into())).unwrap();
            }
        }
        f
    }

    #[test]
    fn payload_splits_settings_from_secrets_and_normalizes() {
        let f = filled("ap-ar-v3");
        let body: serde_json::Value = serde_json::from_str(&f.payload().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "name": "Ops", "apiType": "ap-ar-v3", "environment": "sandbox",
                "settings": { "organizationId": "00801ABCDEFGHIJKL", "username": "ops@example.com" },
                "secrets": { "password": " pw with spaces ", "devKey": "dev-key-1" }
            })
        );
    }

    #[test]
    fn invalid_forms_give_no_payload() {
        let mut f = filled("partner");
        f.set("password", Value::Missing).unwrap();
        let report = f.payload().unwrap_err();
        assert_eq!(report.errors[0].field.as_deref(), Some("password"));
    }

    #[test]
    fn switching_api_type_shows_only_its_fields_and_restores_the_others() {
        let mut f = filled("ap-ar-v3");
        f.set_api_type("partner").unwrap();
        assert_eq!(f.api_type().id, "partner");
        let keys: Vec<_> = f.values().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["name", "apiType", "environment", "username"]);
        assert_eq!(f.secrets_filled(), [("appKey", false), ("password", true)]);
        // Only the partner's fields count and are sent (the password's spaces only warn).
        let report = f.validate();
        let errors: Vec<_> =
            report.errors.iter().filter(|i| i.severity == Severity::Error).map(|i| i.field.as_deref()).collect();
        assert_eq!(errors, [Some("appKey")]);
        f.set("apiType", Value::Text("spend-expense".into())).unwrap();
        assert_eq!(f.secrets_filled(), [("apiToken", false)]);
        assert!(f.set("password", Value::Text("x".into())).is_err());
        // Back to V3: what was typed for it is all there again, and valid.
        f.set_api_type("ap-ar-v3").unwrap();
        assert!(f.validate().valid, "{:?}", f.validate().errors);
        assert_eq!(
            f.values().iter().find(|(k, _)| *k == "organizationId").map(|(_, v)| *v),
            Some(" 00801ABCDEFGHIJKL ")
        );
        assert_eq!(f.secrets_filled(), [("password", true), ("devKey", true)]);
        let body = f.payload().unwrap();
        assert!(body.contains("\"devKey\"") && !body.contains("appKey") && !body.contains("apiToken"));
        // clear_secrets forgets the secrets of every type, not only the shown one.
        f.set_api_type("spend-expense").unwrap();
        f.set("apiToken", Value::Text("tok".into())).unwrap();
        f.clear_secrets();
        f.set_api_type("ap-ar-v3").unwrap();
        assert_eq!(f.secrets_filled(), [("password", false), ("devKey", false)]);
    }

    #[test]
    fn edit_mode_loads_plain_values_and_never_secrets() {
        let saved = vec![
            Entry::text("name", "Ops"),
            Entry::text("apiType", "partner"),
            Entry::text("environment", "production"),
            Entry::text("username", "a@b.co"),
            Entry::text("appKey", "should-not-load"),
            Entry::text("password", "should-not-load"),
        ];
        let f = FormState::edit("abc".into(), saved).unwrap();
        assert_eq!(f.mode(), &Mode::Edit { id: "abc".into() });
        assert_eq!(f.secrets_filled(), [("appKey", false), ("password", false)]);
        let codes: Vec<_> = f.validate().errors.iter().map(|i| (i.field.clone().unwrap(), i.code)).collect();
        assert_eq!(codes.len(), 2, "{codes:?}");
        // Not loaded at all (FormState's Debug prints no value, so it could not tell).
        let held = |s: &Slot| match s {
            Slot::Secret(x) => x.expose() == "should-not-load",
            Slot::Plain(Value::Text(t)) => t == "should-not-load",
            Slot::Plain(_) => false,
        };
        assert!(!f.slots.iter().any(|(_, s)| held(s)));
        assert_eq!(f.slots.len(), 4, "name, apiType, environment, username");
    }

    #[test]
    fn clear_and_saved_forget_secrets() {
        let mut f = filled("spend-expense");
        assert_eq!(f.secrets_filled(), [("apiToken", true)]);
        f.saved("id-1".into());
        assert_eq!(f.secrets_filled(), [("apiToken", false)]);
        assert_eq!(f.mode(), &Mode::Edit { id: "id-1".into() });
        assert!(f.payload().is_err());
    }

    /// The settings as `validate()` would get them: a fresh, uncached verdict.
    fn fresh(f: &FormState) -> Report {
        let mut entries: Vec<Entry> = f.values().iter().map(|(k, v)| Entry::text(k, v)).collect();
        for (id, slot) in &f.slots {
            match slot {
                Slot::Secret(s) => entries.push(Entry::text(id, s.expose())),
                Slot::Plain(v) if !matches!(v, Value::Text(_)) => {
                    entries.push(Entry { key: (*id).into(), value: v.clone() })
                }
                Slot::Plain(_) => {}
            }
        }
        validate_entries(&entries)
    }

    #[test]
    fn the_kept_report_always_equals_a_fresh_one() {
        let steps: &[(&str, Option<&str>)] = &[
            ("name", Some("")),
            ("environment", Some("prod")),
            ("organizationId", Some("0081")),
            ("username", Some("bob")),
            ("password", Some("  ")),
            ("devKey", Some("a b")),
            ("apiType", Some("partner")),
            ("appKey", Some("k")),
            ("password", Some("pw")),
            ("apiType", Some("ap-ar-v2")),
            ("organizationId", Some(" 008123456789012 ")),
            ("name", None),
            ("apiType", Some("spend-expense")),
            ("apiToken", Some("t t")),
            ("apiType", Some("spend_expense")),
            ("apiToken", Some("x y")),
            ("name", Some("ok")),
            ("apiType", None),
            ("apiToken", Some("")),
            ("apiType", Some("partner")),
            ("appKey", Some("a b")),
        ];
        let mut f = FormState::new("ap-ar-v3").unwrap();
        assert_eq!(f.validate(), fresh(&f));
        for (field, value) in steps {
            let v = value.map_or(Value::Missing, |s| Value::Text(s.into()));
            let _ = f.set(field, v);
            assert_eq!(f.validate(), fresh(&f), "after {field}={value:?}");
        }
        f.set("appKey", Value::NotText("number")).unwrap();
        assert_eq!(f.validate(), fresh(&f));
        f.clear_secrets();
        assert_eq!(f.validate(), fresh(&f));
    }

    #[test]
    fn set_at_an_index_is_set_by_id() {
        let index = |id: &str| FIELDS.iter().position(|f| f.id == id).unwrap();
        let (mut by_id, mut by_index) = (FormState::new("partner").unwrap(), FormState::new("partner").unwrap());
        for (id, v) in
            [("appKey", "a b"), ("name", ""), ("password", " pw "), ("apiType", "spend-expense"), ("apiToken", "t")]
        {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            by_id.set_into(id, Value::Text(v.into()), &mut a).unwrap();
            by_index.set_at(index(id), Value::Text(v.into()), &mut b).unwrap();
            assert_eq!(a, b, "{id}");
            assert_eq!(by_id.validate(), by_index.validate(), "{id}");
        }
        // Not a field of the current API type (spend-expense), or no field at all.
        let mut out = Vec::new();
        assert_eq!(by_index.set_at(index("password"), Value::Missing, &mut out), Err(UsageError::UnknownField));
        assert_eq!(by_index.set_at(FIELDS.len(), Value::Missing, &mut out), Err(UsageError::UnknownField));
        assert_eq!(by_index.set_at(usize::MAX, Value::Missing, &mut out), Err(UsageError::UnknownField));
    }

    #[test]
    fn unknown_names_are_misuse() {
        assert_eq!(FormState::new("x").unwrap_err(), UsageError::UnknownApiType);
        let mut f = FormState::new("partner").unwrap();
        assert_eq!(f.set("devkey", Value::Missing).unwrap_err(), UsageError::UnknownField);
        assert_eq!(f.set_api_type("nope").unwrap_err(), UsageError::UnknownApiType);
        assert_eq!(FormState::edit("".into(), vec![]).unwrap_err(), UsageError::InvalidArgument);
        assert_eq!(FormState::edit("i".into(), vec![]).unwrap_err(), UsageError::UnknownApiType);
    }
}
