//! The per-installation model learned from the team's decisions (issue #10), for leads on
//! `/rules/model`: train a new version (kept inactive), see what it would change (its backtest
//! against the active version), activate it, or roll back to the version active before. The use
//! cases are in `wederhoor_app::learning`.

use crate::auth::{AGENT, Auth, LEAD};
use crate::error::AppError;
use crate::i18n::text;
use crate::system::{CsrfForm, see_other};
use crate::{ActiveRules, AppState, pages};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use wederhoor_app::learning;
use wederhoor_core::{Action, ConversationId};
use wederhoor_store::Store;
use wederhoor_triage::Engine;

pub use wederhoor_app::learning::TrainReport;

/// The engine with the store's active learned model (see [`learning::with_active_model`]).
pub async fn with_active_model(store: &Store, engine: Engine) -> Result<Engine, AppError> {
    Ok(learning::with_active_model(store, engine).await?)
}

/// Use case (kept here for callers of the web crate): learn a new, inactive model version.
pub async fn train_team_model(
    state: &AppState,
    actor: Option<wederhoor_core::AgentId>,
) -> Result<TrainReport, AppError> {
    let active = state.active_rules();
    Ok(learning::train_team_model(&state.store, &active.engine, actor).await?)
}

/// Puts `engine` (the active rules with another learned model) in use on this node and tells
/// the others.
fn use_engine(state: &AppState, engine: Engine) {
    let now = state.active_rules();
    state.set_rules(ActiveRules {
        engine,
        version: now.version,
    });
}

async fn page(
    state: &AppState,
    auth: &Auth<LEAD>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let count = state.store.decisions_count().await?;
    let versions = state.store.team_models(20).await?;
    let previous = state.store.previous_team_model().await?;
    let html = pages::render(
        state,
        "model.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            decisions => count,
            versions => versions,
            previous => previous,
            error => error,
            min_decisions => 20,
        },
    )?;
    Ok(html.into_response())
}

/// `GET /rules/model`: the kept decisions and the model versions.
pub async fn show(State(state): State<AppState>, auth: Auth<LEAD>) -> Result<Response, AppError> {
    page(&state, &auth, None).await
}

/// `POST /rules/model`: train a new version now (inactive; its page shows the backtest).
pub async fn train(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    // Nothing new since the newest version: another version would be the same model.
    let count = state.store.decisions_count().await?;
    if let Some(last) = state.store.team_models(1).await?.first()
        && last.decisions == count
    {
        let error = text(auth.lang, "model_no_new").replace("{version}", &last.id.to_string());
        return page(&state, &auth, Some(error)).await;
    }
    match train_team_model(&state, Some(auth.agent.id)).await {
        Ok(r) => Ok(see_other(format!("/rules/model/{}?nieuw=1", r.version))),
        Err(AppError::BadRequest(why)) => {
            tracing::info!(reason = %why, "no new model version");
            let error = format!(
                "{}: {}",
                text(auth.lang, "model_not_trained"),
                text(auth.lang, "model_needs").replace("{n}", "20")
            );
            page(&state, &auth, Some(error)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
pub struct VersionQuery {
    #[serde(default)]
    nieuw: Option<String>,
}

/// `GET /rules/model/{id}`: one version, its figures and its backtest against the active one.
pub async fn version(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<VersionQuery>,
) -> Result<Response, AppError> {
    let versions = state.store.team_models(1_000).await?;
    let Some(v) = versions.into_iter().find(|v| v.id == id) else {
        return Err(AppError::NotFound);
    };
    let metrics: serde_json::Value =
        serde_json::from_str(&v.metrics).unwrap_or(serde_json::Value::Null);
    let active = state.active_rules();
    let backtest =
        learning::backtest_team_model(&state.store, &active.engine, id, learning::COMPARE)
            .await?
            .ok_or(AppError::NotFound)?;
    let html = pages::render(
        &state,
        "model_version.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            v => &v,
            metrics => metrics,
            backtest => backtest,
            fresh => q.nieuw.is_some(),
        },
    )?;
    Ok(html.into_response())
}

/// `POST /rules/model/{id}/activate`: make this version the active one.
pub async fn activate(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let active = state.active_rules();
    let engine =
        learning::activate_team_model(&state.store, &active.engine, id, Some(auth.agent.id))
            .await?
            .ok_or(AppError::NotFound)?;
    use_engine(&state, engine);
    Ok(see_other("/rules/model"))
}

/// `POST /rules/model/rollback`: activate again the version that was active before.
pub async fn rollback(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let active = state.active_rules();
    match learning::rollback_team_model(&state.store, &active.engine, Some(auth.agent.id)).await? {
        Some((_, engine)) => {
            use_engine(&state, engine);
            Ok(see_other("/rules/model"))
        }
        None => {
            let error = text(auth.lang, "model_no_previous").to_owned();
            page(&state, &auth, Some(error)).await
        }
    }
}

#[derive(serde::Deserialize)]
pub struct OverrideForm {
    csrf: String,
    action: String,
}

/// `POST /c/{id}/oordeel`: an agent gives the case another verdict (kept as a decision).
pub async fn override_verdict(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<OverrideForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let action = form
        .action
        .parse::<Action>()
        .ok()
        .filter(|a| *a != Action::Review)
        .ok_or_else(|| AppError::Unprocessable(text(auth.lang, "decision_action").to_owned()))?;
    let conversation = ConversationId(id);
    learning::override_verdict(&state.store, conversation, action, auth.agent.id).await?;
    state.publish(crate::LiveEvent::changed(conversation, "case"));
    Ok(see_other(format!("/c/{id}")))
}
