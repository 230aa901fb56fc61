//! A reply with a photo or short video (`POST /c/{id}/media`, multipart): a thin handler over
//! `wederhoor_app::reply::queue_reply_with_media`. The type is told by the file's bytes, never
//! by its name or declared type; refusals come back to the case page in words.

use crate::AppState;
use crate::auth::{AGENT, Auth};
use crate::error::AppError;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use wederhoor_app::reply::{
    MediaReplyOutcome, ReplyAttachment, ReplyOutcome, ReplyRequest, queue_reply_with_media,
};
use wederhoor_core::ConversationId;

/// Largest body of the upload: the largest video plus the form's other fields.
pub const MEDIA_BODY_BYTES: usize = 16 * 1024 * 1024;

fn back(id: ConversationId, error: Option<&str>) -> Response {
    match error {
        Some(e) => Redirect::to(&format!("/c/{id}?error={e}#media-form")).into_response(),
        None => Redirect::to(&format!("/c/{id}")).into_response(),
    }
}

/// `POST /c/{id}/media`: fields `csrf`, `text`, `description` and `file`.
pub async fn reply_with_media(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let id = ConversationId(id);
    let (mut csrf, mut text, mut description, mut file) =
        (String::new(), String::new(), String::new(), Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("multipart: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(format!("multipart field {name}: {e}")))?;
        let as_text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => csrf = as_text(),
            "text" => text = as_text(),
            "description" => description = as_text(),
            "file" => file = bytes.to_vec(),
            _ => {}
        }
    }
    auth.check_csrf(&csrf)?;
    if file.is_empty() {
        return Ok(back(id, Some("media_missing")));
    }
    let rules = state.active_rules();
    let outcome = queue_reply_with_media(
        &state.store,
        &rules.engine,
        &state.config.replies,
        &state,
        ReplyRequest {
            conversation: id,
            agent: auth.agent.id,
            agent_name: &auth.agent.display_name,
            text: &text,
            opened_at: None,
            confirmed: true,
            now: jiff::Timestamp::now().as_millisecond(),
        },
        ReplyAttachment {
            bytes: &file,
            description: &description,
        },
    )
    .await?;
    Ok(match outcome {
        MediaReplyOutcome::Reply(ReplyOutcome::Queued(_)) => {
            state
                .metrics
                .replies_queued
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            state.outbox_wakeup.notify_one();
            back(id, None)
        }
        MediaReplyOutcome::Reply(ReplyOutcome::Refused { refusal, .. }) => {
            back(id, Some(refusal.key()))
        }
        MediaReplyOutcome::MediaRefused(refusal) => back(id, Some(refusal.key())),
    })
}
