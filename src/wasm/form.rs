//! `ConnectionForm`: a stateful handle whose secrets live only in WASM memory.
//!
//! The custody logic is [`crate::form::FormState`]; this file adds the JS
//! boundary and the one `fetch` that carries secrets to the backend.

use super::read;
use super::{parsed, throw};
use crate::form::{FormState, Mode};
use crate::json;
use crate::validate::{Entry, UsageError};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{
    AbortController, Headers, ReferrerPolicy, Request, RequestCache, RequestCredentials, RequestInit, RequestRedirect,
    Response,
};

/// The default time a submit may take before it is abandoned.
const DEFAULT_TIMEOUT_MS: f64 = 15_000.0;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** A saved connection, as the backend returns it (never with a secret value). */
export interface SavedConnection {
  id: string;
  name: string;
  apiType: ApiTypeId;
  environment: EnvironmentId;
  baseUrl?: string;
  settings: { [K in FieldId]?: string };
  secretsSet?: FieldId[];
  createdAt?: string;
  updatedAt?: string;
}

/** The non-secret values of the form's current API type, as typed. */
export type FormValues = { [K in FieldId]?: string };

export interface SubmitOptions {
  /** Defaults to POST in create mode and PUT in edit mode. */
  method?: "POST" | "PUT" | "PATCH";
  /** Extra headers, e.g. a CSRF token or Authorization. Content-Type is always application/json. */
  headers?: HeadersInit;
  /** Abandon the request after this many milliseconds (default 15000). */
  timeoutMs?: number;
}

/** Why `submit()` or `test()` got no usable answer; every typed value is kept. */
export interface RequestFailure {
  ok: false;
  /** The HTTP status, or 0 when no answer came (invalid, in_flight, network, timeout). */
  status: number;
  reason: "invalid" | "in_flight" | "network" | "timeout" | "http";
  message: string;
  /** Items in the validator's shape, mapped onto fields (a 422's items included). */
  errors: ReportItem[];
}

export type SubmitResult = { ok: true; status: number; connection: SavedConnection } | RequestFailure;

/** The codes of a connection test's items (README: "Connection test codes"). */
export type TestCode =
  | "rejected" | "auth_failed" | "locked" | "rate_limited"
  | "upstream_error" | "timeout" | "invalid_response" | "unreachable";

export interface TestItem {
  /** The field BILL blamed, or null for the connection as a whole. */
  field: string | null;
  code: TestCode | ReportCode;
  severity: "error" | "warning";
  message: string;
  /** `billCode`: BILL's error code, e.g. "BDC_1101". */
  params?: { billCode?: string } & ReportParams;
}

/** The backend's answer (`ok` false when BILL refused), or a request failure. */
export type TestResult = { ok: boolean; status: number; message: string; errors: TestItem[] } | RequestFailure;
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);

    /// The global `fetch` (window, worker or Node).
    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch_request(request: &Request) -> Result<Promise, JsValue>;

    /// The global `Headers` class, imported again for its one-argument constructor.
    #[wasm_bindgen(js_name = Headers)]
    type AnyHeaders;

    /// `new Headers(init)`: accepts an object, an array of pairs or a Headers.
    #[wasm_bindgen(catch, constructor, js_class = "Headers")]
    fn new(init: &JsValue) -> Result<AnyHeaders, JsValue>;
}

/// A Bill.com connection form whose secret values never leave WASM memory except
/// in the body of `submit()`'s request.
///
/// @example
/// const form = new ConnectionForm({ apiType: "spend-expense" });
/// form.set("name", "Team cards");
/// form.set("environment", "sandbox");
/// form.set("apiToken", tokenInput.value);
/// const result = await form.submit("/api/connections", { headers: { "X-CSRF-Token": csrf } });
#[wasm_bindgen]
pub struct ConnectionForm {
    state: Rc<RefCell<FormState>>,
    in_flight: Rc<Cell<bool>>,
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Data properties on a fresh plain object: cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn failure(status: u16, reason: &str, message: &str, errors: JsValue) -> JsValue {
    let o = Object::new();
    set(&o, "ok", &JsValue::FALSE);
    set(&o, "status", &JsValue::from(status));
    set(&o, "reason", &JsValue::from_str(reason));
    set(&o, "message", &JsValue::from_str(message));
    set(&o, "errors", &if Array::is_array(&errors) { errors } else { Array::new().into() });
    o.into()
}

/// Reads `{ method?, headers?, timeoutMs? }`; anything malformed is misuse.
struct SubmitOptions {
    method: Option<String>,
    headers: JsValue,
    timeout_ms: f64,
}

fn submit_options(v: &JsValue) -> Result<SubmitOptions, UsageError> {
    if v.is_undefined() || v.is_null() {
        return Ok(SubmitOptions { method: None, headers: JsValue::UNDEFINED, timeout_ms: DEFAULT_TIMEOUT_MS });
    }
    if !v.is_object() {
        return Err(UsageError::InvalidArgument);
    }
    let read = |k: &str| Reflect::get(v, &JsValue::from_str(k)).map_err(|_| UsageError::InvalidArgument);
    let method = match read("method")? {
        m if m.is_undefined() => None,
        m => match m.as_string().map(|s| s.to_ascii_uppercase()) {
            Some(s) if matches!(s.as_str(), "POST" | "PUT" | "PATCH") => Some(s),
            _ => return Err(UsageError::InvalidArgument),
        },
    };
    let timeout_ms = match read("timeoutMs")? {
        t if t.is_undefined() => DEFAULT_TIMEOUT_MS,
        t => match t.as_f64() {
            Some(ms) if ms > 0.0 && ms.is_finite() => ms,
            _ => return Err(UsageError::InvalidArgument),
        },
    };
    Ok(SubmitOptions { method, headers: read("headers")?, timeout_ms })
}

/// In edit mode the request goes to the connection's own URL: `url` may be the
/// collection (`/api/connections`) or already end with the id.
fn target_url(url: &str, mode: &Mode) -> String {
    match mode {
        Mode::Create => url.to_owned(),
        Mode::Edit { id } => {
            let base = url.trim_end_matches('/');
            if base.rsplit('/').next() == Some(id.as_str()) {
                base.to_owned()
            } else {
                let encoded: String = js_sys::encode_uri_component(id).into();
                let mut u = String::with_capacity(base.len() + 1 + encoded.len());
                u.push_str(base);
                u.push('/');
                u.push_str(&encoded);
                u
            }
        }
    }
}

#[wasm_bindgen]
impl ConnectionForm {
    /// A new, empty form in create mode. Throws `unknown_api_type`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "{ apiType: ApiTypeId }")] options: JsValue,
    ) -> Result<ConnectionForm, JsValue> {
        if !options.is_object() {
            return Err(throw(UsageError::InvalidArgument));
        }
        let api = read::string_arg(&get(&options, "apiType")).map_err(throw)?;
        let state = FormState::new(&api).map_err(throw)?;
        Ok(ConnectionForm { state: Rc::new(RefCell::new(state)), in_flight: Rc::new(Cell::new(false)) })
    }

    /// A form for a saved connection (a GET response): its non-secret values are
    /// loaded; every secret starts empty and is required again.
    pub fn edit(
        #[wasm_bindgen(unchecked_param_type = "SavedConnection")] saved: JsValue,
    ) -> Result<ConnectionForm, JsValue> {
        let top = read::settings(&saved).map_err(throw)?;
        let id = read::string_arg(&get(&saved, "id")).map_err(throw)?;
        let nested = get(&saved, "settings");
        let mut entries: Vec<Entry> = top.into_iter().filter(|e| e.key != "settings").collect();
        if !nested.is_undefined() {
            entries.extend(read::settings(&nested).map_err(throw)?);
        }
        let state = FormState::edit(id, entries).map_err(throw)?;
        Ok(ConnectionForm { state: Rc::new(RefCell::new(state)), in_flight: Rc::new(Cell::new(false)) })
    }

    fn state(&self) -> Result<std::cell::RefMut<'_, FormState>, JsValue> {
        self.state.try_borrow_mut().map_err(|_| throw(UsageError::InvalidArgument))
    }

    /// Sets one field of the current API type; returns that field's report items.
    /// Setting `apiType` switches the API type. Throws `unknown_field`.
    #[wasm_bindgen(unchecked_return_type = "ReportItem[]")]
    pub fn set(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FieldId")] field: JsValue,
        #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
    ) -> Result<JsValue, JsValue> {
        let field = read::string_arg(&field).map_err(throw)?;
        let value = read::value(&value);
        let items = self.state()?.set(&field, value).map_err(throw)?;
        Ok(parsed(&json::issues(&items)))
    }

    /// Switches API type, keeping the values of fields both types have.
    #[wasm_bindgen(js_name = setApiType)]
    pub fn set_api_type(
        &self,
        #[wasm_bindgen(js_name = apiType, unchecked_param_type = "ApiTypeId")] api_type: JsValue,
    ) -> Result<(), JsValue> {
        let id = read::string_arg(&api_type).map_err(throw)?;
        self.state()?.set_api_type(&id).map_err(throw)
    }

    /// The current API type id.
    #[wasm_bindgen(getter, js_name = apiType, unchecked_return_type = "ApiTypeId")]
    pub fn api_type(&self) -> String {
        self.state.try_borrow().map(|s| s.api_type().id.to_owned()).unwrap_or_default()
    }

    /// `"create"` or `"edit"`.
    #[wasm_bindgen(getter, unchecked_return_type = "\"create\" | \"edit\"")]
    pub fn mode(&self) -> String {
        match self.state.try_borrow().as_deref().map(FormState::mode) {
            Ok(Mode::Edit { .. }) => "edit".into(),
            _ => "create".into(),
        }
    }

    /// The saved connection's id in edit mode, else `undefined`.
    #[wasm_bindgen(getter, js_name = connectionId)]
    pub fn connection_id(&self) -> Option<String> {
        match self.state.try_borrow().as_deref().map(FormState::mode) {
            Ok(Mode::Edit { id }) => Some(id.clone()),
            _ => None,
        }
    }

    /// The non-secret values of the current API type's fields.
    #[wasm_bindgen(unchecked_return_type = "FormValues")]
    pub fn values(&self) -> JsValue {
        self.state.try_borrow().map_or(JsValue::UNDEFINED, |s| parsed(&json::object(&s.values())))
    }

    /// For each secret field of the current API type, whether it holds a value.
    #[wasm_bindgen(js_name = secretsFilled, unchecked_return_type = "{ [K in FieldId]?: boolean }")]
    pub fn secrets_filled(&self) -> JsValue {
        self.state.try_borrow().map_or(JsValue::UNDEFINED, |s| parsed(&json::flags(&s.secrets_filled())))
    }

    /// The same report as `validate()` for the form's current settings.
    #[wasm_bindgen(unchecked_return_type = "ValidationReport")]
    pub fn validate(&self) -> JsValue {
        self.state.try_borrow().map_or(JsValue::UNDEFINED, |s| parsed(&json::report(&s.validate())))
    }

    /// Zeroizes and forgets every secret value.
    #[wasm_bindgen(js_name = clearSecrets)]
    pub fn clear_secrets(&self) -> Result<(), JsValue> {
        self.state()?.clear_secrets();
        Ok(())
    }

    /// Validates, then sends the settings to the backend in one `fetch`: POST in
    /// create mode, PUT to the connection's URL in edit mode. Sends nothing when
    /// invalid or while another request is in flight. On success the secrets are
    /// zeroized and the form switches to editing the saved connection; on any
    /// failure every value is kept (in memory only) so a retry needs no retyping.
    #[wasm_bindgen(unchecked_return_type = "Promise<SubmitResult>")]
    pub fn submit(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] url: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SubmitOptions")] options: Option<JsValue>,
    ) -> Result<Promise, JsValue> {
        self.start(Purpose::Save, url, options)
    }

    /// Asks the backend to log in to BILL with these (unsaved) settings: one POST
    /// of the same body as a save, e.g. to `/api/connections/test`. Same custody as
    /// `submit()`: secrets leave WASM only in that request body, and every value
    /// is kept whatever the answer. Resolves to the backend's `{ ok, message,
    /// errors }` (items on the fields BILL blamed), or a failure as for `submit()`.
    #[wasm_bindgen(unchecked_return_type = "Promise<TestResult>")]
    pub fn test(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] url: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SubmitOptions")] options: Option<JsValue>,
    ) -> Result<Promise, JsValue> {
        self.start(Purpose::Test, url, options)
    }
}

/// What a request is for: it decides the method, the URL and what success does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Save,
    Test,
}

impl ConnectionForm {
    fn start(&self, purpose: Purpose, url: JsValue, options: Option<JsValue>) -> Result<Promise, JsValue> {
        let url = read::string_arg(&url).map_err(throw)?;
        let opts = submit_options(&options.unwrap_or(JsValue::UNDEFINED)).map_err(throw)?;
        if self.in_flight.get() {
            let r = failure(0, "in_flight", "A request is already in progress.", JsValue::UNDEFINED);
            return Ok(Promise::resolve(&r));
        }
        let (outgoing, timeout_ms) = {
            let state = self.state.try_borrow().map_err(|_| throw(UsageError::InvalidArgument))?;
            let body = match state.payload() {
                Ok(body) => body,
                Err(report) => {
                    let errors = parsed(&json::issues(&report.errors));
                    let r = failure(0, "invalid", "Some settings need fixing first.", errors);
                    return Ok(Promise::resolve(&r));
                }
            };
            let method = opts.method.unwrap_or_else(|| match (purpose, state.mode()) {
                (Purpose::Save, Mode::Edit { .. }) => "PUT".into(),
                _ => "POST".into(),
            });
            let target = match purpose {
                Purpose::Save => target_url(&url, state.mode()),
                Purpose::Test => url,
            };
            let headers = if opts.headers.is_undefined() {
                Headers::new()
            } else {
                AnyHeaders::new(&opts.headers).map(JsCast::unchecked_into)
            }
            .map_err(|_| throw(UsageError::InvalidArgument))?;
            headers.set("Content-Type", "application/json")?;
            headers.set("Accept", "application/json")?;
            let init = RequestInit::new();
            init.set_method(&method);
            init.set_headers(&headers);
            init.set_body(&JsValue::from_str(&body)); // `body` is zeroized when dropped below
            init.set_cache(RequestCache::NoStore);
            init.set_credentials(RequestCredentials::SameOrigin);
            init.set_redirect(RequestRedirect::Error);
            init.set_referrer_policy(ReferrerPolicy::NoReferrer);
            let controller = AbortController::new()?;
            init.set_signal(Some(&controller.signal()));
            let request =
                Request::new_with_str_and_init(&target, &init).map_err(|_| throw(UsageError::InvalidArgument))?;
            ((request, controller), opts.timeout_ms)
        };
        self.in_flight.set(true);
        let state = Rc::clone(&self.state);
        let in_flight = Rc::clone(&self.in_flight);
        Ok(future_to_promise(async move {
            let result = send(outgoing, timeout_ms, &state, purpose).await;
            in_flight.set(false);
            Ok(result)
        }))
    }
}

/// Sends the request, abandoning it after `timeout_ms`, and turns the answer into
/// a `SubmitResult`. Never rejects.
async fn send(
    (request, controller): (Request, AbortController),
    timeout_ms: f64,
    state: &Rc<RefCell<FormState>>,
    purpose: Purpose,
) -> JsValue {
    let timed_out = Rc::new(Cell::new(false));
    let flag = Rc::clone(&timed_out);
    let abort = Closure::once(move || {
        flag.set(true);
        controller.abort();
    });
    let timer = set_timeout(abort.as_ref().unchecked_ref(), timeout_ms);
    let answer = exchange(&request).await;
    clear_timeout(&timer);
    drop(abort);
    let (status, body) = match answer {
        Ok(answer) => answer,
        Err(_) if timed_out.get() => {
            let m = "The server did not answer in time. Nothing was lost: try again.";
            return failure(0, "timeout", m, JsValue::UNDEFINED);
        }
        Err(_) => {
            let m = "Could not reach the server. Nothing was lost: check your connection and try again.";
            return failure(0, "network", m, JsValue::UNDEFINED);
        }
    };
    if (200..300).contains(&status) && purpose == Purpose::Test {
        if body.is_object() && get(&body, "ok").as_bool().is_some() {
            set(body.unchecked_ref(), "status", &JsValue::from(status));
            return body;
        }
        return failure(status, "http", "The server's answer was not a test result.", JsValue::UNDEFINED);
    }
    if (200..300).contains(&status) {
        let id = get(&body, "id").as_string();
        if let Ok(mut s) = state.try_borrow_mut() {
            match id {
                Some(id) => s.saved(id),
                None => s.clear_secrets(),
            }
        }
        let o = Object::new();
        set(&o, "ok", &JsValue::TRUE);
        set(&o, "status", &JsValue::from(status));
        set(&o, "connection", &body);
        return o.into();
    }
    let message = get(&body, "message").as_string().unwrap_or_else(|| {
        let mut m = String::from("The server answered with status ");
        crate::messages::push_num(&mut m, u32::from(status));
        m.push_str(". Nothing was lost: try again.");
        m
    });
    failure(status, "http", &message, get(&body, "errors"))
}

/// The status and parsed JSON body (undefined when not JSON), or the fetch error.
async fn exchange(request: &Request) -> Result<(u16, JsValue), JsValue> {
    let response: Response = JsFuture::from(fetch_request(request)?).await?.dyn_into()?;
    let text = JsFuture::from(response.text()?).await?;
    let body = text.as_string().and_then(|t| js_sys::JSON::parse(&t).ok()).unwrap_or(JsValue::UNDEFINED);
    Ok((response.status(), body))
}
