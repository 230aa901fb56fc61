//! `POST /api/v1/webhook/{source_id}`: messages pushed by a forum, consumer site or CRM, signed
//! with HMAC-SHA256 instead of carrying a bearer token.
//!
//! The body is the ingest schema (one message or an array, as for `/api/v1/ingest`) and the
//! answer is the same per-item report. The request is signed with the source's webhook secret —
//! the same secret that signs our outgoing reply deliveries to that source, so one secret is shared
//! per source in both directions (set it on the sources admin page):
//!
//! - `X-Wederhoor-Signature: sha256=<hex of HMAC-SHA256(secret, signed)>`, compared in constant
//!   time (`Mac::verify_slice`);
//! - without `X-Wederhoor-Timestamp`, `signed` is the raw body (exactly what our own outgoing
//!   deliveries sign);
//! - with `X-Wederhoor-Timestamp: <Unix seconds>`, `signed` is `<timestamp>.<raw body>` and the
//!   request is refused when the timestamp is more than five minutes away from our clock, so a
//!   captured request cannot be replayed later. The header is optional; a replay of an unstamped
//!   request can at most re-send the same messages, which ingest answers as `duplicate`.
//!
//! Order of checks: unknown source → 404; missing, malformed, stale or wrong signature (or a
//! source without a secret) → 401; a disabled source → 403 (only told to a caller that proved it
//! holds the secret). Nothing is stored unless all three pass.

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::ingest::{IngestReport, ingest_body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wederhoor_core::SourceId;
use wederhoor_store::StoreError;

/// The signature header, `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "x-wederhoor-signature";
/// The optional timestamp header (Unix seconds), signed as `<timestamp>.<body>`.
pub const TIMESTAMP_HEADER: &str = "x-wederhoor-timestamp";
/// How far a signed timestamp may be from our clock, either way.
pub const MAX_SKEW_SECS: i64 = 300;

pub async fn receive(
    State(state): State<AppState>,
    Path(source_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<IngestReport>), ApiError> {
    let source = state
        .store
        .source(SourceId(source_id))
        .await?
        .ok_or(AppError::Store(StoreError::NotFound("source")))?;
    let secret = state
        .store
        .source_secret(source.id)
        .await?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::BadSignature("this source has no webhook secret".into()))?;
    let signature = header_str(&headers, SIGNATURE_HEADER)?
        .ok_or_else(|| AppError::BadSignature(format!("missing {SIGNATURE_HEADER} header")))?;
    let timestamp = header_str(&headers, TIMESTAMP_HEADER)?;
    if let Some(ts) = timestamp {
        let ts: i64 = ts.trim().parse().map_err(|_| {
            AppError::BadSignature(format!("{TIMESTAMP_HEADER} must be Unix seconds"))
        })?;
        let now = jiff::Timestamp::now().as_second();
        if (now - ts).abs() > MAX_SKEW_SECS {
            return Err(AppError::BadSignature(format!(
                "{TIMESTAMP_HEADER} is more than {MAX_SKEW_SECS} seconds off"
            ))
            .into());
        }
    }
    if !signature_valid(&secret, timestamp.map(str::trim), &body, signature) {
        return Err(AppError::BadSignature("signature does not match".into()).into());
    }
    if !source.enabled {
        return Err(AppError::Forbidden.into());
    }
    let (status, report) = ingest_body(&state, &source, &body).await?;
    // The messages are committed; failing to note the source's health must not undo the answer.
    if let Err(e) = state
        .store
        .record_source_success(source.id, report.stored as i64, report.rejected as i64)
        .await
    {
        tracing::warn!(source = source.id.0, error = %e, "could not record webhook health");
    }
    Ok((status, report))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, AppError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| AppError::BadSignature(format!("{name} is not ASCII")))
        })
        .transpose()
}

/// Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 under `secret` of the body, or of
/// `<timestamp>.<body>` when a timestamp was sent. Constant-time comparison.
pub fn signature_valid(secret: &str, timestamp: Option<&str>, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(expected) = hex::decode(hex_sig.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    if let Some(ts) = timestamp {
        mac.update(ts.as_bytes());
        mac.update(b".");
    }
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, signed: &[u8]) -> String {
        wederhoor_listen::sign(secret, signed)
    }

    #[test]
    fn accepts_only_the_right_signature() {
        let body = br#"{"id":"1","text":"hoi"}"#;
        let good = sign("geheim", body);
        assert!(signature_valid("geheim", None, body, &good));
        assert!(!signature_valid("ander", None, body, &good));
        assert!(!signature_valid("geheim", None, b"{}", &good));
        assert!(!signature_valid("geheim", None, body, "sha256=zz"));
        assert!(!signature_valid("geheim", None, body, &good[7..]));
        assert!(!signature_valid("geheim", None, body, ""));
    }

    #[test]
    fn a_timestamp_is_part_of_what_is_signed() {
        let body = br#"{"id":"1","text":"hoi"}"#;
        let stamped = sign("geheim", b"1700000000.{\"id\":\"1\",\"text\":\"hoi\"}");
        assert!(signature_valid(
            "geheim",
            Some("1700000000"),
            body,
            &stamped
        ));
        assert!(!signature_valid(
            "geheim",
            Some("1700000001"),
            body,
            &stamped
        ));
        assert!(!signature_valid("geheim", None, body, &stamped));
    }
}
