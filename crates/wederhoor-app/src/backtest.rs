//! The backtest use case: which stored verdicts other rules (or a learned model) would change,
//! shown after a rules save and by `wederhoor rules test`.

use crate::retriage::triage_stored;
use crate::{Error, Result};
use serde::Serialize;
use wederhoor_core::ConversationId;
use wederhoor_store::{BacktestItem, Store};
use wederhoor_triage::Engine;

/// One message whose verdict would change under other rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictChange {
    /// The message's id at its source.
    pub id: String,
    pub conversation: Option<ConversationId>,
    pub text: String,
    pub old_action: String,
    pub old_rule: String,
    pub new_action: String,
    pub new_rule: String,
}

/// Triage `items` with `engine` and return those whose stored verdict (action or rule) differs.
pub fn backtest_items(engine: &Engine, items: &[BacktestItem]) -> Vec<VerdictChange> {
    items
        .iter()
        .filter_map(|b| {
            let m = &b.item;
            let t = triage_stored(engine, m);
            let new_action = t.verdict.action.as_str();
            (new_action != b.action || t.verdict.rule != b.rule).then(|| VerdictChange {
                id: b.external_id.clone(),
                conversation: Some(b.conversation),
                text: m.text.clone(),
                old_action: b.action.clone(),
                old_rule: b.rule.clone(),
                new_action: new_action.to_owned(),
                new_rule: t.verdict.rule.clone(),
            })
        })
        .collect()
}

/// Use case: backtest `engine` against the newest `limit` stored messages, off the async
/// threads: (changes, messages checked).
pub async fn backtest_store(
    store: &Store,
    engine: &Engine,
    limit: i64,
) -> Result<(Vec<VerdictChange>, usize)> {
    let items = store.messages_for_backtest(limit).await?;
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || {
        let changes = backtest_items(&engine, &items);
        (changes, items.len())
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))
}
