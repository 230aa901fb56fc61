//! The one error type of the web edge. It logs the whole chain with a request id and shows the
//! user a clear message plus that id, never internal details.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use wederhoor_store::StoreError;

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
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user may read: the message for their own mistakes, a generic one otherwise.
    fn public_message(&self) -> String {
        match self {
            AppError::Store(StoreError::NotFound(what)) => format!("{what} not found"),
            AppError::Store(StoreError::Conflict(m)) => m.clone(),
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

/// HTML pages: redirect to login when needed, otherwise a small escaped error page.
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
        let message = match &self {
            AppError::Forbidden => crate::i18n::text(crate::i18n::Lang::Nl, "forbidden").to_owned(),
            AppError::Csrf => crate::i18n::text(crate::i18n::Lang::Nl, "csrf_failed").to_owned(),
            AppError::Unverified => {
                crate::i18n::text(crate::i18n::Lang::Nl, "account_unverified").to_owned()
            }
            AppError::TooManyRequests => {
                crate::i18n::text(crate::i18n::Lang::Nl, "too_many_requests").to_owned()
            }
            other => other.public_message(),
        };
        let body = format!(
            "<!doctype html><html lang=\"nl\"><meta charset=\"utf-8\"><title>Wederhoor</title>\
             <link rel=\"stylesheet\" href=\"/static/app.css\"><main class=\"error\"><h1>{}</h1>\
             <p>{}</p><p class=\"muted\">Referentie: <code>{}</code></p><p><a href=\"/inbox\">Inbox</a></p></main>",
            self.status().as_u16(),
            escape(&message),
            id
        );
        (self.status(), Html(body)).into_response()
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
