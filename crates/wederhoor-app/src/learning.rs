//! Learning from the team (issue #10): the use cases of the per-installation model learned from
//! the team's kept decisions. A lead (or `wederhoor learn --from-store`) trains a new version,
//! which is kept inactive with its size and cross-validated figures; its backtest shows which
//! verdicts it would change compared with the active version; activating makes the engine weigh
//! it; a rollback activates the version that was active before.

use crate::backtest::VerdictChange;
use crate::retriage::{stored_input, triage_stored};
use crate::{Error, Result};
use serde::Serialize;
use std::sync::Arc;
use wederhoor_core::{Action, AgentId, ConversationId};
use wederhoor_store::{NewTeamModel, Store};
use wederhoor_triage::{DecisionModel, Engine};

/// At most this many of the newest decisions are learned from.
pub const MAX_DECISIONS: i64 = 50_000;
/// Stored messages a backtest compares (the newest ones).
pub const COMPARE: i64 = 5_000;
/// Changed messages a backtest lists (all are counted).
const LISTED: usize = 50;

/// What training a new version did.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    pub version: i64,
    pub decisions: usize,
    /// Balanced accuracy of the model alone, and of rules and model together, on the later
    /// decisions (time-ordered cross-validation), and the share of `review` together.
    pub holdout: f32,
    pub together: f32,
    pub review_share: f32,
    /// Verdicts of the newest stored messages it changes compared with the active version.
    pub changes: usize,
    pub compared: usize,
    /// The model's size in bytes.
    pub size: usize,
}

/// How often one verdict becomes another under a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: String,
    pub to: String,
    pub count: usize,
}

/// What a model version changes compared with the active engine, on the newest stored messages.
#[derive(Debug, Clone, Serialize)]
pub struct ModelBacktest {
    pub version: i64,
    pub compared: usize,
    pub changed: usize,
    /// From → to, most frequent first.
    pub transitions: Vec<Transition>,
    /// The first changed messages (at most fifty), newest first.
    pub changes: Vec<VerdictChange>,
}

/// The engine with the store's active learned model, if there is one and it can be read (a
/// damaged model is logged and left out: the rules alone still decide).
pub async fn with_active_model(store: &Store, engine: Engine) -> Result<Engine> {
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

/// Use case: learn a new model version from the team's kept decisions and keep it, inactive,
/// with its figures and how many verdicts of the newest stored messages it would change against
/// `active` (the engine in use). `Error::Invalid` when the decisions cannot teach a model (too
/// few, or one kind of decision only).
pub async fn train_team_model(
    store: &Store,
    active: &Engine,
    actor: Option<AgentId>,
) -> Result<TrainReport> {
    let decisions = store.decisions_for_training(MAX_DECISIONS).await?;
    let sample = store.messages_for_backtest(COMPARE).await?;
    let active = active.clone();
    let (model, compared, changes) = tokio::task::spawn_blocking(move || {
        let rules_only = active.with_model(None);
        let decided: Vec<_> = decisions
            .iter()
            .map(|d| (stored_input(&d.item), d.action))
            .collect();
        let (examples, own) = rules_only.examples(&decided);
        let model = Arc::new(DecisionModel::train(&examples, own)?);
        let with = rules_only.with_model(Some(Arc::clone(&model)));
        let changes = sample
            .iter()
            .filter(|b| {
                triage_stored(&with, &b.item).verdict.action
                    != triage_stored(&active, &b.item).verdict.action
            })
            .count();
        Ok::<_, wederhoor_triage::ModelError>((model, sample.len(), changes))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
    .map_err(|e| Error::Invalid(e.to_string()))?;
    let info = &model.info;
    let n: usize = info.trained_on.iter().map(|(_, n)| n).sum();
    let bytes = model.to_bytes();
    let metrics = serde_json::to_string(info).map_err(|e| Error::Internal(e.to_string()))?;
    let version = store
        .save_team_model(
            &NewTeamModel {
                content: &bytes,
                decisions: n as i64,
                holdout: f64::from(info.holdout_balanced_accuracy),
                changes: changes as i64,
                compared: compared as i64,
                metrics: &metrics,
            },
            actor,
        )
        .await?;
    Ok(TrainReport {
        version,
        decisions: n,
        holdout: info.holdout_balanced_accuracy,
        together: info.holdout_together,
        review_share: info.holdout_review_share,
        changes,
        compared,
        size: bytes.len(),
    })
}

/// Reads version `id` of the learned model (None: no such version).
async fn load(store: &Store, id: i64) -> Result<Option<Arc<DecisionModel>>> {
    let Some(bytes) = store.team_model_content(id).await? else {
        return Ok(None);
    };
    let model = DecisionModel::from_bytes(&bytes)
        .map_err(|e| Error::Invalid(format!("version {id}: {e}")))?;
    Ok(Some(Arc::new(model)))
}

/// Use case: what version `id` would change compared with `active` (the engine in use) on the
/// newest `limit` stored messages. None when there is no such version.
pub async fn backtest_team_model(
    store: &Store,
    active: &Engine,
    id: i64,
    limit: i64,
) -> Result<Option<ModelBacktest>> {
    let Some(model) = load(store, id).await? else {
        return Ok(None);
    };
    let items = store.messages_for_backtest(limit).await?;
    let active = active.clone();
    let candidate = active.with_model(Some(model));
    tokio::task::spawn_blocking(move || {
        let mut transitions: Vec<Transition> = Vec::new();
        let mut changes = Vec::new();
        let mut changed = 0usize;
        for b in &items {
            let old = triage_stored(&active, &b.item);
            let new = triage_stored(&candidate, &b.item);
            if old.verdict.action == new.verdict.action {
                continue;
            }
            changed += 1;
            let (from, to) = (old.verdict.action.as_str(), new.verdict.action.as_str());
            match transitions
                .iter_mut()
                .find(|t| t.from == from && t.to == to)
            {
                Some(t) => t.count += 1,
                None => transitions.push(Transition {
                    from: from.to_owned(),
                    to: to.to_owned(),
                    count: 1,
                }),
            }
            if changes.len() < LISTED {
                changes.push(VerdictChange {
                    id: b.external_id.clone(),
                    conversation: Some(b.conversation),
                    text: b.item.text.clone(),
                    old_action: from.to_owned(),
                    old_rule: old.verdict.rule.clone(),
                    new_action: to.to_owned(),
                    new_rule: new.verdict.rule.clone(),
                });
            }
        }
        transitions.sort_by(|a, b| b.count.cmp(&a.count).then(a.from.cmp(&b.from)));
        Some(ModelBacktest {
            version: id,
            compared: items.len(),
            changed,
            transitions,
            changes,
        })
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))
}

/// Use case: make version `id` the active learned model. Returns `active` with that model (for
/// the caller to put in use), or None when there is no such version. A version that cannot be
/// read is refused and the active one stays.
pub async fn activate_team_model(
    store: &Store,
    active: &Engine,
    id: i64,
    actor: Option<AgentId>,
) -> Result<Option<Engine>> {
    let Some(model) = load(store, id).await? else {
        return Ok(None);
    };
    if !store.activate_team_model(id, actor, false).await? {
        return Ok(None);
    }
    Ok(Some(active.with_model(Some(model))))
}

/// Use case: activate again the version that was active before the active one. Returns that
/// version and `active` with its model, or None when no earlier version was ever active.
pub async fn rollback_team_model(
    store: &Store,
    active: &Engine,
    actor: Option<AgentId>,
) -> Result<Option<(i64, Engine)>> {
    let Some(id) = store.previous_team_model().await? else {
        return Ok(None);
    };
    let Some(model) = load(store, id).await? else {
        return Ok(None);
    };
    if !store.activate_team_model(id, actor, true).await? {
        return Ok(None);
    }
    Ok(Some((id, active.with_model(Some(model)))))
}

/// Use case: an agent puts another verdict on a case than the engine gave (not `review`); the
/// override is kept as the team's decision and teaches the next model version. False when the
/// case already had that verdict.
pub async fn override_verdict(
    store: &Store,
    conversation: ConversationId,
    action: Action,
    actor: AgentId,
) -> Result<bool> {
    if action == Action::Review {
        return Err(Error::Invalid(
            "review is not a verdict an agent gives".into(),
        ));
    }
    Ok(store.override_verdict(conversation, action, actor).await?)
}
