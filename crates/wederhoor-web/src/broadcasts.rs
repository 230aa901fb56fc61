//! Broadcast to everyone an incident affects (`/incidenten/{id}/rondzending`, leads): the form
//! with the message, the dry run (counts per channel, who cannot be reached and why), the send,
//! and each earlier broadcast with the delivery state of every recipient. A thin handler over
//! `wederhoor_app::broadcast`.

use crate::AppState;
use crate::auth::{Auth, LEAD};
use crate::error::AppError;
use crate::i18n::text;
use crate::pages;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wederhoor_app::broadcast::{BroadcastOutcome, BroadcastRequest, DryRun, broadcast};

#[derive(Deserialize)]
pub struct BroadcastForm {
    csrf: String,
    #[serde(default)]
    text: String,
    /// `dry` (the dry run) or `send`.
    #[serde(default)]
    action: String,
}

async fn page(
    state: &AppState,
    auth: &Auth<LEAD>,
    id: i64,
    message: &str,
    plan: Option<&DryRun>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let incident = state.store.incident(id).await?.ok_or(AppError::NotFound)?;
    let broadcasts = state.store.broadcasts_of_incident(id).await?;
    let html = pages::render(
        state,
        "broadcast.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            i => &incident,
            message => if message.is_empty() { incident.reply.as_str() } else { message },
            plan => plan,
            error => error,
            broadcasts => broadcasts,
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /incidenten/{id}/rondzending`: the form and the earlier broadcasts.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    page(&state, &auth, id, "", None, None, StatusCode::OK).await
}

/// `POST /incidenten/{id}/rondzending`: the dry run (`action=dry`) or the send (`action=send`).
pub async fn act(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<BroadcastForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let send = match form.action.as_str() {
        "dry" => false,
        "send" => true,
        _ => {
            return Err(AppError::Unprocessable(
                text(auth.lang, "broadcast_action_missing").to_owned(),
            ));
        }
    };
    let rules = state.active_rules();
    let outcome = broadcast(
        &state.store,
        &rules.engine,
        &state.config.replies,
        &state,
        BroadcastRequest {
            incident: id,
            agent: auth.agent.id,
            agent_name: &auth.agent.display_name,
            text: &form.text,
            now: jiff::Timestamp::now().as_millisecond(),
        },
        send,
    )
    .await?;
    match outcome {
        BroadcastOutcome::Planned(plan) => {
            page(
                &state,
                &auth,
                id,
                &form.text,
                Some(&plan),
                None,
                StatusCode::OK,
            )
            .await
        }
        BroadcastOutcome::Queued { .. } => {
            state.outbox_wakeup.notify_one();
            Ok((
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("/incidenten/{id}/rondzending"))],
            )
                .into_response())
        }
        BroadcastOutcome::Refused(refusal) => {
            let error = Some(text(auth.lang, refusal.key()).to_owned());
            page(
                &state,
                &auth,
                id,
                &form.text,
                None,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
