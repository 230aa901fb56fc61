//! The listening connectors' sink: what a connector read is triaged with the active rules,
//! stored together with the connector's checkpoint (one transaction), counted, and announced to
//! open pages.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use wederhoor_core::{ConversationId, Triage, ValidMessage};
use wederhoor_listen::{Sink, SinkError, SinkReport};
use wederhoor_store::{BatchExtras, IngestOutcome, NewAttachment, Source};
use wederhoor_web::{AppState, LiveEvent, triage_message};

/// Stores into the app's store, through the app's rules and live events.
pub struct StoreSink {
    state: AppState,
}

impl StoreSink {
    pub fn new(state: AppState) -> StoreSink {
        StoreSink { state }
    }
}

impl Sink for StoreSink {
    async fn store(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        matched_query: Option<String>,
    ) -> Result<SinkReport, SinkError> {
        self.store_all(source, messages, checkpoint, matched_query, Vec::new())
            .await
    }

    async fn store_with_attachments(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        attachments: Vec<NewAttachment>,
    ) -> Result<SinkReport, SinkError> {
        self.store_all(source, messages, checkpoint, None, attachments)
            .await
    }

    /// The new version replaces the text, triaged again with the active rules.
    async fn edit(&self, source: &Source, message: ValidMessage) -> Result<bool, SinkError> {
        let rules = self.state.active_rules();
        let triage = triage_message(
            &rules.engine,
            &message,
            &source.name,
            wederhoor_core::is_direct_channel(&source.kind),
        );
        let changed = self
            .state
            .store
            .edit_message(
                source.id,
                &message.external_id,
                &message.text,
                &triage,
                rules.version,
            )
            .await
            .map_err(|e| SinkError(e.to_string()))?;
        if let Some((_, conversation)) = changed {
            self.state
                .publish(LiveEvent::changed(conversation, "message"));
        }
        Ok(changed.is_some())
    }

    async fn delete(&self, source: &Source, external_id: &str) -> Result<bool, SinkError> {
        let changed = self
            .state
            .store
            .mark_message_deleted(source.id, external_id)
            .await
            .map_err(|e| SinkError(e.to_string()))?;
        if let Some((_, conversation)) = changed {
            self.state
                .publish(LiveEvent::changed(conversation, "message"));
        }
        Ok(changed.is_some())
    }
}

impl StoreSink {
    async fn store_all(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        matched_query: Option<String>,
        attachments: Vec<NewAttachment>,
    ) -> Result<SinkReport, SinkError> {
        let rules = self.state.active_rules();
        let items: Vec<(ValidMessage, Triage)> = messages
            .into_iter()
            .map(|m| {
                let triage = triage_message(
                    &rules.engine,
                    &m,
                    &source.name,
                    wederhoor_core::is_direct_channel(&source.kind),
                );
                (m, triage)
            })
            .collect();
        let outcomes = self
            .state
            .store
            .ingest_batch_with(
                source.id,
                &items,
                rules.version,
                &BatchExtras {
                    checkpoint,
                    matched_query,
                    attachments,
                },
            )
            .await
            .map_err(|e| SinkError(e.to_string()))?;
        let mut report = SinkReport::default();
        let mut changed: BTreeSet<ConversationId> = BTreeSet::new();
        for outcome in outcomes {
            match outcome {
                IngestOutcome::Stored { conversation, .. } => {
                    report.stored += 1;
                    changed.insert(conversation);
                }
                IngestOutcome::Duplicate { .. } => report.duplicates += 1,
            }
        }
        let metrics = &self.state.metrics;
        metrics
            .ingested
            .fetch_add(report.stored as u64, Ordering::Relaxed);
        metrics
            .duplicates
            .fetch_add(report.duplicates as u64, Ordering::Relaxed);
        for conversation in changed {
            self.state
                .publish(LiveEvent::changed(conversation, "message"));
        }
        Ok(report)
    }
}
