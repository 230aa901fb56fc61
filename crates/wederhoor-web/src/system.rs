//! Health, metrics, static assets, the OpenAPI document and the admin page.

use crate::auth::{ADMIN, Auth, LEAD, hash_password};
use crate::error::AppError;
use crate::{AppState, pages};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use std::sync::atomic::Ordering;
use wederhoor_core::Role;
use wederhoor_store::{NewAgent, SourceHealth};

pub async fn healthz() -> &'static str {
    "ok"
}

/// `/readyz`: 200 with a JSON body as long as the store answers, listing every enabled source's
/// connector status (`ok`, `degraded` after one or more failures in a row, `unknown` when it
/// never ran). A failing source does not make the process unready: a restart cannot fix a remote
/// feed or a silent forum, and an orchestrator that pulls us out of rotation would only stop the
/// inbox too. 503 only when the store does not answer or does not take a write.
pub async fn readyz(State(state): State<AppState>) -> Response {
    // A write probe, not just a ping: a store that answers reads but cannot commit (a full
    // disk) is not ready, and is ready again as soon as a write commits.
    let listed = match state.store.probe_write().await {
        Ok(()) => state.store.sources_with_health().await,
        Err(e) => Err(e),
    };
    match listed {
        Ok(list) => {
            let sources: Vec<serde_json::Value> = list
                .iter()
                .filter(|(s, _)| s.enabled)
                .map(|(s, h)| {
                    serde_json::json!({
                        "id": s.id,
                        "name": s.name,
                        "kind": s.kind,
                        "status": source_status(h.as_ref()),
                        "consecutive_failures": h.as_ref().map_or(0, |h| h.consecutive_failures),
                        "last_success_at": h.as_ref().and_then(|h| h.last_success_at),
                        "last_error_at": h.as_ref().and_then(|h| h.last_error_at),
                    })
                })
                .collect();
            let body = serde_json::json!({ "status": "ready", "store": "ok", "sources": sources });
            (StatusCode::OK, Json(body)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "store not ready");
            let body =
                serde_json::json!({ "status": "unavailable", "store": "down", "sources": [] });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// `ok`, `degraded` (failing now) or `unknown` (never ran) for one source's health row.
fn source_status(health: Option<&SourceHealth>) -> &'static str {
    match health {
        None => "unknown",
        Some(h) if h.consecutive_failures > 0 => "degraded",
        Some(h) if h.last_success_at.is_none() => "unknown",
        Some(_) => "ok",
    }
}

/// A label value in the Prometheus text format: `\`, `"` and newlines escaped.
fn prometheus_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Prometheus text format. Not anonymous: a lead's or admin's session, or the configured
/// metrics token as `Authorization: Bearer …`.
pub async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    staff: Result<crate::auth::ApiAuth<LEAD>, crate::error::ApiError>,
) -> Response {
    if !crate::security::metrics_allowed(&state, &headers, staff.is_ok()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a metrics token or a lead's session is needed\n",
        )
            .into_response();
    }
    let m = &state.metrics;
    let mut body = format!(
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
    // Per-source numbers from the stored health (one query for all sources); without the store
    // the process counters above are still worth scraping.
    match state.store.sources_with_health().await {
        // Disabled sources are nobody's business here (their names included).
        Ok(mut list) => {
            list.retain(|(s, _)| s.enabled);
            body.push_str(&source_metrics(&list));
        }
        Err(e) => tracing::error!(error = %e, "source health for /metrics"),
    }
    // The feedback page's mail outbox: queued mail that does not leave is a problem to see.
    match state.store.mail_counts().await {
        Ok(counts) => {
            body.push_str(
                "# HELP wederhoor_mail_outbox Notification mails in the mail outbox, by state.\n\
                 # TYPE wederhoor_mail_outbox gauge\n",
            );
            for state_name in ["queued", "sent", "failed"] {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == state_name)
                    .map_or(0, |(_, n)| *n);
                body.push_str(&format!(
                    "wederhoor_mail_outbox{{state=\"{state_name}\"}} {n}\n"
                ));
            }
        }
        Err(e) => tracing::error!(error = %e, "mail outbox for /metrics"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// The per-source families, each with its HELP and TYPE once.
fn source_metrics(list: &[(wederhoor_store::Source, Option<SourceHealth>)]) -> String {
    use std::fmt::Write as _;
    type Pick = fn(&SourceHealth) -> Option<String>;
    let families: [(&str, &str, &str, Pick); 4] = [
        (
            "wederhoor_source_messages_total",
            "counter",
            "Messages a source's connector or webhook stored.",
            |h| Some(h.messages_total.to_string()),
        ),
        (
            "wederhoor_source_skipped_total",
            "counter",
            "Items a source's connector skipped (malformed or not selected).",
            |h| Some(h.skipped_total.to_string()),
        ),
        (
            "wederhoor_source_consecutive_failures",
            "gauge",
            "Failed polls of a source in a row (0 when the last one went well).",
            |h| Some(h.consecutive_failures.to_string()),
        ),
        (
            "wederhoor_source_last_success_timestamp_seconds",
            "gauge",
            "Unix time of a source's last successful poll or delivery (absent: never).",
            |h| h.last_success_at.map(|ms| (ms as f64 / 1000.0).to_string()),
        ),
    ];
    let mut out = String::new();
    let none = SourceHealth::default();
    for (name, kind, help, pick) in families {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (source, health) in list {
            if let Some(value) = pick(health.as_ref().unwrap_or(&none)) {
                let _ = writeln!(
                    out,
                    "{name}{{source=\"{}\"}} {value}",
                    prometheus_label(&source.name)
                );
            }
        }
    }
    out
}

pub async fn asset(Path(file): Path<String>) -> Response {
    let (body, mime) = match file.as_str() {
        "app.js" => (
            include_str!("../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "app.css" => (include_str!("../static/app.css"), "text/css; charset=utf-8"),
        "feedback.css" => (
            include_str!("../static/feedback.css"),
            "text/css; charset=utf-8",
        ),
        "feedback.js" => (
            include_str!("../static/feedback.js"),
            "text/javascript; charset=utf-8",
        ),
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

/// A form that carries only its CSRF token (buttons that act: close, acknowledge, retriage …).
#[derive(Deserialize)]
pub struct CsrfForm {
    pub(crate) csrf: String,
}

/// `303 See Other` to `to`: where a form post sends the browser back.
pub(crate) fn see_other(to: impl Into<String>) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.into())]).into_response()
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

pub use wederhoor_app::retriage::retriage_all;
