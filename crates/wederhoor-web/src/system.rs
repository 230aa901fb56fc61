//! Health, metrics, static assets, the OpenAPI document and the admin page.

use crate::auth::{ADMIN, Auth, LEAD, hash_password};
use crate::error::AppError;
use crate::{AppState, pages};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use std::sync::atomic::Ordering;
use wederhoor_core::{AgentId, MessageId, Role};
use wederhoor_store::{NewAgent, Store};
use wederhoor_triage::{Engine, TriageInput};

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "store not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable").into_response()
        }
    }
}

/// Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let m = &state.metrics;
    let body = format!(
        "# HELP wederhoor_ingest_messages_total Messages received over HTTP ingest, by result.\n\
         # TYPE wederhoor_ingest_messages_total counter\n\
         wederhoor_ingest_messages_total{{result=\"stored\"}} {}\n\
         wederhoor_ingest_messages_total{{result=\"duplicate\"}} {}\n\
         wederhoor_ingest_messages_total{{result=\"rejected\"}} {}\n\
         # HELP wederhoor_replies_queued_total Replies put in the outbox.\n\
         # TYPE wederhoor_replies_queued_total counter\n\
         wederhoor_replies_queued_total {}\n\
         # HELP wederhoor_store_queries_total SQL statements run by this process.\n\
         # TYPE wederhoor_store_queries_total counter\n\
         wederhoor_store_queries_total {}\n",
        m.ingested.load(Ordering::Relaxed),
        m.duplicates.load(Ordering::Relaxed),
        m.rejected.load(Ordering::Relaxed),
        m.replies_queued.load(Ordering::Relaxed),
        state.store.query_count(),
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, mime) = match file.as_str() {
        "app.js" => (
            include_str!("../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "app.css" => (include_str!("../static/app.css"), "text/css; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "not found").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../static/openapi.json"),
    )
        .into_response()
}

pub async fn admin(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
) -> Result<Html<String>, AppError> {
    admin_page(&state, &auth.agent, &auth.csrf, auth.lang, None).await
}

async fn admin_page(
    state: &AppState,
    auth_agent: &wederhoor_store::Agent,
    csrf: &str,
    lang: crate::i18n::Lang,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let agents = state.store.list_agents().await?;
    let rules = state.active_rules();
    pages::render(
        state,
        "admin.html",
        lang,
        minijinja::context! {
            agent => auth_agent,
            csrf => csrf,
            agents => agents,
            rules_version => rules.version,
            is_admin => auth_agent.role.allows(Role::Admin),
            roles => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            notice => notice,
        },
    )
}

#[derive(Deserialize)]
pub struct AgentForm {
    csrf: String,
    username: String,
    display_name: String,
    role: String,
    password: String,
}

pub async fn add_agent(
    State(state): State<AppState>,
    auth: Auth<ADMIN>,
    Form(form): Form<AgentForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let username = form.username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(AppError::Unprocessable(
            "username: 1–64 letters, digits, '.', '_' or '-'".into(),
        ));
    }
    if form.display_name.trim().is_empty() {
        return Err(AppError::Unprocessable(
            "display name must not be empty".into(),
        ));
    }
    if form.password.len() < 10 {
        return Err(AppError::Unprocessable(
            "password: at least 10 characters".into(),
        ));
    }
    let role = form
        .role
        .parse::<Role>()
        .map_err(|e| AppError::Unprocessable(e.to_string()))?;
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    state
        .store
        .create_agent(
            &NewAgent {
                username: username.to_owned(),
                display_name: form.display_name.trim().to_owned(),
                role,
                password_hash: hash,
            },
            Some(auth.agent.id),
        )
        .await?;
    let page = admin_page(
        &state,
        &auth.agent,
        &auth.csrf,
        auth.lang,
        Some(format!("+ {username}")),
    )
    .await?;
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn retriage(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let rules = state.active_rules();
    let n = retriage_all(
        &state.store,
        &rules.engine,
        rules.version,
        Some(auth.agent.id),
    )
    .await?;
    let notice = format!("{} {n}", crate::i18n::text(auth.lang, "retriage_done"));
    let page = admin_page(&state, &auth.agent, &auth.csrf, auth.lang, Some(notice)).await?;
    Ok(page.into_response())
}

/// Triage every stored message again with `engine` (after a rules change), in batches of a
/// thousand, then let each conversation take its newest verdict. Returns the message count.
pub async fn retriage_all(
    store: &Store,
    engine: &Engine,
    version: Option<i64>,
    actor: Option<AgentId>,
) -> Result<u64, AppError> {
    let mut after = 0i64;
    let mut total = 0u64;
    loop {
        let page = store.messages_for_retriage(after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.message.0;
        let triaged: Vec<(MessageId, wederhoor_core::Triage)> = page
            .iter()
            .map(|m| (m.message, triage_stored(engine, m)))
            .collect();
        store.update_triage_batch(&triaged, version).await?;
        total += triaged.len() as u64;
    }
    store
        .refresh_conversation_verdicts(actor.map(|a| a.0), total)
        .await?;
    Ok(total)
}

/// Triage of a message that is already stored (re-triage, backtests).
pub fn triage_stored(engine: &Engine, m: &wederhoor_store::RetriageItem) -> wederhoor_core::Triage {
    engine.triage(&TriageInput {
        text: &m.text,
        source: Some(&m.source),
        author_handle: &m.author_handle,
        author_name: m.author_name.as_deref(),
        followers: m.followers,
        reposts: m.reposts,
        likes: m.likes,
    })
}
