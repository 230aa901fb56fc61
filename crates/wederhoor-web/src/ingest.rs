//! `POST /api/v1/ingest`: messages in, per-item results out. A message is committed before the
//! response says `stored`. HTTP only: the pipeline (parse, triage, store, announce) is the ingest
//! use case in `wederhoor_app::ingest`.

use crate::AppState;
use crate::error::ApiError;
use crate::error::AppError;
use crate::live::LiveEvent;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use std::sync::atomic::Ordering;
use wederhoor_app::ingest::{Batch, Ingest, ingest_batch};
use wederhoor_store::Source;

/// Largest request body accepted anywhere (a batch of messages).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most messages in one request.
pub const MAX_BATCH: usize = 1000;

pub use wederhoor_app::ingest::{
    IngestReport, ItemResult, PreparedBatch, ingest_values, prepare_values, store_prepared,
    triage_message,
};

impl From<wederhoor_app::Error> for AppError {
    fn from(e: wederhoor_app::Error) -> AppError {
        match e {
            wederhoor_app::Error::Store(e) => AppError::Store(e),
            wederhoor_app::Error::Invalid(m) => AppError::BadRequest(m),
            wederhoor_app::Error::Internal(m) => AppError::Internal(m),
        }
    }
}

/// The use cases' announcements become live events (open pages, other nodes) and counters.
impl wederhoor_app::Events for AppState {
    fn changed(&self, conversation: wederhoor_core::ConversationId, change: wederhoor_app::Change) {
        self.publish(LiveEvent::changed(conversation, change.as_str()));
    }

    fn ingested(&self, tally: wederhoor_app::IngestTally) {
        let m = &self.metrics;
        m.ingested.fetch_add(tally.stored as u64, Ordering::Relaxed);
        m.duplicates
            .fetch_add(tally.duplicates as u64, Ordering::Relaxed);
        m.rejected
            .fetch_add(tally.rejected as u64, Ordering::Relaxed);
    }

    fn alert(&self, alert: i64) {
        self.publish(LiveEvent::changed(
            wederhoor_core::ConversationId(alert),
            "alert",
        ));
    }

    fn escalation(&self, _escalation: i64) {
        self.mail_wakeup.notify_one();
        self.webhook_wakeup.notify_one();
    }
}

pub async fn ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<IngestReport>), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(AppError::Unauthenticated)?;
    let source = state
        .store
        .source_by_token(token.trim())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    ingest_body(&state, &source, &body).await
}

/// The shared second half of `/api/v1/ingest` and the signed webhook: parses `body` (one message
/// or an array), stores it for `source` (committed before this returns), counts it and tells the
/// open pages.
pub(crate) async fn ingest_body(
    state: &AppState,
    source: &Source,
    body: &[u8],
) -> Result<(StatusCode, Json<IngestReport>), ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        AppError::BadRequest(format!(
            "body is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| AppError::BadRequest(format!("body is not valid JSON: {e}")))?;
    let (values, single) = match value {
        serde_json::Value::Array(items) => (items, false),
        obj @ serde_json::Value::Object(_) => (vec![obj], true),
        _ => {
            return Err(AppError::BadRequest(
                "body must be a message object or an array of them".into(),
            )
            .into());
        }
    };
    if values.len() > MAX_BATCH {
        return Err(AppError::TooLarge(format!(
            "{} messages; at most {MAX_BATCH} per request",
            values.len()
        ))
        .into());
    }
    let rules = state.active_rules();
    let ctx = Ingest {
        store: &state.store,
        rules: &rules,
        events: state,
        alerts: Some(&state.alerts),
        reach: &state.config.reach,
        escalations: &state.config.escalations,
    };
    let report = ingest_batch(&ctx, source, Batch::Json(values)).await?;
    // A single message that was refused is the client's error; a batch answers per item.
    if single && let Some(ItemResult::Rejected { error }) = report.results.first() {
        return Err(AppError::Unprocessable(error.clone()).into());
    }
    Ok((StatusCode::OK, Json(report)))
}
