//! `POST /api/v1/ingest`: messages in, per-item results out. A message is committed before the
//! response says `stored`.

use crate::AppState;
use crate::error::ApiError;
use crate::error::AppError;
use crate::live::LiveEvent;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use std::sync::atomic::Ordering;
use wederhoor_core::{IncomingMessage, MessageId, Triage, ValidMessage};
use wederhoor_store::{IngestOutcome, Source, Store};
use wederhoor_triage::{Engine, TriageInput};

/// Largest request body accepted anywhere (a batch of messages).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most messages in one request.
pub const MAX_BATCH: usize = 1000;

/// What happened to one item.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ItemResult {
    Stored {
        message: MessageId,
        conversation: wederhoor_core::ConversationId,
    },
    Duplicate {
        message: MessageId,
    },
    Rejected {
        error: String,
    },
}

/// Per-item results in input order, with totals.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct IngestReport {
    pub stored: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub results: Vec<ItemResult>,
}

/// Checks, triages and stores a batch of JSON values for one source, in one transaction.
/// Bad items are reported and do not stop the others.
pub async fn ingest_values(
    store: &Store,
    engine: &Engine,
    rules_version: Option<i64>,
    source: &Source,
    values: Vec<serde_json::Value>,
) -> Result<IngestReport, AppError> {
    let prepared = prepare_values(
        engine,
        &source.name,
        wederhoor_core::is_direct_channel(&source.kind),
        values,
    );
    store_prepared(store, rules_version, source, prepared).await
}

/// A batch parsed and triaged, not stored yet (the CPU half of ingest, so an import can triage
/// the next batch while the database stores this one).
pub struct PreparedBatch {
    results: Vec<Option<ItemResult>>,
    valid: Vec<(ValidMessage, Triage)>,
    positions: Vec<usize>,
}

/// Parses and triages a batch (pure: no I/O).
pub fn prepare_values(
    engine: &Engine,
    source_name: &str,
    direct: bool,
    values: Vec<serde_json::Value>,
) -> PreparedBatch {
    let now = jiff::Timestamp::now();
    let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(values.len());
    let mut valid: Vec<(ValidMessage, Triage)> = Vec::new();
    let mut positions = Vec::new();
    for (i, value) in values.into_iter().enumerate() {
        let parsed = serde_json::from_value::<IncomingMessage>(value)
            .map_err(|e| e.to_string())
            .and_then(|m| m.parse(now).map_err(|e| e.to_string()));
        match parsed {
            Ok(m) => {
                let triage = triage_message(engine, &m, source_name, direct);
                valid.push((m, triage));
                positions.push(i);
                results.push(None);
            }
            Err(error) => results.push(Some(ItemResult::Rejected { error })),
        }
    }
    PreparedBatch {
        results,
        valid,
        positions,
    }
}

/// Stores a prepared batch in one transaction and reports per item, in order.
pub async fn store_prepared(
    store: &Store,
    rules_version: Option<i64>,
    source: &Source,
    prepared: PreparedBatch,
) -> Result<IngestReport, AppError> {
    let PreparedBatch {
        mut results,
        valid,
        positions,
    } = prepared;
    let outcomes = store.ingest_batch(source.id, &valid, rules_version).await?;
    for (pos, outcome) in positions.into_iter().zip(outcomes) {
        if let Some(slot) = results.get_mut(pos) {
            *slot = Some(match outcome {
                IngestOutcome::Stored {
                    message,
                    conversation,
                } => ItemResult::Stored {
                    message,
                    conversation,
                },
                IngestOutcome::Duplicate { message } => ItemResult::Duplicate { message },
            });
        }
    }
    let results: Vec<ItemResult> = results
        .into_iter()
        .map(|r| {
            r.unwrap_or(ItemResult::Rejected {
                error: "not processed".into(),
            })
        })
        .collect();
    let mut report = IngestReport {
        results,
        ..Default::default()
    };
    for r in &report.results {
        match r {
            ItemResult::Stored { .. } => report.stored += 1,
            ItemResult::Duplicate { .. } => report.duplicates += 1,
            ItemResult::Rejected { .. } => report.rejected += 1,
        }
    }
    Ok(report)
}

/// Triage of one checked message with its source.
pub fn triage_message(engine: &Engine, m: &ValidMessage, source: &str, direct: bool) -> Triage {
    engine.triage(&TriageInput {
        text: &m.text,
        source: Some(source),
        author_handle: &m.author_handle,
        author_name: m.author_name.as_deref(),
        followers: m.followers,
        reposts: m.reposts,
        likes: m.likes,
        direct,
    })
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
    let report = ingest_values(&state.store, &rules.engine, rules.version, source, values).await?;
    state
        .metrics
        .ingested
        .fetch_add(report.stored as u64, Ordering::Relaxed);
    state
        .metrics
        .duplicates
        .fetch_add(report.duplicates as u64, Ordering::Relaxed);
    state
        .metrics
        .rejected
        .fetch_add(report.rejected as u64, Ordering::Relaxed);
    let mut announced = std::collections::HashSet::new();
    for r in &report.results {
        if let ItemResult::Stored { conversation, .. } = r
            && announced.insert(*conversation)
        {
            state.publish(LiveEvent::changed(*conversation, "message"));
        }
    }
    // A single message that was refused is the client's error; a batch answers per item.
    if single && let Some(ItemResult::Rejected { error }) = report.results.first() {
        return Err(AppError::Unprocessable(error.clone()).into());
    }
    Ok((StatusCode::OK, Json(report)))
}
