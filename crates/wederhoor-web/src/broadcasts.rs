//! Broadcast to everyone an incident affects (`/incidenten/{id}/rondzending`, leads) or a fixed
//! structural issue affects (`/structureel/{id}/rondzending`): the form with the message, the dry
//! run (counts per channel, who cannot be reached and why), the send, and each earlier broadcast
//! with the delivery state of every recipient. Thin handlers over `wederhoor_app::broadcast`.

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
use wederhoor_core::StructuralState;
use wederhoor_store::BroadcastSubject;

#[derive(Deserialize)]
pub struct BroadcastForm {
    csrf: String,
    #[serde(default)]
    text: String,
    /// `dry` (the dry run) or `send`.
    #[serde(default)]
    action: String,
}

/// What the broadcast page says about its subject: the title and way back, whether a broadcast
/// may go now, and the text the form starts from.
struct Subject {
    title: String,
    back: String,
    back_label: &'static str,
    action: String,
    open: bool,
    default_text: String,
}

async fn subject_of(
    state: &AppState,
    auth: &Auth<LEAD>,
    subject: BroadcastSubject,
) -> Result<Subject, AppError> {
    Ok(match subject {
        BroadcastSubject::Incident(id) => {
            let i = state.store.incident(id).await?.ok_or(AppError::NotFound)?;
            Subject {
                title: i.title,
                back: format!("/incidenten/{id}"),
                back_label: text(auth.lang, "incident_label"),
                action: format!("/incidenten/{id}/rondzending"),
                open: i.state == "open",
                default_text: i.reply,
            }
        }
        BroadcastSubject::StructuralIssue(id) => {
            let i = state
                .store
                .structural_issue(id)
                .await?
                .ok_or(AppError::NotFound)?;
            Subject {
                title: i.title,
                back: format!("/structureel/{id}"),
                back_label: text(auth.lang, "structural_label"),
                action: format!("/structureel/{id}/rondzending"),
                open: i.state == StructuralState::Fixed,
                default_text: i.resolution,
            }
        }
    })
}

async fn page(
    state: &AppState,
    auth: &Auth<LEAD>,
    subject: BroadcastSubject,
    message: &str,
    plan: Option<&DryRun>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let s = subject_of(state, auth, subject).await?;
    let broadcasts = state.store.broadcasts_of(subject).await?;
    let html = pages::render(
        state,
        "broadcast.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            subject_title => &s.title,
            back => &s.back,
            back_label => s.back_label,
            action => &s.action,
            open => s.open,
            not_fixed => matches!(subject, BroadcastSubject::StructuralIssue(_)) && !s.open,
            message => if message.is_empty() { s.default_text.as_str() } else { message },
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
    let subject = BroadcastSubject::Incident(id);
    page(&state, &auth, subject, "", None, None, StatusCode::OK).await
}

/// `POST /incidenten/{id}/rondzending`: the dry run (`action=dry`) or the send (`action=send`).
pub async fn act(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<BroadcastForm>,
) -> Result<Response, AppError> {
    act_on(state, auth, BroadcastSubject::Incident(id), form).await
}

/// `GET /structureel/{id}/rondzending`: the form (once the issue is fixed) and the earlier
/// broadcasts.
pub async fn show_structural(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let subject = BroadcastSubject::StructuralIssue(id);
    page(&state, &auth, subject, "", None, None, StatusCode::OK).await
}

/// `POST /structureel/{id}/rondzending`: the dry run or the send to everyone the fixed issue
/// affects.
pub async fn act_structural(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<BroadcastForm>,
) -> Result<Response, AppError> {
    act_on(state, auth, BroadcastSubject::StructuralIssue(id), form).await
}

async fn act_on(
    state: AppState,
    auth: Auth<LEAD>,
    subject: BroadcastSubject,
    form: BroadcastForm,
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
            subject,
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
                subject,
                &form.text,
                Some(&plan),
                None,
                StatusCode::OK,
            )
            .await
        }
        BroadcastOutcome::Queued { .. } => {
            state.outbox_wakeup.notify_one();
            let back = subject_of(&state, &auth, subject).await?.action;
            Ok((StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response())
        }
        BroadcastOutcome::Refused(refusal) => {
            let error = Some(text(auth.lang, refusal.key()).to_owned());
            page(
                &state,
                &auth,
                subject,
                &form.text,
                None,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
