//! Security at the HTTP edge, as one middleware in front of every route: response headers that
//! keep pages from being framed, sniffed or leaking their address; request bodies refused by
//! their declared size before a byte is read, read against a deadline, and within a budget of
//! bytes held in memory at once; the ingest token checked before the body is read. Also the
//! login throttle (per account and address, with backoff) and log-safe rendering of user input.
//!
//! Limits (why these numbers):
//! - bodies: 8 MiB for message ingest and the signed webhook (a batch of 1,000 messages), 4 MiB
//!   for Meta webhooks (Meta batches up to 1,000 changes), 1 MiB for the rules editor, 16 KiB for
//!   requests that carry no form (GET, HEAD, …), 256 KiB for every other form;
//! - a body must arrive within [`BODY_DEADLINE`] (30 s: 8 MiB at 280 KB/s; `[server]
//!   body_timeout_secs`), else 408 and the connection is closed;
//! - at most [`BUFFERED_BODY_BUDGET`] (64 MiB) of request bodies in memory at once; past it, 503
//!   with `Retry-After`;
//! - a Meta delivery carries at most [`MAX_META_ITEMS`] (1,000) items.

use crate::AppState;
use crate::error::{ApiError, AppError};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The policy every response carries. Scripts and styles only from our own `/static/` files
/// (the templates have no inline `<script>` or `<style>`, and no `on…=` handlers); no framing
/// (single keys close or assign a case, so a framed inbox would be a clickjacking target).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Largest body of a message ingest or signed webhook request.
pub const INGEST_BODY_BYTES: usize = crate::ingest::MAX_BODY_BYTES;
/// Largest body of a Meta webhook delivery.
pub const META_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Largest body of the rules editor's form.
pub const RULES_BODY_BYTES: usize = 1024 * 1024;
/// Largest body of any other form or JSON request.
pub const FORM_BODY_BYTES: usize = 256 * 1024;
/// Largest body of a request that should carry none (GET, HEAD, DELETE, OPTIONS).
pub const BODYLESS_BYTES: usize = 16 * 1024;
/// How long a client may take to send its whole body.
pub const BODY_DEADLINE: Duration = Duration::from_secs(30);
/// Request bodies held in memory at once, over all requests of this process.
pub const BUFFERED_BODY_BUDGET: usize = 64 * 1024 * 1024;
/// Most items (messages, comments) in one Meta webhook delivery.
pub const MAX_META_ITEMS: usize = 1000;

/// The per-route body limit.
pub fn body_limit(method: &Method, path: &str) -> usize {
    if matches!(
        *method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
    ) {
        return BODYLESS_BYTES;
    }
    if path == "/api/v1/ingest" || path.starts_with("/api/v1/webhook/") {
        INGEST_BODY_BYTES
    } else if path.starts_with("/api/v1/meta/") {
        META_BODY_BYTES
    } else if path == "/rules" {
        RULES_BODY_BYTES
    } else if path.starts_with("/c/") && path.ends_with("/media") {
        crate::media_reply::MEDIA_BODY_BYTES
    } else {
        FORM_BODY_BYTES
    }
}

/// The middleware's state: the app and the budget of buffered body bytes (in KiB permits).
#[derive(Clone)]
pub struct Guard {
    state: AppState,
    budget: std::sync::Arc<Semaphore>,
}

impl Guard {
    pub fn new(state: AppState) -> Guard {
        Guard {
            state,
            budget: std::sync::Arc::new(Semaphore::new(BUFFERED_BODY_BUDGET / 1024)),
        }
    }
}

/// The middleware `app()` puts in front of every route:
/// `.layer(from_fn_with_state(Guard::new(state), security::guard))`.
pub async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let secure = guard.state.config.secure_cookies;
    let mut response = match check_request(&guard, request).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refusal,
    };
    add_headers(response.headers_mut(), secure);
    response
}

/// Sets the security headers a handler did not set itself.
pub fn add_headers(headers: &mut HeaderMap, https: bool) {
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        CONTENT_SECURITY_POLICY,
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    if https {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
}

/// A refusal as JSON for the API, as a page elsewhere.
fn refuse(path: &str, error: AppError) -> Response {
    if path.starts_with("/api/") {
        ApiError::from(error).into_response()
    } else {
        error.into_response()
    }
}

fn status_json(status: StatusCode, message: &str, retry_after: Option<u64>) -> Response {
    let mut response =
        (status, axum::Json(serde_json::json!({ "error": message }))).into_response();
    if let Some(secs) = retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Everything decided before the handler runs. Returns the request with its body read into
/// memory (within the limit and the deadline), or the response that refuses it.
async fn check_request(guard: &Guard, request: Request) -> Result<Request, Response> {
    let path = request.uri().path().to_owned();
    let limit = body_limit(request.method(), &path);
    let declared = declared_length(request.headers());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(refuse(
            &path,
            AppError::TooLarge(format!("the body may be at most {limit} bytes here")),
        ));
    }
    if request.method() == Method::POST && path == "/api/v1/ingest" {
        check_ingest_token(&guard.state, request.headers())
            .await
            .map_err(|e| refuse(&path, e))?;
    }
    // What the body itself says it holds (exact for a declared length, open for chunked).
    let hint = axum::body::HttpBody::size_hint(request.body());
    if axum::body::HttpBody::is_end_stream(request.body()) || hint.upper() == Some(0) {
        return Ok(request);
    }
    let expected = hint
        .upper()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(limit)
        .min(limit);
    // Streamed handlers read their own body; everything else here is small or buffered anyway.
    let kib = u32::try_from(expected.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
    let Ok(_permit) = guard.budget.clone().try_acquire_many_owned(kib) else {
        return Err(status_json(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many uploads at once; try again shortly",
            Some(1),
        ));
    };
    let (parts, body) = request.into_parts();
    match buffer_body(body, limit, guard.state.config.body_deadline).await {
        Err(BodyError::Late) => Err(status_json(
            StatusCode::REQUEST_TIMEOUT,
            "the body did not arrive in time",
            None,
        )),
        Err(BodyError::TooLarge) => Err(refuse(
            &path,
            AppError::TooLarge(format!("the body may be at most {limit} bytes here")),
        )),
        Err(BodyError::Broken) => Err(refuse(
            &path,
            AppError::BadRequest("the body could not be read".into()),
        )),
        Ok(bytes) => Ok(Request::from_parts(parts, Body::from(bytes))),
    }
}

#[derive(Debug, PartialEq)]
enum BodyError {
    TooLarge,
    Broken,
    Late,
}

/// Reads a whole body of at most `limit` bytes within `deadline`.
async fn buffer_body(body: Body, limit: usize, deadline: Duration) -> Result<Bytes, BodyError> {
    tokio::time::timeout(deadline, read_body(body, limit))
        .await
        .unwrap_or(Err(BodyError::Late))
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let mut stream = body.into_data_stream();
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| BodyError::Broken)?;
        if buffer.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge);
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buffer))
}

/// The ingest token, checked before the body is read: missing or unknown → 401, a disabled
/// source → 403.
async fn check_ingest_token(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthenticated)?;
    let source = state
        .store
        .source_by_token(token)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if source.enabled {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Refuses a Meta delivery with more items than [`MAX_META_ITEMS`].
pub fn check_meta_items(items: usize) -> Result<(), AppError> {
    if items > MAX_META_ITEMS {
        Err(AppError::TooLarge(format!(
            "{items} items; at most {MAX_META_ITEMS} per delivery"
        )))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------- login throttle

/// How many failed logins are free before the backoff starts, and how it grows.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Failures that cost nothing; after the last of them the caller waits.
    pub free: u32,
    /// The wait after the `free`-th failure; it doubles with each further failure.
    pub first_wait: Duration,
    /// The longest wait.
    pub max_wait: Duration,
}

/// Failures are forgotten after this long without one.
pub const FORGET_FAILURES_AFTER: Duration = Duration::from_secs(30 * 60);

/// Staff, per account and client address: 5 free, then 30 s, 60 s, … up to 15 minutes.
pub const STAFF_PER_ACCOUNT_AND_ADDRESS: Backoff = Backoff {
    free: 5,
    first_wait: Duration::from_secs(30),
    max_wait: Duration::from_secs(15 * 60),
};
/// Staff, per client address over all accounts (a password spray from one place).
pub const STAFF_PER_ADDRESS: Backoff = Backoff {
    free: 30,
    first_wait: Duration::from_secs(30),
    max_wait: Duration::from_secs(15 * 60),
};
/// Customers, per account and client address.
pub const CUSTOMER_PER_ACCOUNT_AND_ADDRESS: Backoff = Backoff {
    free: 10,
    first_wait: Duration::from_secs(30),
    max_wait: Duration::from_secs(15 * 60),
};
/// Customers, per client address over all accounts: many customers share an address (a
/// company, a mobile carrier's NAT), so this allows far more than one person would need.
pub const CUSTOMER_PER_ADDRESS: Backoff = Backoff {
    free: 50,
    first_wait: Duration::from_secs(30),
    max_wait: Duration::from_secs(15 * 60),
};

struct Failures {
    count: u32,
    last: Instant,
}

/// Failed logins in memory, per key (`account + address`, `address`). Only failures count, so
/// a person who logs in correctly is never slowed down by their own successes, and a throttled
/// account at one address does not stop the same account elsewhere or others at that address.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

impl LoginThrottle {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        match self.failures.lock() {
            Ok(f) => f,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// How long the caller must still wait before trying `key` again; `None`: try now.
    pub fn wait(&self, key: &str, backoff: Backoff) -> Option<Duration> {
        self.wait_at(key, backoff, Instant::now())
    }

    fn wait_at(&self, key: &str, backoff: Backoff, now: Instant) -> Option<Duration> {
        let failures = self.lock();
        let f = failures.get(key)?;
        if f.count < backoff.free || now.duration_since(f.last) >= FORGET_FAILURES_AFTER {
            return None;
        }
        let doublings = (f.count - backoff.free).min(20);
        let wait = backoff
            .first_wait
            .saturating_mul(1 << doublings)
            .min(backoff.max_wait);
        let until = f.last + wait;
        (until > now).then(|| until - now)
    }

    /// The longest wait over several keys (the answer to "may this login be tried now?").
    pub fn wait_any(&self, keys: &[(&str, Backoff)]) -> Option<Duration> {
        keys.iter().filter_map(|(k, b)| self.wait(k, *b)).max()
    }

    /// Records a failed login for each key.
    pub fn failed(&self, keys: &[&str]) {
        let now = Instant::now();
        let mut failures = self.lock();
        if failures.len() > 100_000 {
            failures.retain(|_, f| now.duration_since(f.last) < FORGET_FAILURES_AFTER);
        }
        for key in keys {
            let f = failures.entry((*key).to_owned()).or_insert(Failures {
                count: 0,
                last: now,
            });
            if now.duration_since(f.last) >= FORGET_FAILURES_AFTER {
                f.count = 0;
            }
            f.count = f.count.saturating_add(1);
            f.last = now;
        }
    }

    /// Forgets the failures of `key` (after a successful login).
    pub fn succeeded(&self, key: &str) {
        self.lock().remove(key);
    }
}

/// 429 with `Retry-After` in whole seconds (at least one).
pub fn too_many_attempts(wait: Duration) -> Response {
    let mut response = AppError::TooManyRequests.into_response();
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// The client's address: the TCP peer, or with `trust_proxy` the first `X-Forwarded-For`
/// entry; "unknown" when neither is there (requests in tests).
pub struct ClientAddress(pub String);

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded = state
            .config
            .trust_proxy
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")?
                    .to_str()
                    .ok()?
                    .split(',')
                    .next()?
                    .trim()
                    .parse::<std::net::IpAddr>()
                    .ok()
            })
            .flatten();
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddress(
            forwarded
                .or(peer)
                .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        ))
    }
}

/// Whether a request may read `/metrics`: a lead's or admin's session (`staff`), or the
/// configured metrics token (compared in constant time).
pub fn metrics_allowed(state: &AppState, headers: &HeaderMap, staff: bool) -> bool {
    if staff {
        return true;
    }
    let Some(expected) = state
        .config
        .metrics_token
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return false;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| crate::auth::constant_time_eq(t.trim().as_bytes(), expected.as_bytes()))
}

// ---------------------------------------------------------------- logs

/// User input made safe for a log line: control characters (newlines that would start a forged
/// line, terminal escapes) escaped, an e-mail address masked, and at most 64 characters.
pub fn loggable(input: &str) -> String {
    let text: String = if input.contains('@') || input.contains('＠') {
        mask_email(input)
    } else {
        input.to_owned()
    };
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n >= 64 {
            out.push('…');
            break;
        }
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200b}'..='\u{200f}') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// `jan.jansen@example.nl` → `j…@…`: enough to tell two attempts apart, not to read the address.
fn mask_email(input: &str) -> String {
    let first = input.chars().next().filter(|c| *c != '@' && *c != '＠');
    match first {
        Some(c) => format!("{c}…@…"),
        None => "…@…".to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_cannot_be_forged_and_hide_addresses() {
        let forged = loggable("lisa\n2026-01-01T00:00:00Z INFO login agent=admin");
        assert!(!forged.contains('\n'), "{forged}");
        assert!(forged.starts_with("lisa\\u{a}"), "{forged}");
        assert_eq!(loggable("jan.jansen@example.nl"), "j…@…");
        assert_eq!(loggable("jan＠example.nl"), "j…@…");
        assert!(!loggable("a\u{1b}[31mred").contains('\u{1b}'));
        assert_eq!(loggable(&"x".repeat(100)).chars().count(), 65);
        assert_eq!(loggable("anna"), "anna");
    }

    #[test]
    fn backoff_starts_after_the_free_failures_and_doubles_up_to_the_cap() {
        let t = LoginThrottle::default();
        let b = STAFF_PER_ACCOUNT_AND_ADDRESS;
        for _ in 0..b.free {
            assert_eq!(t.wait("k", b), None, "the free failures cost nothing");
            t.failed(&["k"]);
        }
        let now = Instant::now();
        let first = t.wait_at("k", b, now).unwrap();
        assert!(first <= b.first_wait && first > b.first_wait / 2);
        assert_eq!(t.wait_at("k", b, now + b.first_wait), None);
        t.failed(&["k"]);
        let second = t.wait_at("k", b, Instant::now()).unwrap();
        assert!(second > b.first_wait, "{second:?}");
        for _ in 0..40 {
            t.failed(&["k"]);
        }
        assert!(t.wait("k", b).unwrap() <= b.max_wait);
        // Another key (another address, or another account) is not affected.
        assert_eq!(t.wait("other", b), None);
        t.succeeded("k");
        assert_eq!(t.wait("k", b), None);
    }

    #[tokio::test]
    async fn a_stalled_body_is_given_up_at_the_deadline() {
        let stalled =
            futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"email="))])
                .chain(futures_util::stream::pending());
        let result = buffer_body(Body::from_stream(stalled), 1024, Duration::from_millis(20)).await;
        assert_eq!(result, Err(BodyError::Late));
        let whole = buffer_body(Body::from("a=1"), 1024, Duration::from_secs(30)).await;
        assert_eq!(whole, Ok(Bytes::from_static(b"a=1")));
        let big = buffer_body(Body::from(vec![0u8; 2048]), 1024, Duration::from_secs(30)).await;
        assert_eq!(big, Err(BodyError::TooLarge));
    }

    #[test]
    fn body_limits_per_route() {
        assert_eq!(
            body_limit(&Method::POST, "/api/v1/ingest"),
            INGEST_BODY_BYTES
        );
        assert_eq!(
            body_limit(&Method::POST, "/api/v1/webhook/3"),
            INGEST_BODY_BYTES
        );
        assert_eq!(body_limit(&Method::POST, "/api/v1/meta/3"), META_BODY_BYTES);
        assert_eq!(body_limit(&Method::POST, "/rules"), RULES_BODY_BYTES);
        assert_eq!(body_limit(&Method::POST, "/c/1/reply"), FORM_BODY_BYTES);
        assert_eq!(body_limit(&Method::GET, "/api/v1/ingest"), BODYLESS_BYTES);
    }
}
