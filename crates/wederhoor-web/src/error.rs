//! The one error type of the web edge. It logs the whole chain with a request id and shows the
//! user a clear message plus that id, never internal details.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use wederhoor_store::StoreError;

/// What a client reads when the database's disk is full (API clients retry on 503).
const STORAGE_FULL: &str =
    "storage full: the database cannot take writes now, nothing was stored; try again later";

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not logged in")]
    Unauthenticated,
    /// A signed request whose signature is missing, malformed, stale or wrong.
    #[error("{0}")]
    BadSignature(String),
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// A public page needs a customer login; carries the path to come back to.
    #[error("login required")]
    LoginRequired(String),
    /// The customer has not verified their e-mail address yet.
    #[error("e-mail address not verified")]
    Unverified,
    #[error("too many requests")]
    TooManyRequests,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("payload too large: {0}")]
    TooLarge(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::BadSignature(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf | AppError::Unverified => StatusCode::FORBIDDEN,
            AppError::LoginRequired(_) => StatusCode::SEE_OTHER,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound | AppError::Store(StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Store(StoreError::Conflict(_)) => StatusCode::CONFLICT,
            // A full disk is the operator's to fix and passes without a restart once space is
            // freed: unavailable, not an internal error.
            AppError::Store(e) if e.is_storage_full() => StatusCode::SERVICE_UNAVAILABLE,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user may read: the message for their own mistakes, a generic one otherwise.
    fn public_message(&self) -> String {
        match self {
            AppError::Store(StoreError::NotFound(what)) => format!("{what} not found"),
            AppError::Store(StoreError::Conflict(m)) => m.clone(),
            AppError::Store(e) if e.is_storage_full() => STORAGE_FULL.to_owned(),
            AppError::Store(_) | AppError::Template(_) | AppError::Internal(_) => {
                "internal error".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// Logs server-side failures with a fresh request id and returns that id.
    fn log(&self) -> String {
        let id = wederhoor_store::random_token()[..12].to_owned();
        if self.status().is_server_error() {
            tracing::error!(request_id = %id, error = %self, "request failed");
        } else {
            tracing::debug!(request_id = %id, error = %self, "request refused");
        }
        id
    }
}

/// What an error response tells the error-page layer ([`pages`]): the status, the catalogue key
/// of the sentence to show, a message that is already in the user's words, a technical detail
/// (shown folded away) and the request id of the log line.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    /// The sentence to show, as a catalogue key (`error_404_text`, `forbidden`, …).
    pub key: &'static str,
    /// A sentence already in the user's language (e.g. a refused input), shown instead of `key`.
    pub message: Option<String>,
    /// Technical detail (English, for whoever reports the problem), folded away on the page.
    pub detail: Option<String>,
    pub request_id: String,
}

impl AppError {
    /// What the error page says about this error.
    fn page(&self, request_id: String) -> ErrorPage {
        let status = self.status();
        let (key, message, detail) = match self {
            AppError::NotFound => ("error_404_text", None, None),
            AppError::Store(StoreError::NotFound(what)) => (
                match *what {
                    "conversation" => "error_404_conversation",
                    "idea" => "error_404_idea",
                    _ => "error_404_text",
                },
                None,
                None,
            ),
            AppError::Forbidden => ("forbidden", None, None),
            AppError::Csrf => ("csrf_failed", None, None),
            AppError::Unverified => ("account_unverified", None, None),
            AppError::TooManyRequests => ("too_many_requests", None, None),
            AppError::BadRequest(d) | AppError::BadSignature(d) => {
                ("error_400_text", None, Some(d.clone()))
            }
            AppError::Unprocessable(m) => ("error_422_text", Some(m.clone()), None),
            AppError::TooLarge(d) => ("error_413_text", None, Some(d.clone())),
            AppError::Store(StoreError::Conflict(m)) => ("error_409_text", None, Some(m.clone())),
            AppError::Store(e) if e.is_storage_full() => {
                ("error_503_text", None, Some(STORAGE_FULL.to_owned()))
            }
            _ => ("error_500_text", None, None),
        };
        ErrorPage {
            status,
            key,
            message,
            detail,
            request_id,
        }
    }
}

/// HTML pages: redirect to login when needed, otherwise an error page. The body here is a plain
/// Dutch fallback; the error-page layer ([`pages`]) renders the real page in the user's language
/// with the layout, from the [`ErrorPage`] this response carries.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::Unauthenticated) {
            return (StatusCode::SEE_OTHER, [("location", "/login")]).into_response();
        }
        if let AppError::LoginRequired(back) = &self {
            let location = format!("/account/inloggen?terug={}", url_encode(back));
            return (StatusCode::SEE_OTHER, [("location", location)]).into_response();
        }
        let id = self.log();
        let page = self.page(id);
        let lang = crate::i18n::Lang::Nl;
        let body = format!(
            "<!doctype html><html lang=\"nl\"><meta charset=\"utf-8\"><title>Wederhoor</title>\
             <link rel=\"stylesheet\" href=\"/static/app.css\"><main class=\"error-page\"><h1>{}</h1>\
             <p>{}</p><p class=\"muted\">Referentie: <code>{}</code></p><p><a href=\"/\">Wederhoor</a></p></main>",
            escape(&status_title(lang, page.status)),
            escape(
                page.message
                    .as_deref()
                    .unwrap_or(crate::i18n::text(lang, page.key))
            ),
            page.request_id
        );
        let mut response = (page.status, Html(body)).into_response();
        response.extensions_mut().insert(page);
        response
    }
}

/// The heading of an error page: "Pagina niet gevonden" for 404, and so on.
pub fn status_title(lang: crate::i18n::Lang, status: StatusCode) -> String {
    let title = crate::i18n::text(lang, &format!("error_{}", status.as_u16()));
    if title.is_empty() {
        crate::i18n::text(lang, "error_other").to_owned()
    } else {
        title.to_owned()
    }
}

/// The sentence for a status without a more specific one (a router or extractor refusal).
fn status_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "error_400_text",
        401 => "error_401_text",
        403 => "forbidden",
        404 => "error_404_text",
        405 => "error_405_text",
        409 => "error_409_text",
        413 => "error_413_text",
        415 => "error_415_text",
        422 => "error_422_text",
        429 => "too_many_requests",
        503 => "error_503_text",
        _ => "error_500_text",
    }
}

/// The route for every path no route matches: a 404 page (or JSON under `/api/`).
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Longest body of a refusal that is read to be shown again (extractor messages are short).
const REFUSAL_BYTES: usize = 4096;

/// The error-page layer: every error response gets a real body. Under `/api/` that is JSON
/// (`{"error", "request_id"}`), including the router's and extractors' own refusals (413 for a
/// body over the limit, 422 for JSON of the wrong shape, 400 for a bad path or query, 404, 405);
/// elsewhere an HTML page in the user's language, with the inbox layout for a logged-in agent.
/// Pages a handler renders itself (a form shown again with its error) pass through untouched.
pub async fn pages(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let here = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    let session =
        crate::auth::cookie(request.headers(), crate::auth::SESSION_COOKIE).map(str::to_owned);
    let visitor_lang = crate::public::visitor_lang(None, request.headers(), None);
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let page = response.extensions().get::<ErrorPage>().cloned();
    let is_api = path.starts_with("/api/");
    if is_api && content_type.starts_with("application/json") {
        return response;
    }
    // A page the handler rendered itself (HTML without an ErrorPage) stays as it is.
    let refusal = content_type.is_empty() || content_type.starts_with("text/plain");
    if page.is_none() && !refusal {
        return response;
    }
    let (parts, body) = response.into_parts();
    let page = match page {
        Some(p) => p,
        None => {
            // The router's or an extractor's refusal: its text is the technical detail.
            let bytes = axum::body::to_bytes(body, REFUSAL_BYTES)
                .await
                .unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).trim().to_owned();
            let request_id = wederhoor_store::random_token()[..12].to_owned();
            tracing::debug!(request_id = %request_id, status = status.as_u16(), %path, refusal = %text, "request refused");
            ErrorPage {
                status,
                key: status_key(status),
                message: None,
                detail: (!text.is_empty()).then_some(text),
                request_id,
            }
        }
    };
    let mut headers = parts.headers;
    headers.remove(axum::http::header::CONTENT_TYPE);
    headers.remove(axum::http::header::CONTENT_LENGTH);
    if is_api {
        let error = page
            .detail
            .clone()
            .or_else(|| page.message.clone())
            .unwrap_or_else(|| crate::i18n::text(crate::i18n::Lang::En, page.key).to_owned());
        let body = serde_json::json!({ "error": error, "request_id": page.request_id });
        return (status, headers, Json(body)).into_response();
    }
    // The language: a logged-in agent's own, else the visitor's (the switch's cookie, the
    // browser's language), else Dutch.
    let agent = match session.as_deref().filter(|t| !t.is_empty()) {
        Some(token) => state
            .store
            .session(token)
            .await
            .ok()
            .flatten()
            .filter(|s| !s.agent.disabled),
        None => None,
    };
    let lang = agent
        .as_ref()
        .and_then(|s| crate::i18n::Lang::parse(&s.agent.language))
        .unwrap_or(visitor_lang);
    let message = page
        .message
        .clone()
        .unwrap_or_else(|| crate::i18n::text(lang, page.key).to_owned());
    let ctx = minijinja::context! {
        agent => agent.as_ref().map(|s| &s.agent),
        csrf => agent.as_ref().map_or("", |s| s.csrf.as_str()),
        status => status.as_u16(),
        title => status_title(lang, status),
        message => message,
        detail => page.detail,
        request_id => page.request_id,
        here => here,
        brand => &state.config.brand_name,
        account => None::<()>,
        staff => None::<()>,
        other_langs => crate::public::other_languages(lang),
    };
    match crate::pages::render(&state, "error.html", lang, ctx) {
        Ok(html) => (status, headers, html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page could not be rendered");
            (status, headers, Html(escape(&message))).into_response()
        }
    }
}

/// The JSON API flavour of the same error: `{"error": "...", "request_id": "..."}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let id = self.0.log();
        let body = serde_json::json!({ "error": self.0.public_message(), "request_id": id });
        (self.0.status(), Json(body)).into_response()
    }
}

/// Escapes text for HTML (for the few strings built outside templates).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a string for a URL query value (RFC 3986 unreserved characters stay).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
