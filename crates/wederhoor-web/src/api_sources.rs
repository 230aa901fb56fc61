//! `GET/POST /api/v1/sources`, `PUT /api/v1/sources/{id}`: the source registry as JSON, for
//! scripts and configuration management. Session cookie plus the CSRF token in `x-csrf-token`
//! for changes; leads read, admins change. Tokens and secrets never leave through this API
//! (except a new source's ingest token, once, in the creation answer).

use crate::AppState;
use crate::auth::{ADMIN, ApiAuth, LEAD};
use crate::error::{ApiError, AppError};
use crate::i18n::Lang;
use crate::sources::SourceSpec;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use wederhoor_core::{DeliveryKind, SourceId};
use wederhoor_store::{NewSource, Source, SourceHealth};

fn source_json(s: &Source, h: Option<&SourceHealth>) -> Value {
    json!({
        "id": s.id,
        "name": s.name,
        "kind": s.kind,
        "url": s.url,
        "listening_query": s.listening_query,
        "poll_interval_secs": s.poll_interval_secs,
        "retention_days": s.retention_days,
        "enabled": s.enabled,
        "owned": s.owned,
        "delivery": s.delivery_kind,
        "created_at": s.created_at,
        "health": h.map(|h| json!({
            "last_success_at": h.last_success_at,
            "last_error_at": h.last_error_at,
            "last_error": h.last_error,
            "consecutive_failures": h.consecutive_failures,
            "messages_total": h.messages_total,
            "skipped_total": h.skipped_total,
        })),
    })
}

fn check_csrf<const MIN: u8>(auth: &ApiAuth<MIN>, headers: &HeaderMap) -> Result<(), AppError> {
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    auth.0.check_csrf(token)
}

pub async fn list(
    State(state): State<AppState>,
    _auth: ApiAuth<LEAD>,
) -> Result<Json<Value>, ApiError> {
    let rows = state.store.sources_with_health().await?;
    let sources: Vec<Value> = rows
        .iter()
        .map(|(s, h)| source_json(s, h.as_ref()))
        .collect();
    Ok(Json(json!({ "sources": sources })))
}

pub async fn create(
    State(state): State<AppState>,
    auth: ApiAuth<ADMIN>,
    headers: HeaderMap,
    Json(spec): Json<SourceSpec>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_csrf(&auth, &headers)?;
    let settings = spec.validate(Lang::En).map_err(AppError::Unprocessable)?;
    let (source, token) = state
        .store
        .create_source(&NewSource {
            kind: settings.kind.clone(),
            name: settings.name.clone(),
            delivery_kind: DeliveryKind::Manual,
            delivery_url: None,
            delivery_secret: None,
        })
        .await?;
    state
        .store
        .update_source_settings(source.id, &settings, Some(auth.0.agent.id))
        .await?;
    let stored = state
        .store
        .source(source.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut body = source_json(&stored, None);
    body["ingest_token"] = Value::String(token);
    Ok((StatusCode::CREATED, Json(body)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: ApiAuth<ADMIN>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(spec): Json<SourceSpec>,
) -> Result<Json<Value>, ApiError> {
    check_csrf(&auth, &headers)?;
    let settings = spec.validate(Lang::En).map_err(AppError::Unprocessable)?;
    state
        .store
        .update_source_settings(SourceId(id), &settings, Some(auth.0.agent.id))
        .await?;
    let stored = state
        .store
        .source(SourceId(id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(source_json(&stored, None)))
}

/// `POST /api/v1/sources/{id}/token`: a new ingest token (in the answer, once); the old one
/// stops working at once.
pub async fn rotate_token(
    State(state): State<AppState>,
    auth: ApiAuth<ADMIN>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    check_csrf(&auth, &headers)?;
    let token = state
        .store
        .rotate_source_token(SourceId(id), Some(auth.0.agent.id))
        .await?;
    Ok(Json(json!({ "id": id, "ingest_token": token })))
}

/// `DELETE /api/v1/sources/{id}`: removes a source without messages, retires (disables and
/// hides) one with messages; the answer says which (`"removed"` or `"retired"`).
pub async fn delete(
    State(state): State<AppState>,
    auth: ApiAuth<ADMIN>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    check_csrf(&auth, &headers)?;
    let outcome = state
        .store
        .delete_source(SourceId(id), Some(auth.0.agent.id))
        .await?;
    Ok(Json(json!({ "id": id, "outcome": outcome })))
}
