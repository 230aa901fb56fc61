//! Drafts from a self-hosted language model (#12), off unless `[drafts]` configures one: an
//! OpenAI-compatible endpoint (`POST {base}/v1/chat/completions`) gets the case's messages with
//! their personal data masked (the triage's detector, and the customer's name and handle), and
//! the draft that comes back is masked the same way before the agent sees it in the composer.
//! An agent asks for a draft with a button; it is never sent without them.

use crate::Result;
use crate::suggest::strip_personal;
use std::time::Duration;
use wederhoor_store::ConversationSummary;
use wederhoor_triage::Engine;

/// Where drafts come from. `None` in the configuration: drafts are off.
#[derive(Debug, Clone)]
pub struct DraftsPolicy {
    /// The endpoint's base URL, without `/v1/...` (e.g. `http://127.0.0.1:11434`).
    pub base_url: String,
    pub model: String,
    pub timeout: Duration,
    /// Sent as `Authorization: Bearer …` when set (read from the environment).
    pub api_key: Option<String>,
    /// The team's name the model writes for.
    pub team_name: String,
}

/// What asking for a draft gave.
#[derive(Debug, Clone, PartialEq)]
pub enum DraftOutcome {
    /// The draft, personal data masked.
    Draft(String),
    /// No draft: the endpoint did not answer in time, answered with an error, or said nothing.
    /// (What went wrong is logged, not shown.)
    Unavailable,
}

/// The prompt's messages, personal data masked: the instruction, then the customer's messages
/// oldest first.
pub fn prompt(
    engine: &Engine,
    policy: &DraftsPolicy,
    summary: &ConversationSummary,
    messages: &[&str],
) -> serde_json::Value {
    let names = customer_names(summary);
    let language = match summary.language.as_str() {
        "nl" => "Dutch",
        "fr" => "French",
        "de" => "German",
        _ => "English",
    };
    let system = format!(
        "You write webcare replies for {team}. Write one short, friendly, personal reply in \
         {language} to the customer's messages below. Do not sign it (a signature is added). \
         Never ask for or repeat personal data (account numbers, phone numbers, addresses, \
         e-mail addresses); if details are needed, ask the customer to send a direct message.",
        team = policy.team_name,
    );
    let mut out = vec![serde_json::json!({ "role": "system", "content": system })];
    for m in messages {
        out.push(
            serde_json::json!({ "role": "user", "content": strip_personal(engine, m, &names) }),
        );
    }
    serde_json::json!({ "model": policy.model, "messages": out, "temperature": 0.3 })
}

fn customer_names(summary: &ConversationSummary) -> Vec<&str> {
    [
        summary.author_name.as_deref(),
        summary.author_handle.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Asks the endpoint for a draft reply to the case's `messages` (oldest first).
pub async fn draft(
    engine: &Engine,
    policy: &DraftsPolicy,
    summary: &ConversationSummary,
    messages: &[&str],
) -> Result<DraftOutcome> {
    let body = prompt(engine, policy, summary, messages);
    let client = reqwest::Client::builder()
        .timeout(policy.timeout)
        .build()
        .map_err(|e| crate::Error::Internal(format!("drafts client: {e}")))?;
    let url = format!(
        "{}/v1/chat/completions",
        policy.base_url.trim_end_matches('/')
    );
    let mut request = client.post(&url).json(&body);
    if let Some(key) = &policy.api_key {
        request = request.bearer_auth(key);
    }
    let answer = match request.send().await {
        Ok(r) if r.status().is_success() => r.json::<serde_json::Value>().await,
        Ok(r) => {
            tracing::warn!(status = %r.status(), "drafts: the endpoint refused");
            return Ok(DraftOutcome::Unavailable);
        }
        Err(e) => {
            tracing::warn!(error = %e, "drafts: no answer from the endpoint");
            return Ok(DraftOutcome::Unavailable);
        }
    };
    let text = match answer {
        Ok(v) => v["choices"][0]["message"]["content"]
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        Err(e) => {
            tracing::warn!(error = %e, "drafts: the answer is not JSON");
            return Ok(DraftOutcome::Unavailable);
        }
    };
    if text.is_empty() {
        return Ok(DraftOutcome::Unavailable);
    }
    let text: String = text.chars().take(4_000).collect();
    Ok(DraftOutcome::Draft(strip_personal(
        engine,
        &text,
        &customer_names(summary),
    )))
}
