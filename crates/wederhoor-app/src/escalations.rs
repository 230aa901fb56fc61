//! Escalations that reach a lead (issue #12): press, legal, viral and repeat contact.
//!
//! Triggers (all from [`check_stored`], called by ingest for every newly stored message, and
//! [`open_viral`] from the metrics update of a re-sent message):
//! - **press**: the triage escalated for a press rule, or the author is on the leads' watchlist;
//! - **legal**: the triage escalated with a legal or regulator reason;
//! - **repeat**: the text says the writer got in touch several times
//!   ([`wederhoor_triage::says_repeat_contact`]), or the contact (one `handle_key` across
//!   sources) wrote [`EscalationPolicy::repeat_messages`] messages on the topic within
//!   [`EscalationPolicy::repeat_days`];
//! - **viral**: reposts grew past the [`crate::ingest::ReachPolicy`].
//!
//! An escalation never changes a case's priority or place in the queue. Opening one queues, in
//! the same transaction, a mail to every configured lead address (through `mail_outbox`) and a
//! Slack/Mattermost/Teams `{"text": …}` webhook to every configured URL (through
//! `webhook_outbox`); neither carries the author's handle or unmasked personal data.

use jiff::Timestamp;
use std::collections::HashSet;
use wederhoor_core::{
    Action, AgentId, ConversationId, EscalationKind, EscalationState, Role, Triage, ValidMessage,
};
use wederhoor_listen::DeliveryError;
use wederhoor_listen::notify::{Notifier, text_payload};
use wederhoor_store::{NewEscalation, NewMail, Notification, Store, StoreError, WebhookItem};
use wederhoor_triage::{Engine, TriageInput};

/// When escalations open and whom they notify (`[escalations]` in the configuration).
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationPolicy {
    /// A contact with this many messages on one topic within `repeat_days` is a repeat contact
    /// (0: never by count).
    pub repeat_messages: i64,
    pub repeat_days: i64,
    /// Lead addresses that get a mail for every new escalation.
    pub mail_to: Vec<String>,
    /// Incoming-webhook URLs (Slack, Mattermost, Teams) that get `{"text": …}`.
    pub webhook_urls: Vec<String>,
    /// The language of the notifications: `nl` or `en`.
    pub language: String,
    /// The address staff reach Wederhoor at (links in notifications), without trailing slash.
    pub public_url: String,
}

impl Default for EscalationPolicy {
    fn default() -> EscalationPolicy {
        EscalationPolicy {
            repeat_messages: 3,
            repeat_days: 30,
            mail_to: Vec::new(),
            webhook_urls: Vec::new(),
            language: "nl".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

/// Longest snippet in a notification, in characters.
pub const SNIPPET_MAX: usize = 160;
/// Longest watchlist handle and note, in characters.
pub const HANDLE_MAX: usize = 100;
pub const NOTE_MAX: usize = 200;

/// Why input was refused; `key` names the catalogue entry that says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    HandleMissing,
    HandleBad,
    NoteTooLong,
    AlreadyWatched,
    UnknownItem,
    NotALead,
    Done,
}

impl Invalid {
    pub fn key(self) -> &'static str {
        match self {
            Invalid::HandleMissing => "watch_handle_missing",
            Invalid::HandleBad => "watch_handle_bad",
            Invalid::NoteTooLong => "watch_note_too_long",
            Invalid::AlreadyWatched => "watch_already",
            Invalid::UnknownItem => "escalation_unknown_item",
            Invalid::NotALead => "escalation_owner_not_lead",
            Invalid::Done => "escalation_done",
        }
    }
}

/// Why an escalation use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum EscalationError {
    #[error("invalid input: {}", .0.key())]
    Invalid(Invalid),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a stored message may escalate, worked out before it is stored (pure).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Kinds the message itself asks for, with the reason code.
    pub kinds: Vec<(EscalationKind, String)>,
    pub handle_key: String,
    /// The first topic of the triage (repeat contact counts messages on it).
    pub topic: Option<String>,
    /// The text with personal data masked, at most [`SNIPPET_MAX`] characters.
    pub snippet: String,
}

/// Cues in an escalate verdict's rule id (substrings) and reason (word beginnings) that say it
/// is a press matter or a legal or regulator matter. Short words match whole only.
struct Cues {
    rule: &'static [&'static str],
    prefixes: &'static [&'static str],
    words: &'static [&'static str],
}

const PRESS: Cues = Cues {
    rule: &["pers", "press"],
    prefixes: &[
        "journalist",
        "redactie",
        "persvra",
        "woordvoer",
        "press",
        "presse",
        "média",
        "media",
    ],
    words: &["pers"],
};
const LEGAL: Cues = Cues {
    rule: &["juridi", "legal", "jurist"],
    prefixes: &[
        "juridi",
        "advoca",
        "lawyer",
        "legal",
        "rechter",
        "rechtszaak",
        "toezicht",
        "regulat",
        "ombudsman",
        "avocat",
        "tribunal",
        "aansprakelijk",
        "dagvaard",
    ],
    words: &["court", "sue", "kifid", "afm", "dnb"],
};

fn has_cue(verdict: &wederhoor_core::Verdict, cues: &Cues) -> bool {
    let rule = verdict.rule.to_lowercase();
    if cues.rule.iter().any(|c| rule.contains(c)) {
        return true;
    }
    let reason = verdict.reason.to_lowercase();
    reason
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(|w| cues.words.contains(&w) || cues.prefixes.iter().any(|p| w.starts_with(p)))
}

/// What `message`, triaged as `triage`, may escalate.
pub fn candidate(message: &ValidMessage, triage: &Triage) -> Candidate {
    let mut kinds = Vec::new();
    if triage.verdict.action == Action::Escalate {
        if has_cue(&triage.verdict, &PRESS) {
            kinds.push((
                EscalationKind::Press,
                format!("rule {}", triage.verdict.rule),
            ));
        } else if has_cue(&triage.verdict, &LEGAL) {
            kinds.push((
                EscalationKind::Legal,
                format!("rule {}", triage.verdict.rule),
            ));
        }
    }
    if wederhoor_triage::says_repeat_contact(&message.text) {
        kinds.push((EscalationKind::Repeat, "text".to_owned()));
    }
    Candidate {
        kinds,
        handle_key: wederhoor_core::handle::handle_key(&message.author_handle),
        topic: triage.topics.first().cloned(),
        snippet: snippet(&wederhoor_core::pii::mask(&message.text, &triage.pii)),
    }
}

fn snippet(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= SNIPPET_MAX {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(SNIPPET_MAX - 1).collect();
    cut.push('…');
    cut
}

/// `text` with the personal data the engine finds masked, as a notification snippet.
pub fn masked_snippet(engine: &Engine, text: &str) -> String {
    let triage = engine.triage(&TriageInput {
        text,
        source: None,
        author_handle: "",
        author_name: None,
        followers: 0,
        reposts: 0,
        likes: 0,
        direct: false,
    });
    snippet(&wederhoor_core::pii::mask(text, &triage.pii))
}

fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

/// Opens the escalations a newly stored message calls for. `watched` is the watchlist's keys
/// (read once per batch). Returns the ids of the escalations opened now.
pub async fn check_stored(
    store: &Store,
    policy: &EscalationPolicy,
    watched: &HashSet<String>,
    conversation: ConversationId,
    candidate: &Candidate,
) -> Result<Vec<i64>, StoreError> {
    let mut kinds = candidate.kinds.clone();
    if !candidate.handle_key.is_empty()
        && watched.contains(&candidate.handle_key)
        && !kinds.iter().any(|(k, _)| *k == EscalationKind::Press)
    {
        kinds.push((EscalationKind::Press, "watchlist".to_owned()));
    }
    let now = now_ms();
    if policy.repeat_messages > 0
        && !candidate.handle_key.is_empty()
        && !kinds.iter().any(|(k, _)| *k == EscalationKind::Repeat)
    {
        let since = now - policy.repeat_days.max(1) * 86_400_000;
        let count = store
            .contact_messages_on_topic(conversation, candidate.topic.as_deref(), since)
            .await?;
        if count >= policy.repeat_messages {
            kinds.push((EscalationKind::Repeat, format!("count {count}")));
        }
    }
    let mut opened = Vec::new();
    for (kind, reason) in kinds {
        if let Some(id) = open(
            store,
            policy,
            conversation,
            kind,
            &reason,
            &candidate.snippet,
            now,
        )
        .await?
        {
            opened.push(id);
        }
    }
    Ok(opened)
}

/// Opens a viral escalation for a case whose reach grew past the policy (the metrics update of
/// a re-sent message).
pub async fn open_viral(
    store: &Store,
    engine: &Engine,
    policy: &EscalationPolicy,
    conversation: ConversationId,
    reposts_before: i64,
    reposts: i64,
) -> Result<Option<i64>, StoreError> {
    let text = store
        .conversation_snippet(conversation)
        .await?
        .unwrap_or_default();
    open(
        store,
        policy,
        conversation,
        EscalationKind::Viral,
        &format!("reposts {reposts_before} {reposts}"),
        &masked_snippet(engine, &text),
        now_ms(),
    )
    .await
}

/// Opens one escalation with its notifications (nothing when the case has one of this kind).
pub async fn open(
    store: &Store,
    policy: &EscalationPolicy,
    conversation: ConversationId,
    kind: EscalationKind,
    reason: &str,
    snippet: &str,
    at: i64,
) -> Result<Option<i64>, StoreError> {
    let text = notification_text(policy, conversation, kind, snippet);
    let subject = notification_subject(policy, conversation, kind);
    let key = format!("escalation:{}:{kind}", conversation.0);
    let mut notifications = Vec::new();
    for to in &policy.mail_to {
        notifications.push(Notification::Mail(NewMail {
            to: to.clone(),
            subject: subject.clone(),
            body: text.clone(),
            idempotency_key: format!("{key}:mail:{to}"),
        }));
    }
    for url in &policy.webhook_urls {
        notifications.push(Notification::Webhook {
            url: url.clone(),
            body: text_payload(&text),
            idempotency_key: format!("{key}:webhook:{url}"),
        });
    }
    let opened = store
        .open_escalation(
            &NewEscalation {
                conversation,
                kind,
                reason: reason.to_owned(),
                snippet: snippet.to_owned(),
                at,
            },
            &notifications,
        )
        .await?;
    if let Some(id) = opened {
        tracing::info!(
            escalation = id,
            conversation = conversation.0,
            kind = kind.as_str(),
            "escalation opened"
        );
    }
    Ok(opened)
}

/// The name of a kind in the notification's language.
pub fn kind_name(language: &str, kind: EscalationKind) -> &'static str {
    match (language, kind) {
        ("en", EscalationKind::Press) => "press",
        ("en", EscalationKind::Legal) => "legal",
        ("en", EscalationKind::Viral) => "viral",
        ("en", EscalationKind::Repeat) => "repeat contact",
        ("en", EscalationKind::ServiceLevel) => "service level missed",
        (_, EscalationKind::Press) => "pers",
        (_, EscalationKind::Legal) => "juridisch",
        (_, EscalationKind::Viral) => "viraal",
        (_, EscalationKind::Repeat) => "herhaald contact",
        (_, EscalationKind::ServiceLevel) => "servicenorm overschreden",
    }
}

fn notification_subject(
    policy: &EscalationPolicy,
    conversation: ConversationId,
    kind: EscalationKind,
) -> String {
    let name = kind_name(&policy.language, kind);
    match policy.language.as_str() {
        "en" => format!("Escalation ({name}): case {}", conversation.0),
        _ => format!("Escalatie ({name}): zaak {}", conversation.0),
    }
}

/// The text of the mail and the webhook: the kind, the masked snippet and the links. Never the
/// author's handle.
pub fn notification_text(
    policy: &EscalationPolicy,
    conversation: ConversationId,
    kind: EscalationKind,
    snippet: &str,
) -> String {
    let name = kind_name(&policy.language, kind);
    let base = policy.public_url.trim_end_matches('/');
    let case = conversation.0;
    match policy.language.as_str() {
        "en" => format!(
            "New escalation ({name}) for case {case}: a lead is needed.\n\
             \"{snippet}\"\nCase: {base}/c/{case}\nEscalations: {base}/escalaties"
        ),
        _ => format!(
            "Nieuwe escalatie ({name}) voor zaak {case}: een teamleider is nodig.\n\
             \"{snippet}\"\nZaak: {base}/c/{case}\nEscalaties: {base}/escalaties"
        ),
    }
}

// ----- what a lead does -----

/// Acknowledges an escalation: the lead takes it on (owner when it has none).
pub async fn acknowledge(store: &Store, id: i64, actor: AgentId) -> Result<(), EscalationError> {
    change(store, id, EscalationState::Acknowledged, Some(actor), actor).await
}

/// Makes `owner` (a lead or admin) the owner.
pub async fn assign(
    store: &Store,
    id: i64,
    owner: AgentId,
    actor: AgentId,
) -> Result<(), EscalationError> {
    let agent = store
        .agent(owner)
        .await?
        .ok_or(EscalationError::Invalid(Invalid::NotALead))?;
    if agent.disabled || !agent.role.allows(Role::Lead) {
        return Err(EscalationError::Invalid(Invalid::NotALead));
    }
    let current = store
        .escalation(id)
        .await?
        .ok_or(EscalationError::NotFound)?;
    let state = match current.state {
        EscalationState::Open => EscalationState::Acknowledged,
        s => s,
    };
    change(store, id, state, Some(owner), actor).await
}

/// Closes an escalation.
pub async fn close(store: &Store, id: i64, actor: AgentId) -> Result<(), EscalationError> {
    change(store, id, EscalationState::Done, None, actor).await
}

async fn change(
    store: &Store,
    id: i64,
    state: EscalationState,
    owner: Option<AgentId>,
    actor: AgentId,
) -> Result<(), EscalationError> {
    let current = store
        .escalation(id)
        .await?
        .ok_or(EscalationError::NotFound)?;
    if current.state == EscalationState::Done {
        return Err(EscalationError::Invalid(Invalid::Done));
    }
    if !store
        .change_escalation(id, state, owner, actor, now_ms())
        .await?
    {
        return Err(EscalationError::Invalid(Invalid::Done));
    }
    Ok(())
}

/// Ticks (or unticks) an item of the escalation's checklist.
pub async fn tick(
    store: &Store,
    id: i64,
    item: &str,
    ticked: bool,
    actor: AgentId,
) -> Result<(), EscalationError> {
    let current = store
        .escalation(id)
        .await?
        .ok_or(EscalationError::NotFound)?;
    if !current.kind.has_check(item) {
        return Err(EscalationError::Invalid(Invalid::UnknownItem));
    }
    if current.state == EscalationState::Done {
        return Err(EscalationError::Invalid(Invalid::Done));
    }
    store
        .tick_escalation(id, item, ticked, actor, now_ms())
        .await?;
    Ok(())
}

/// A watchlist handle as a lead types it, checked: `@name`, `name@server`, `name.bsky.social`.
pub fn parse_handle(handle: &str) -> Result<String, Invalid> {
    let handle = handle.trim();
    if handle.is_empty() {
        return Err(Invalid::HandleMissing);
    }
    let bare = handle.trim_start_matches('@');
    let ok = bare.chars().count() >= 2
        && handle.chars().count() <= HANDLE_MAX
        && bare
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@'))
        && !bare.starts_with(['.', '-', '@']);
    if !ok {
        return Err(Invalid::HandleBad);
    }
    Ok(handle.to_owned())
}

/// Adds a handle to the leads' watchlist.
pub async fn watch(
    store: &Store,
    handle: &str,
    note: &str,
    actor: AgentId,
) -> Result<(), EscalationError> {
    let handle = parse_handle(handle).map_err(EscalationError::Invalid)?;
    let note = note.trim();
    if note.chars().count() > NOTE_MAX {
        return Err(EscalationError::Invalid(Invalid::NoteTooLong));
    }
    let key = wederhoor_core::handle::handle_key(&handle);
    if !store
        .watch_handle(&handle, &key, note, actor, now_ms())
        .await?
    {
        return Err(EscalationError::Invalid(Invalid::AlreadyWatched));
    }
    Ok(())
}

/// Removes a handle from the watchlist.
pub async fn unwatch(store: &Store, id: i64, actor: AgentId) -> Result<(), EscalationError> {
    if !store.unwatch_handle(id, actor).await? {
        return Err(EscalationError::NotFound);
    }
    Ok(())
}

// ----- the webhook worker's round -----

/// Attempts before a webhook is marked failed.
pub const WEBHOOK_MAX_ATTEMPTS: i64 = 8;
/// How long a claimed webhook is left to this worker before another may try it.
const WEBHOOK_LEASE_MS: i64 = 15 * 60 * 1000;
const WEBHOOK_BATCH: i64 = 20;

/// The delay before the next attempt after `attempts` failed ones: 30 s · 2^attempts, at most an
/// hour.
pub fn webhook_retry_delay_ms(attempts: i64) -> i64 {
    let exponent = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    30_000i64
        .saturating_mul(2i64.saturating_pow(exponent))
        .min(3_600_000)
}

/// Sends one batch of due webhooks; `true` when the batch was full (more may be due).
pub async fn deliver_due_webhooks(store: &Store, notifier: &Notifier) -> Result<bool, StoreError> {
    let due = store
        .claim_due_webhooks(WEBHOOK_BATCH, WEBHOOK_LEASE_MS, now_ms())
        .await?;
    let full = i64::try_from(due.len()).unwrap_or(i64::MAX) >= WEBHOOK_BATCH;
    for item in due {
        deliver_one(store, notifier, &item).await?;
    }
    Ok(full)
}

async fn deliver_one(
    store: &Store,
    notifier: &Notifier,
    item: &WebhookItem,
) -> Result<(), StoreError> {
    let outcome = notifier
        .post(&item.url, &item.body, &item.idempotency_key)
        .await;
    let now = now_ms();
    match outcome {
        Ok(()) => {
            tracing::info!(webhook = item.id, "notification webhook sent");
            store.webhook_attempted(item.id, Ok(()), now).await
        }
        Err(DeliveryError::Permanent(message)) => {
            tracing::warn!(webhook = item.id, error = %message, "notification webhook failed for good");
            store
                .webhook_attempted(item.id, Err((message.as_str(), None)), now)
                .await
        }
        Err(DeliveryError::Retryable {
            message,
            retry_after,
        }) => {
            let attempts = item.attempts + 1;
            let retry_at = (attempts < WEBHOOK_MAX_ATTEMPTS).then(|| {
                let asked = retry_after
                    .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                    .unwrap_or(0);
                now + webhook_retry_delay_ms(item.attempts).max(asked.min(86_400_000))
            });
            tracing::warn!(webhook = item.id, attempts, error = %message, "notification webhook failed");
            store
                .webhook_attempted(item.id, Err((message.as_str(), retry_at)), now)
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triage(action: Action, rule: &str, reason: &str) -> Triage {
        let mut t = Engine::default_engine().triage(&TriageInput {
            text: "x",
            source: None,
            author_handle: "",
            author_name: None,
            followers: 0,
            reposts: 0,
            likes: 0,
            direct: false,
        });
        t.verdict.action = action;
        t.verdict.rule = rule.to_owned();
        t.verdict.reason = reason.to_owned();
        t
    }

    fn message(text: &str) -> ValidMessage {
        wederhoor_core::IncomingMessage {
            id: Some(serde_json::json!("1")),
            text: Some(text.into()),
            ..Default::default()
        }
        .parse(Timestamp::now())
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn escalate_verdicts_become_press_or_legal_and_others_nothing() {
        let m = message("Mijn advocaat neemt contact op");
        let legal = candidate(&m, &triage(Action::Escalate, "juridisch-escalatie", "x"));
        assert_eq!(
            legal.kinds.first().map(|k| k.0),
            Some(EscalationKind::Legal)
        );
        let press = candidate(&m, &triage(Action::Escalate, "pers-escalatie", "x"));
        assert_eq!(
            press.kinds.first().map(|k| k.0),
            Some(EscalationKind::Press)
        );
        let reach = candidate(
            &m,
            &triage(Action::Escalate, "groot-bereik-escalatie", "bereik"),
        );
        assert!(reach.kinds.is_empty());
        let respond = candidate(&m, &triage(Action::Respond, "juridisch", "advocaat"));
        assert!(respond.kinds.is_empty());
    }

    #[test]
    fn watchlist_handles_are_checked() {
        assert_eq!(parse_handle(" @Sanne_J "), Ok("@Sanne_J".to_owned()));
        assert!(parse_handle("@pers@mastodon.nl").is_ok());
        assert_eq!(parse_handle(""), Err(Invalid::HandleMissing));
        assert_eq!(parse_handle("@"), Err(Invalid::HandleBad));
        assert_eq!(parse_handle("twee woorden"), Err(Invalid::HandleBad));
        assert_eq!(parse_handle("<script>"), Err(Invalid::HandleBad));
        assert_eq!(parse_handle(&"a".repeat(101)), Err(Invalid::HandleBad));
    }

    #[test]
    fn notifications_carry_the_masked_snippet_and_links_but_no_handle() {
        let policy = EscalationPolicy {
            public_url: "https://wederhoor.example/".into(),
            ..EscalationPolicy::default()
        };
        let engine = Engine::default_engine();
        let s = masked_snippet(&engine, "Mijn rekening NL91ABNA0417164300 is leeg!");
        assert!(!s.contains("0417164300"), "{s}");
        let text = notification_text(&policy, ConversationId(7), EscalationKind::Viral, &s);
        assert!(text.contains("https://wederhoor.example/c/7"), "{text}");
        assert!(text.contains("viraal"), "{text}");
        assert!(!text.contains("0417164300"));
    }
}
