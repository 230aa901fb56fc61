//! `GET/POST /api/v1/meta/{source_id}`: webhooks from Meta for a WhatsApp, Facebook page or
//! Instagram source (the source's kind says which).
//!
//! The source's credentials are its delivery secret as JSON
//! (`{"verify_token","app_secret","access_token","phone_number_id"}`; see
//! `wederhoor_listen::meta`).
//!
//! - `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`: the subscription handshake.
//!   The challenge is echoed as plain text when the token is the source's `verify_token`; any
//!   other token (or mode) is 403.
//! - `POST`: the body must carry `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw
//!   body)>` (constant-time check); missing or wrong → 401 and nothing stored. The documented
//!   shapes are translated to messages; unknown or malformed entries are skipped and counted in
//!   the source's health (as rejected). Messages are committed before the 200, since Meta retries
//!   anything else; a retried delivery is answered as duplicates.

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::ingest::IngestReport;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use wederhoor_core::SourceId;
use wederhoor_listen::MetaSettings;
use wederhoor_listen::meta::parse_webhook;
use wederhoor_store::{Source, StoreError};

/// Meta's signature header, `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// What a webhook delivery did: the ingest report plus the entries that were skipped.
#[derive(Debug, Serialize)]
pub struct MetaReport {
    #[serde(flatten)]
    pub report: IngestReport,
    pub skipped: usize,
}

async fn meta_source(state: &AppState, id: i64) -> Result<(Source, MetaSettings), AppError> {
    let source = state
        .store
        .source(SourceId(id))
        .await?
        .ok_or(AppError::Store(StoreError::NotFound("source")))?;
    if wederhoor_core::DeliveryKind::meta(&source.kind).is_none() {
        return Err(AppError::NotFound);
    }
    let secret = state
        .store
        .source_secret(source.id)
        .await?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::BadSignature("this source has no Meta settings".into()))?;
    let settings = MetaSettings::parse(&secret).map_err(|e| {
        tracing::warn!(source = id, error = %e, "Meta source is misconfigured");
        AppError::BadSignature("this source's Meta settings are incomplete".into())
    })?;
    Ok((source, settings))
}

/// The verification handshake.
pub async fn verify(
    State(state): State<AppState>,
    Path(source_id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<String, ApiError> {
    let (_, settings) = meta_source(&state, source_id).await?;
    let mode = query.get("hub.mode").map(String::as_str);
    let token = query.get("hub.verify_token").map(String::as_str);
    let challenge = query.get("hub.challenge");
    match (mode, token, challenge) {
        (Some("subscribe"), Some(t), Some(c))
            if constant_time_eq(t.as_bytes(), settings.verify_token.as_bytes()) =>
        {
            Ok(c.clone())
        }
        _ => Err(AppError::Forbidden.into()),
    }
}

/// Equal bytes, compared without an early exit.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A WhatsApp chat is one conversation per customer: a message that does not quote another joins
/// the customer's open conversation (or the previous message of this delivery).
async fn thread_chats(
    state: &AppState,
    source: &Source,
    messages: &mut [serde_json::Value],
) -> Result<(), AppError> {
    let mut last: HashMap<String, String> = HashMap::new();
    for m in messages.iter_mut() {
        let Some(handle) = m["author"]["handle"].as_str().map(str::to_owned) else {
            continue;
        };
        let id = m["id"].as_str().unwrap_or_default().to_owned();
        if m.get("in_reply_to").is_none() {
            let parent = match last.get(&handle) {
                Some(p) => Some(p.clone()),
                None => {
                    state
                        .store
                        .open_thread_of_author(source.id, &handle)
                        .await?
                }
            };
            if let Some(p) = parent.filter(|p| *p != id) {
                m["in_reply_to"] = serde_json::Value::String(p);
            }
        }
        last.insert(handle, id);
    }
    Ok(())
}

/// A webhook delivery.
pub async fn receive(
    State(state): State<AppState>,
    Path(source_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<MetaReport>), ApiError> {
    let (source, settings) = meta_source(&state, source_id).await?;
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::BadSignature(format!("missing {SIGNATURE_HEADER} header")))?;
    if !crate::webhook_in::signature_valid(&settings.app_secret, None, &body, signature) {
        return Err(AppError::BadSignature("signature does not match".into()).into());
    }
    if !source.enabled {
        return Err(AppError::Forbidden.into());
    }
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("body is not valid JSON: {e}")))?;
    let mut parsed = parse_webhook(&source.kind, &value);
    crate::security::check_meta_items(parsed.messages.len() + parsed.skipped)?;
    if source.kind == "whatsapp" {
        thread_chats(&state, &source, &mut parsed.messages).await?;
    }
    let rules = state.active_rules();
    let ctx = wederhoor_app::ingest::Ingest {
        store: &state.store,
        rules: &rules,
        events: &state,
        alerts: Some(&state.alerts),
        reach: &state.config.reach,
        escalations: &state.config.escalations,
    };
    let batch = wederhoor_app::ingest::Batch::Json(parsed.messages);
    let report = wederhoor_app::ingest::ingest_batch(&ctx, &source, batch).await?;
    state
        .metrics
        .rejected
        .fetch_add(parsed.skipped as u64, Ordering::Relaxed);
    if parsed.skipped > 0 {
        tracing::info!(
            source = source.id.0,
            skipped = parsed.skipped,
            "Meta webhook: unknown or malformed entries skipped"
        );
    }
    // The messages are committed; failing to note the source's health must not undo the answer.
    if let Err(e) = state
        .store
        .record_source_success(
            source.id,
            report.stored as i64,
            (report.rejected + parsed.skipped) as i64,
        )
        .await
    {
        tracing::warn!(source = source.id.0, error = %e, "could not record Meta webhook health");
    }
    Ok((
        StatusCode::OK,
        Json(MetaReport {
            report,
            skipped: parsed.skipped,
        }),
    ))
}
