//! The ingest use case: messages in (JSON from the API, a webhook or a file; or parsed by a
//! connector), checked, triaged with the active rules, stored in one transaction (with the
//! connector's checkpoint), counted and announced. Every way in — `POST /api/v1/ingest`, the
//! signed webhook, `wederhoor import`, every listening connector — runs this one pipeline:
//!
//! ```text
//! parse (prepare_values) → triage (triage_message) → store (store_prepared) → announce (Events)
//! ```
//!
//! Invariant: a message is committed before the report says `stored`; a message already stored
//! for its source (same external id) is a `duplicate`, never a second row.

use crate::escalations::{self, Candidate, EscalationPolicy};
use crate::events::{Change, Events, IngestTally};
use crate::live_alerts::{FeedItem, LiveAlerts};
use crate::{ActiveRules, Result};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, RwLock};
use wederhoor_core::{ConversationId, IncomingMessage, MessageId, Triage, ValidMessage};
use wederhoor_listen::{Sink, SinkError, SinkReport};
use wederhoor_store::{BatchExtras, IngestOutcome, MetricsChange, NewAttachment, Source, Store};
use wederhoor_triage::{Engine, TriageInput};

/// What happened to one item.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ItemResult {
    Stored {
        message: MessageId,
        conversation: ConversationId,
    },
    Duplicate {
        message: MessageId,
    },
    /// Already stored, sent again with more reposts or likes: the stored metrics were raised
    /// (and the case flagged for a lead when the reach grew past the policy's threshold).
    Updated {
        message: MessageId,
        conversation: ConversationId,
        reposts: i64,
        likes: i64,
        flagged: bool,
    },
    Rejected {
        error: String,
    },
}

/// Per-item results in input order, with totals.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct IngestReport {
    pub stored: usize,
    pub duplicates: usize,
    /// Duplicates whose metrics grew (counted in `duplicates` too).
    pub updated: usize,
    pub rejected: usize,
    pub results: Vec<ItemResult>,
}

impl IngestReport {
    pub fn tally(&self) -> IngestTally {
        IngestTally {
            stored: self.stored,
            duplicates: self.duplicates,
            rejected: self.rejected,
        }
    }

    /// The conversations that received a new message, each once, in order of first mention.
    pub fn changed_conversations(&self) -> Vec<ConversationId> {
        let mut seen = BTreeSet::new();
        self.results
            .iter()
            .filter_map(|r| match r {
                ItemResult::Stored { conversation, .. }
                | ItemResult::Updated { conversation, .. }
                    if seen.insert(*conversation) =>
                {
                    Some(*conversation)
                }
                _ => None,
            })
            .collect()
    }
}

/// What arrives for one source.
#[derive(Debug, Clone)]
pub enum Batch {
    /// Message objects as the API, a webhook or a file bring them: each is checked here, and a
    /// bad one is reported (`rejected`) without stopping the others.
    Json(Vec<serde_json::Value>),
    /// Messages a connector has already checked, with what it stores alongside (checkpoint,
    /// listening query, attachments) in the same transaction.
    Checked {
        messages: Vec<ValidMessage>,
        extras: BatchExtras,
    },
}

/// What the ingest use case works with.
pub struct Ingest<'a> {
    pub store: &'a Store,
    pub rules: &'a ActiveRules,
    pub events: &'a dyn Events,
    /// The process's live burst detector; `None`: no detection (tests, the demo loader).
    pub alerts: Option<&'a LiveAlerts>,
    /// When growing reach flags a case for a lead.
    pub reach: &'a ReachPolicy,
    /// When a stored message or growing reach opens an escalation, and whom it notifies.
    pub escalations: &'a EscalationPolicy,
}

/// When a re-sent message's reach brings a lead in. Reach never moves a case in the queue
/// (equal treatment); it only flags the case.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReachPolicy {
    /// Flag when the reposts reach this many (0: never by count alone).
    pub flag_reposts: i64,
    /// Flag when the reposts reach this many times the author's usual (the mean of their other
    /// messages, at least 1) and at least [`ReachPolicy::GROWTH_FLOOR`] (0: never by growth).
    pub flag_growth_factor: f64,
}

impl ReachPolicy {
    /// Growth relative to the author's usual counts from this many reposts on, so a handful of
    /// reposts of a quiet author does not call a lead.
    pub const GROWTH_FLOOR: i64 = 50;

    /// Whether grown metrics flag the case.
    pub fn flags(&self, change: &MetricsChange) -> bool {
        if change.reposts <= change.reposts_before {
            return false;
        }
        let absolute = self.flag_reposts > 0 && change.reposts >= self.flag_reposts;
        let usual = change.author_usual_reposts.max(1.0);
        let relative = self.flag_growth_factor > 0.0
            && change.reposts >= Self::GROWTH_FLOOR
            && change.reposts as f64 >= self.flag_growth_factor * usual;
        absolute || relative
    }
}

impl Default for ReachPolicy {
    fn default() -> ReachPolicy {
        ReachPolicy {
            flag_reposts: 1_000,
            flag_growth_factor: 20.0,
        }
    }
}

/// Use case: check, triage, store (one transaction) and announce a batch for `source`.
/// Returns per item what happened, in input order.
pub async fn ingest_batch(ctx: &Ingest<'_>, source: &Source, batch: Batch) -> Result<IngestReport> {
    let direct = wederhoor_core::is_direct_channel(&source.kind);
    let (prepared, extras) = match batch {
        Batch::Json(values) => (
            prepare_values(&ctx.rules.engine, &source.name, direct, values),
            BatchExtras::default(),
        ),
        Batch::Checked { messages, extras } => (
            prepare_checked(&ctx.rules.engine, &source.name, direct, messages),
            extras,
        ),
    };
    let pending = ctx.alerts.map(|_| prepared.pending_feed());
    // What each message says about its reach, by position (a duplicate may bring more).
    let metrics: Vec<(usize, i64, i64)> = prepared
        .positions
        .iter()
        .zip(&prepared.valid)
        .filter(|(_, (m, _))| m.reposts > 0 || m.likes > 0)
        .map(|(pos, (m, _))| (*pos, m.reposts, m.likes))
        .collect();
    // What each message may escalate, by position (pure; opened once the message is stored).
    let candidates: Vec<(usize, Candidate)> = prepared
        .positions
        .iter()
        .zip(&prepared.valid)
        .map(|(pos, (m, t))| (*pos, escalations::candidate(m, t)))
        .collect();
    let mut report =
        store_prepared_with(ctx.store, ctx.rules.version, source, prepared, &extras).await?;
    update_metrics(ctx, source, &metrics, &mut report).await?;
    open_escalations(ctx, &candidates, &report).await;
    announce(ctx.events, &report);
    if let (Some(alerts), Some(pending)) = (ctx.alerts, pending) {
        feed_stored(alerts, ctx.store, ctx.events, &report, pending).await;
    }
    Ok(report)
}

/// Feeds the messages a batch stored to the live burst detector. A failure there is logged and
/// does not undo or fail the ingest: the messages are stored, and the next start rebuilds the
/// detector from them.
pub async fn feed_stored(
    alerts: &LiveAlerts,
    store: &Store,
    events: &dyn Events,
    report: &IngestReport,
    pending: PendingFeed,
) {
    feed_items(alerts, store, events, pending.items(report)).await;
}

/// Feeds stored messages (see [`PendingFeed::items`]) to the burst detector; a failure to store
/// an alert is logged, never lost ingest.
pub async fn feed_items(
    alerts: &LiveAlerts,
    store: &Store,
    events: &dyn Events,
    items: Vec<FeedItem>,
) {
    if let Err(e) = alerts.feed(store, events, items).await {
        tracing::warn!(error = %e, "the burst detector could not store an alert");
    }
}

/// What the burst detector needs of a prepared batch, kept until the batch is stored.
pub struct PendingFeed(Vec<(usize, FeedItem)>);

impl PendingFeed {
    /// The items whose message was stored now (not duplicates or rejected ones), with their ids.
    pub fn items(self, report: &IngestReport) -> Vec<FeedItem> {
        self.0
            .into_iter()
            .filter_map(|(pos, mut item)| match report.results.get(pos) {
                Some(ItemResult::Stored { message, .. }) => {
                    item.message = message.0;
                    Some(item)
                }
                _ => None,
            })
            .collect()
    }
}

/// Opens the escalations the newly stored messages call for. A failure is logged and does not
/// fail the ingest: the messages are stored.
async fn open_escalations(
    ctx: &Ingest<'_>,
    candidates: &[(usize, Candidate)],
    report: &IngestReport,
) {
    let stored: Vec<(ConversationId, &Candidate)> = candidates
        .iter()
        .filter_map(|(pos, candidate)| match report.results.get(*pos) {
            Some(ItemResult::Stored { conversation, .. }) => Some((*conversation, candidate)),
            _ => None,
        })
        .collect();
    if stored.is_empty() {
        return;
    }
    // The watchlist is read once per batch.
    let watched: HashSet<String> = match ctx.store.watchlist().await {
        Ok(list) => list.into_iter().map(|w| w.handle_key).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "the watchlist could not be read");
            HashSet::new()
        }
    };
    for (conversation, candidate) in stored {
        let conversation = &conversation;
        let opened = escalations::check_stored(
            ctx.store,
            ctx.escalations,
            &watched,
            *conversation,
            candidate,
        )
        .await;
        match opened {
            Ok(ids) if !ids.is_empty() => {
                for id in ids {
                    ctx.events.escalation(id);
                }
                ctx.events.changed(*conversation, Change::Message);
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, conversation = conversation.0, "an escalation could not be opened")
            }
        }
    }
}

/// Duplicates that arrive with more reposts or likes raise the stored metrics; growth past the
/// reach policy flags the case for a lead (one entry in its history, no change of priority).
async fn update_metrics(
    ctx: &Ingest<'_>,
    source: &Source,
    metrics: &[(usize, i64, i64)],
    report: &mut IngestReport,
) -> Result<()> {
    for &(pos, reposts, likes) in metrics {
        let Some(ItemResult::Duplicate { message }) = report.results.get(pos).cloned() else {
            continue;
        };
        let Some(change) = ctx
            .store
            .update_message_metrics(source.id, message, reposts, likes)
            .await?
        else {
            continue;
        };
        let viral = ctx.reach.flags(&change);
        if viral
            && let Some(id) = escalations::open_viral(
                ctx.store,
                &ctx.rules.engine,
                ctx.escalations,
                change.conversation,
                change.reposts_before,
                change.reposts,
            )
            .await?
        {
            ctx.events.escalation(id);
        }
        let flagged = viral
            && ctx
                .store
                .flag_for_lead(
                    change.conversation,
                    &format!("viral {} {}", change.reposts_before, change.reposts),
                )
                .await?;
        if flagged {
            tracing::info!(
                conversation = change.conversation.0,
                reposts_before = change.reposts_before,
                reposts = change.reposts,
                "case flagged for a lead: reach grew"
            );
        }
        if let Some(slot) = report.results.get_mut(pos) {
            *slot = ItemResult::Updated {
                message,
                conversation: change.conversation,
                reposts: change.reposts,
                likes: change.likes,
                flagged,
            };
            report.updated += 1;
        }
    }
    Ok(())
}

/// Counts a stored batch and tells who listens which conversations changed.
pub fn announce(events: &dyn Events, report: &IngestReport) {
    events.ingested(report.tally());
    for conversation in report.changed_conversations() {
        events.changed(conversation, Change::Message);
    }
}

/// [`ingest_batch`] of JSON values without announcing (the demo loader, tests).
pub async fn ingest_values(
    store: &Store,
    engine: &Engine,
    rules_version: Option<i64>,
    source: &Source,
    values: Vec<serde_json::Value>,
) -> Result<IngestReport> {
    let prepared = prepare_values(
        engine,
        &source.name,
        wederhoor_core::is_direct_channel(&source.kind),
        values,
    );
    store_prepared(store, rules_version, source, prepared).await
}

/// A batch parsed and triaged, not stored yet (the CPU half of ingest, so an import can triage
/// the next batch while the database stores this one).
pub struct PreparedBatch {
    results: Vec<Option<ItemResult>>,
    valid: Vec<(ValidMessage, Triage)>,
    positions: Vec<usize>,
    /// Each valid message's search terms (stemmed here, on the triage cores).
    search_terms: Vec<String>,
}

/// The search terms of each message (`wederhoor_store::message_terms`).
fn search_terms_of(valid: &[(ValidMessage, Triage)]) -> Vec<String> {
    valid
        .iter()
        .map(|(m, _)| {
            wederhoor_store::message_terms(
                &m.text,
                Some(m.author_handle.as_str()),
                m.author_name.as_deref(),
            )
        })
        .collect()
}

impl PreparedBatch {
    /// The detector's view of every valid message (ids are filled in once stored).
    pub fn pending_feed(&self) -> PendingFeed {
        // Older messages (an import of history) are not part of a wave now; they are only
        // matched against open incidents, which a later start or an agent's view does not need.
        let oldest =
            (jiff::Timestamp::now().as_second() - crate::live_alerts::LOOKBACK_SECS) * 1000;
        PendingFeed(
            self.valid
                .iter()
                .zip(&self.positions)
                .filter(|((m, _), _)| m.created_at.as_millisecond() >= oldest)
                .map(|((m, t), &pos)| {
                    let item = FeedItem::new(
                        0,
                        m.created_at.as_millisecond(),
                        &m.author_handle,
                        &m.text,
                        t,
                    );
                    (pos, item)
                })
                .collect(),
        )
    }
}

/// Parses and triages a batch (pure: no I/O).
pub fn prepare_values(
    engine: &Engine,
    source_name: &str,
    direct: bool,
    values: Vec<serde_json::Value>,
) -> PreparedBatch {
    let now = jiff::Timestamp::now();
    let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(values.len());
    let mut valid: Vec<(ValidMessage, Triage)> = Vec::new();
    let mut positions = Vec::new();
    for (i, value) in values.into_iter().enumerate() {
        let parsed = serde_json::from_value::<IncomingMessage>(value)
            .map_err(|e| e.to_string())
            .and_then(|m| m.parse(now).map_err(|e| e.to_string()));
        match parsed {
            Ok(m) => {
                let triage = triage_message(engine, &m, source_name, direct);
                valid.push((m, triage));
                positions.push(i);
                results.push(None);
            }
            Err(error) => results.push(Some(ItemResult::Rejected { error })),
        }
    }
    PreparedBatch {
        search_terms: search_terms_of(&valid),
        results,
        valid,
        positions,
    }
}

/// Triages messages that are already checked (pure: no I/O).
pub fn prepare_checked(
    engine: &Engine,
    source_name: &str,
    direct: bool,
    messages: Vec<ValidMessage>,
) -> PreparedBatch {
    let n = messages.len();
    let valid: Vec<(ValidMessage, Triage)> = messages
        .into_iter()
        .map(|m| {
            let triage = triage_message(engine, &m, source_name, direct);
            (m, triage)
        })
        .collect();
    PreparedBatch {
        results: vec![None; n],
        search_terms: search_terms_of(&valid),
        valid,
        positions: (0..n).collect(),
    }
}

/// Stores a prepared batch in one transaction and reports per item, in order.
pub async fn store_prepared(
    store: &Store,
    rules_version: Option<i64>,
    source: &Source,
    prepared: PreparedBatch,
) -> Result<IngestReport> {
    store_prepared_with(
        store,
        rules_version,
        source,
        prepared,
        &BatchExtras::default(),
    )
    .await
}

/// [`store_prepared`] with a connector's checkpoint, query and attachments in the same
/// transaction.
pub async fn store_prepared_with(
    store: &Store,
    rules_version: Option<i64>,
    source: &Source,
    prepared: PreparedBatch,
    extras: &BatchExtras,
) -> Result<IngestReport> {
    let PreparedBatch {
        mut results,
        valid,
        positions,
        search_terms,
    } = prepared;
    let outcomes = store
        .ingest_batch_with_terms(
            source.id,
            &valid,
            Some(&search_terms),
            rules_version,
            extras,
        )
        .await?;
    for (pos, outcome) in positions.into_iter().zip(outcomes) {
        if let Some(slot) = results.get_mut(pos) {
            *slot = Some(match outcome {
                IngestOutcome::Stored {
                    message,
                    conversation,
                } => ItemResult::Stored {
                    message,
                    conversation,
                },
                IngestOutcome::Duplicate { message } => ItemResult::Duplicate { message },
            });
        }
    }
    let results: Vec<ItemResult> = results
        .into_iter()
        .map(|r| {
            r.unwrap_or(ItemResult::Rejected {
                error: "not processed".into(),
            })
        })
        .collect();
    let mut report = IngestReport {
        results,
        ..Default::default()
    };
    for r in &report.results {
        match r {
            ItemResult::Stored { .. } => report.stored += 1,
            ItemResult::Duplicate { .. } | ItemResult::Updated { .. } => report.duplicates += 1,
            ItemResult::Rejected { .. } => report.rejected += 1,
        }
    }
    Ok(report)
}

/// Triage of one checked message with its source.
pub fn triage_message(engine: &Engine, m: &ValidMessage, source: &str, direct: bool) -> Triage {
    engine.triage(&TriageInput {
        text: &m.text,
        source: Some(source),
        author_handle: &m.author_handle,
        author_name: m.author_name.as_deref(),
        followers: m.followers,
        reposts: m.reposts,
        likes: m.likes,
        direct,
    })
}

/// Use case: its author edited a message on the platform; the stored text is replaced and
/// triaged again with the active rules. True when a stored message changed.
pub async fn edit_message(
    ctx: &Ingest<'_>,
    source: &Source,
    message: &ValidMessage,
) -> Result<bool> {
    let triage = triage_message(
        &ctx.rules.engine,
        message,
        &source.name,
        wederhoor_core::is_direct_channel(&source.kind),
    );
    let changed = ctx
        .store
        .edit_message(
            source.id,
            &message.external_id,
            &message.text,
            &triage,
            ctx.rules.version,
        )
        .await?;
    if let Some((_, conversation)) = changed {
        ctx.events.changed(conversation, Change::Message);
    }
    Ok(changed.is_some())
}

/// Use case: its author deleted a message on the platform; the stored one is marked deleted.
pub async fn delete_message(
    store: &Store,
    events: &dyn Events,
    source: &Source,
    external_id: &str,
) -> Result<bool> {
    let changed = store.mark_message_deleted(source.id, external_id).await?;
    if let Some((_, conversation)) = changed {
        events.changed(conversation, Change::Message);
    }
    Ok(changed.is_some())
}

/// The listening connectors' [`Sink`]: what a connector read goes through [`ingest_batch`]
/// with the rules active at that moment (`rules` is the node's shared, swappable value).
#[derive(Clone)]
pub struct ConnectorSink {
    store: Store,
    rules: Arc<RwLock<ActiveRules>>,
    events: Arc<dyn Events>,
    alerts: Option<Arc<LiveAlerts>>,
    reach: ReachPolicy,
    escalations: EscalationPolicy,
}

impl ConnectorSink {
    pub fn new(
        store: Store,
        rules: Arc<RwLock<ActiveRules>>,
        events: Arc<dyn Events>,
    ) -> ConnectorSink {
        ConnectorSink {
            store,
            rules,
            events,
            alerts: None,
            reach: ReachPolicy::default(),
            escalations: EscalationPolicy::default(),
        }
    }

    /// The same sink with another escalation policy (`[escalations]` of the configuration).
    pub fn with_escalations(mut self, escalations: EscalationPolicy) -> ConnectorSink {
        self.escalations = escalations;
        self
    }

    /// Feeds what the connectors store to the process's live burst detector.
    pub fn with_alerts(mut self, alerts: Arc<LiveAlerts>) -> ConnectorSink {
        self.alerts = Some(alerts);
        self
    }

    /// The same sink with another reach policy (`[reach]` of the configuration).
    pub fn with_reach(mut self, reach: ReachPolicy) -> ConnectorSink {
        self.reach = reach;
        self
    }

    fn rules(&self) -> ActiveRules {
        match self.rules.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    async fn checked(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        extras: BatchExtras,
    ) -> Result<SinkReport, SinkError> {
        let rules = self.rules();
        let ctx = Ingest {
            store: &self.store,
            rules: &rules,
            events: self.events.as_ref(),
            alerts: self.alerts.as_deref(),
            reach: &self.reach,
            escalations: &self.escalations,
        };
        let report = ingest_batch(&ctx, source, Batch::Checked { messages, extras })
            .await
            .map_err(|e| SinkError(e.to_string()))?;
        Ok(SinkReport {
            stored: report.stored,
            duplicates: report.duplicates,
        })
    }
}

impl Sink for ConnectorSink {
    async fn store(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        matched_query: Option<String>,
    ) -> Result<SinkReport, SinkError> {
        let extras = BatchExtras {
            checkpoint,
            matched_query,
            attachments: Vec::new(),
        };
        self.checked(source, messages, extras).await
    }

    async fn store_with_attachments(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        attachments: Vec<NewAttachment>,
    ) -> Result<SinkReport, SinkError> {
        let extras = BatchExtras {
            checkpoint,
            matched_query: None,
            attachments,
        };
        self.checked(source, messages, extras).await
    }

    async fn edit(&self, source: &Source, message: ValidMessage) -> Result<bool, SinkError> {
        let rules = self.rules();
        let ctx = Ingest {
            store: &self.store,
            rules: &rules,
            events: self.events.as_ref(),
            alerts: None,
            reach: &self.reach,
            escalations: &self.escalations,
        };
        edit_message(&ctx, source, &message)
            .await
            .map_err(|e| SinkError(e.to_string()))
    }

    async fn delete(&self, source: &Source, external_id: &str) -> Result<bool, SinkError> {
        delete_message(&self.store, self.events.as_ref(), source, external_id)
            .await
            .map_err(|e| SinkError(e.to_string()))
    }
}
