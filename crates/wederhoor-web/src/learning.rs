//! The per-installation model learned from the team's decisions (issue #10): a lead trains a new
//! version from the kept decisions; the page shows how many verdicts it changes, and the active
//! engine weighs it next to the rules from then on.

use crate::auth::{Auth, LEAD};
use crate::error::AppError;
use crate::i18n::text;
use crate::system::CsrfForm;
use crate::{ActiveRules, AppState, pages};
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use wederhoor_core::AgentId;
use wederhoor_store::Store;
use wederhoor_triage::{DecisionModel, Engine};

/// At most this many of the newest decisions are learned from.
const MAX_DECISIONS: i64 = 50_000;
/// Stored messages compared between the old and the new verdicts when a version is made.
const COMPARE: i64 = 5_000;

/// What training a new version did.
#[derive(Debug, Clone)]
pub struct TrainReport {
    pub version: i64,
    pub decisions: usize,
    pub holdout: f32,
    pub changes: usize,
    pub compared: usize,
}

/// The engine with the store's active learned model, if there is one and it can be read (a
/// damaged model is logged and left out: the rules alone still decide).
pub async fn with_active_model(store: &Store, engine: Engine) -> Result<Engine, AppError> {
    match store.active_team_model().await? {
        Some((version, bytes)) => match DecisionModel::from_bytes(&bytes) {
            Ok(m) => Ok(engine.with_model(Some(Arc::new(m)))),
            Err(e) => {
                tracing::error!(version, error = %e, "the active learned model cannot be read; the rules decide alone");
                Ok(engine.with_model(None))
            }
        },
        None => Ok(engine),
    }
}

/// Use case: learn a new model version from the team's kept decisions, measure how many stored
/// verdicts it changes, store it as the active version and use it from now on.
pub async fn train_team_model(
    state: &AppState,
    actor: Option<AgentId>,
) -> Result<TrainReport, AppError> {
    let decisions = state.store.decisions_for_training(MAX_DECISIONS).await?;
    let sample = state.store.messages_for_backtest(COMPARE).await?;
    let active = state.active_rules();
    let rules_only = active.engine.with_model(None);
    let (model, compared, changes) = tokio::task::spawn_blocking(move || {
        let decided: Vec<_> = decisions
            .iter()
            .map(|d| (crate::system::stored_input(&d.item), d.action))
            .collect();
        let (examples, own) = rules_only.examples(&decided);
        let model = Arc::new(DecisionModel::train(&examples, own)?);
        let with = rules_only.with_model(Some(Arc::clone(&model)));
        let changes = sample
            .iter()
            .filter(|b| {
                crate::system::triage_stored(&with, &b.item)
                    .verdict
                    .action
                    .as_str()
                    != b.action
            })
            .count();
        Ok::<_, wederhoor_triage::ModelError>((model, sample.len(), changes))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let n: usize = model.info.trained_on.iter().map(|(_, n)| n).sum();
    let holdout = model.info.holdout_balanced_accuracy;
    let version = state
        .store
        .save_team_model(
            &model.to_bytes(),
            n as i64,
            f64::from(holdout),
            changes as i64,
            compared as i64,
            actor,
        )
        .await?;
    let now = state.active_rules();
    state.set_rules(ActiveRules {
        engine: now.engine.with_model(Some(model)),
        version: now.version,
    });
    Ok(TrainReport {
        version,
        decisions: n,
        holdout,
        changes,
        compared,
    })
}

async fn page(
    state: &AppState,
    auth: &Auth<LEAD>,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let count = state.store.decisions_count().await?;
    let versions = state.store.team_models(20).await?;
    let html = pages::render(
        state,
        "model.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            decisions => count,
            versions => versions,
            notice => notice,
            error => error,
            min_decisions => 20,
        },
    )?;
    Ok(html.into_response())
}

/// `GET /rules/model`: the kept decisions and the model versions.
pub async fn show(State(state): State<AppState>, auth: Auth<LEAD>) -> Result<Response, AppError> {
    page(&state, &auth, None, None).await
}

/// `POST /rules/model`: train a new version now.
pub async fn train(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    // Nothing new since the active version: another version would be the same model.
    let count = state.store.decisions_count().await?;
    if let Some(last) = state.store.team_models(1).await?.first()
        && last.decisions == count
    {
        let error = text(auth.lang, "model_no_new").replace("{version}", &last.id.to_string());
        return page(&state, &auth, None, Some(error)).await;
    }
    match train_team_model(&state, Some(auth.agent.id)).await {
        Ok(r) => {
            let notice = text(auth.lang, "model_trained")
                .replace("{version}", &r.version.to_string())
                .replace("{decisions}", &r.decisions.to_string())
                .replace("{holdout}", &format!("{:.0}", r.holdout * 100.0))
                .replace("{changes}", &r.changes.to_string())
                .replace("{compared}", &r.compared.to_string());
            page(&state, &auth, Some(notice), None).await
        }
        Err(AppError::BadRequest(why)) => {
            tracing::info!(reason = %why, "no new model version");
            let error = format!(
                "{}: {}",
                text(auth.lang, "model_not_trained"),
                text(auth.lang, "model_needs").replace("{n}", "20")
            );
            page(&state, &auth, None, Some(error)).await
        }
        Err(e) => Err(e),
    }
}
