//! The retriage use case: every stored message judged again with the active rules (after a rules
//! change: `wederhoor retriage`, or the admin button), then each conversation takes its newest
//! verdict.

use crate::Result;
use wederhoor_core::{AgentId, MessageId, Triage};
use wederhoor_store::{RetriageItem, Store};
use wederhoor_triage::{Engine, TriageInput};

/// Messages read and written per step.
const BATCH: i64 = 1000;

/// Use case: triage every stored message again with `engine`, in batches of a thousand, then let
/// each conversation take its newest verdict. Returns the message count.
pub async fn retriage_all(
    store: &Store,
    engine: &Engine,
    version: Option<i64>,
    actor: Option<AgentId>,
) -> Result<u64> {
    let mut after = 0i64;
    let mut total = 0u64;
    loop {
        let page = store.messages_for_retriage(after, BATCH).await?;
        let Some(last) = page.last() else { break };
        after = last.message.0;
        let triaged: Vec<(MessageId, Triage)> = page
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
pub fn triage_stored(engine: &Engine, m: &RetriageItem) -> Triage {
    engine.triage(&stored_input(m))
}

/// The triage input of a stored message.
pub fn stored_input(m: &RetriageItem) -> TriageInput<'_> {
    TriageInput {
        text: &m.text,
        source: Some(&m.source),
        author_handle: &m.author_handle,
        author_name: m.author_name.as_deref(),
        followers: m.followers,
        reposts: m.reposts,
        likes: m.likes,
        direct: m.direct,
    }
}
