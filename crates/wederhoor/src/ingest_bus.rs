//! NATS JetStream as the ingest bus (`cluster.ingest_bus = "jetstream"`): the listening
//! connectors publish what they read to a durable stream instead of writing to the database,
//! and ingest workers on any node (the `worker` role) consume it in batches, store through the
//! same ingest use case, and acknowledge only after the commit.
//!
//! - **Nothing lost:** a connector's batch counts as taken once JetStream has acknowledged every
//!   message of it (stored in the stream, on disk). A message leaves the stream only when a worker
//!   acknowledges it after its batch committed; a worker that dies before that leaves it to be
//!   redelivered after `ack_wait`. A slow or unreachable database is backpressure: the batch is
//!   not acknowledged (negatively, with a delay) and waits in the stream.
//! - **Nothing twice:** each message carries `Nats-Msg-Id = source id + external id`, so JetStream
//!   drops a re-publication within its duplicate window, and the store treats a message it has
//!   already (same source and external id) as a duplicate.
//! - **Checkpoints** travel with the last message of a connector's batch and are stored with it;
//!   a listener that restarts before the workers caught up resumes from an older checkpoint and
//!   its re-reads are duplicates.
//! - Batches with attachments, edits and deletions go to the database directly (attachments can
//!   exceed a NATS payload; edits and deletions are rare and need the stored message).
//!
//! Without it (the default, one node or SQLite) connectors store directly, as before.

use crate::config::ClusterSection;
use anyhow::Context;
use async_nats::jetstream::{self, AckKind, consumer, stream};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;
use wederhoor_app::ingest::ConnectorSink;
use wederhoor_core::ValidMessage;
use wederhoor_listen::{Sink, SinkError, SinkReport};
use wederhoor_store::{NewAttachment, Source, Store};

/// Name of the durable consumer all ingest workers share (each message goes to one of them).
const CONSUMER: &str = "ingest";
/// Most messages a worker stores in one batch.
const BATCH: usize = 500;

/// One message on the bus: the checked message, the source it came from, and what the
/// connector stores with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Wire {
    source: i64,
    id: String,
    text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    platform: Option<String>,
    handle: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    followers: i64,
    /// RFC 3339, exact to the nanosecond.
    created_at: String,
    reposts: i64,
    likes: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_reply_to: Option<String>,
    /// Set on the last message of a connector's batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checkpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    matched_query: Option<String>,
}

impl Wire {
    fn new(source: i64, m: &ValidMessage) -> Wire {
        Wire {
            source,
            id: m.external_id.clone(),
            text: m.text.clone(),
            platform: m.source.clone(),
            handle: m.author_handle.clone(),
            name: m.author_name.clone(),
            followers: m.followers,
            created_at: m.created_at.to_string(),
            reposts: m.reposts,
            likes: m.likes,
            in_reply_to: m.in_reply_to.clone(),
            checkpoint: None,
            matched_query: None,
        }
    }

    fn message(&self) -> anyhow::Result<ValidMessage> {
        Ok(ValidMessage {
            external_id: self.id.clone(),
            text: self.text.clone(),
            source: self.platform.clone(),
            author_handle: self.handle.clone(),
            author_name: self.name.clone(),
            followers: self.followers,
            created_at: self
                .created_at
                .parse()
                .with_context(|| format!("created_at {:?}", self.created_at))?,
            reposts: self.reposts,
            likes: self.likes,
            in_reply_to: self.in_reply_to.clone(),
        })
    }
}

/// The stream and its shared consumer, made if missing (every node may do this at start).
#[derive(Clone)]
pub struct IngestBus {
    js: jetstream::Context,
    subject: String,
    stream: String,
    config: stream::Config,
}

impl IngestBus {
    pub async fn open(
        client: async_nats::Client,
        cluster: &ClusterSection,
    ) -> anyhow::Result<Self> {
        let js = jetstream::new(client);
        let subject = cluster.ingest_subject.clone();
        let config = stream::Config {
            name: cluster.ingest_stream.clone(),
            subjects: vec![format!("{subject}.>")],
            // A message leaves the stream when a worker acknowledges it.
            retention: stream::RetentionPolicy::WorkQueue,
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(cluster.ingest_duplicate_window_secs),
            ..Default::default()
        };
        js.get_or_create_stream(config.clone())
            .await
            .with_context(|| format!("opening the JetStream stream {}", cluster.ingest_stream))?;
        Ok(IngestBus {
            js,
            subject,
            stream: cluster.ingest_stream.clone(),
            config,
        })
    }

    /// Publishes a connector's batch and waits until JetStream has stored every message.
    async fn publish(
        &self,
        source: &Source,
        messages: &[ValidMessage],
        checkpoint: Option<String>,
        matched_query: Option<String>,
    ) -> Result<SinkReport, SinkError> {
        let subject = format!("{}.{}", self.subject, source.id.0);
        let mut acks = Vec::with_capacity(messages.len());
        for (i, m) in messages.iter().enumerate() {
            let mut wire = Wire::new(source.id.0, m);
            wire.matched_query.clone_from(&matched_query);
            if i + 1 == messages.len() {
                wire.checkpoint.clone_from(&checkpoint);
            }
            let payload = serde_json::to_vec(&wire).map_err(|e| SinkError(e.to_string()))?;
            let publish = jetstream::context::Publish::build()
                .payload(payload.into())
                .message_id(format!("{}:{}", source.id.0, m.external_id));
            let ack = self
                .js
                .send_publish(subject.clone(), publish)
                .await
                .map_err(|e| SinkError(format!("publishing to the ingest bus: {e}")))?;
            acks.push(ack);
        }
        let mut report = SinkReport::default();
        for ack in acks {
            let ack = ack
                .await
                .map_err(|e| SinkError(format!("the ingest bus did not store a message: {e}")))?;
            if ack.duplicate {
                report.duplicates += 1;
            } else {
                report.stored += 1;
            }
        }
        Ok(report)
    }
}

/// What the connectors of a node write to: the database directly, or the ingest bus.
#[derive(Clone)]
pub struct NodeSink {
    direct: ConnectorSink,
    bus: Option<IngestBus>,
}

impl NodeSink {
    pub fn new(direct: ConnectorSink, bus: Option<IngestBus>) -> NodeSink {
        NodeSink { direct, bus }
    }
}

impl Sink for NodeSink {
    async fn store(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        matched_query: Option<String>,
    ) -> Result<SinkReport, SinkError> {
        match &self.bus {
            // A checkpoint without messages has nothing to wait for in the stream.
            Some(bus) if !messages.is_empty() => {
                bus.publish(source, &messages, checkpoint, matched_query)
                    .await
            }
            _ => {
                self.direct
                    .store(source, messages, checkpoint, matched_query)
                    .await
            }
        }
    }

    async fn store_with_attachments(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        attachments: Vec<NewAttachment>,
    ) -> Result<SinkReport, SinkError> {
        if attachments.is_empty() {
            return self.store(source, messages, checkpoint, None).await;
        }
        self.direct
            .store_with_attachments(source, messages, checkpoint, attachments)
            .await
    }

    async fn edit(&self, source: &Source, message: ValidMessage) -> Result<bool, SinkError> {
        self.direct.edit(source, message).await
    }

    async fn delete(&self, source: &Source, external_id: &str) -> Result<bool, SinkError> {
        self.direct.delete(source, external_id).await
    }
}

/// A run of consecutive bus messages for one source and listening query: stored as one batch.
struct Run {
    source: i64,
    matched_query: Option<String>,
    messages: Vec<ValidMessage>,
    checkpoint: Option<String>,
    acks: Vec<jetstream::Message>,
}

/// Splits what a worker fetched into runs per source (in stream order); a message that cannot
/// be read is returned apart (reported and terminated: it can never be stored).
fn runs(fetched: Vec<jetstream::Message>) -> (Vec<Run>, Vec<(jetstream::Message, String)>) {
    let mut out: Vec<Run> = Vec::new();
    let mut bad = Vec::new();
    for message in fetched {
        let wire = match serde_json::from_slice::<Wire>(&message.payload) {
            Ok(w) => w,
            Err(e) => {
                bad.push((message, e.to_string()));
                continue;
            }
        };
        let valid = match wire.message() {
            Ok(v) => v,
            Err(e) => {
                bad.push((message, format!("{e:#}")));
                continue;
            }
        };
        let same = out
            .last()
            .is_some_and(|r| r.source == wire.source && r.matched_query == wire.matched_query);
        if !same {
            out.push(Run {
                source: wire.source,
                matched_query: wire.matched_query.clone(),
                messages: Vec::new(),
                checkpoint: None,
                acks: Vec::new(),
            });
        }
        if let Some(run) = out.last_mut() {
            run.messages.push(valid);
            if wire.checkpoint.is_some() {
                run.checkpoint = wire.checkpoint;
            }
            run.acks.push(message);
        }
    }
    (out, bad)
}

/// An ingest worker: fetches from the shared consumer, stores each run through the ingest use
/// case, acknowledges after the commit. Runs until shutdown.
pub async fn run_consumer(
    bus: IngestBus,
    store: Store,
    sink: ConnectorSink,
    ack_wait: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut sources: HashMap<i64, Source> = HashMap::new();
    let mut consumer = None;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let Some(open) = &consumer else {
            match open_consumer(&bus, ack_wait).await {
                Ok(c) => {
                    tracing::info!(stream = %bus.stream, "ingest worker consuming the bus");
                    consumer = Some(c);
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "ingest bus consumer not ready; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                        _ = shutdown.changed() => return,
                    }
                }
            }
            continue;
        };
        let fetched = tokio::select! {
            f = fetch(open) => f,
            _ = shutdown.changed() => return,
        };
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => {
                // The stream or consumer may have been removed or the server restarted: open
                // them again (made if missing) after a pause.
                tracing::warn!(error = %format!("{e:#}"), "fetching from the ingest bus; reopening");
                consumer = None;
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = shutdown.changed() => return,
                }
                continue;
            }
        };
        let (runs, bad) = runs(fetched);
        for (message, why) in bad {
            tracing::error!(subject = %message.subject, %why, "unreadable message on the ingest bus; dropped");
            let _ = message.ack_with(AckKind::Term).await;
        }
        for run in runs {
            store_run(&store, &sink, &mut sources, run).await;
        }
    }
}

async fn open_consumer(
    bus: &IngestBus,
    ack_wait: Duration,
) -> anyhow::Result<consumer::PullConsumer> {
    let stream = bus
        .js
        .get_or_create_stream(bus.config.clone())
        .await
        .with_context(|| format!("opening the stream {}", bus.stream))?;
    stream
        .get_or_create_consumer(
            CONSUMER,
            consumer::pull::Config {
                durable_name: Some(CONSUMER.into()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait,
                ..Default::default()
            },
        )
        .await
        .context("opening the ingest consumer")
}

/// Waits up to a second for the first message, then takes what is there (at most a batch).
async fn fetch(consumer: &consumer::PullConsumer) -> anyhow::Result<Vec<jetstream::Message>> {
    let mut batch = consumer
        .batch()
        .max_messages(BATCH)
        .expires(Duration::from_secs(1))
        .messages()
        .await
        .context("asking for a batch")?;
    let mut out = Vec::new();
    while let Some(message) = batch.next().await {
        match message {
            Ok(m) => out.push(m),
            Err(e) => {
                if out.is_empty() {
                    return Err(anyhow::anyhow!("{e}"));
                }
                break;
            }
        }
    }
    Ok(out)
}

async fn store_run(
    store: &Store,
    sink: &ConnectorSink,
    sources: &mut HashMap<i64, Source>,
    run: Run,
) {
    let source = match sources.get(&run.source) {
        Some(s) => Some(s.clone()),
        None => match store.source(wederhoor_core::SourceId(run.source)).await {
            Ok(found) => {
                if let Some(s) = &found {
                    sources.insert(run.source, s.clone());
                }
                found
            }
            Err(e) => {
                tracing::warn!(error = %e, "the database is not answering; the batch waits on the bus");
                nak_all(&run.acks).await;
                return;
            }
        },
    };
    let Some(source) = source else {
        tracing::error!(
            source = run.source,
            count = run.acks.len(),
            "messages on the ingest bus for a source that no longer exists; dropped"
        );
        for m in &run.acks {
            let _ = m.ack_with(AckKind::Term).await;
        }
        return;
    };
    let count = run.messages.len();
    match sink
        .store(&source, run.messages, run.checkpoint, run.matched_query)
        .await
    {
        Ok(report) => {
            tracing::debug!(source = %source.name, stored = report.stored, duplicates = report.duplicates, "bus batch stored");
            for m in &run.acks {
                if let Err(e) = m.ack().await {
                    // Redelivered after ack_wait, then a duplicate: nothing is stored twice.
                    tracing::warn!(error = %e, "acknowledging a stored message");
                }
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, source = %source.name, count, "storing a bus batch failed; it waits on the bus");
            nak_all(&run.acks).await;
        }
    }
}

/// Hands the messages back to the stream, redelivered after a pause (backpressure).
async fn nak_all(messages: &[jetstream::Message]) {
    for m in messages {
        let _ = m.ack_with(AckKind::Nak(Some(Duration::from_secs(2)))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_crosses_the_wire_unchanged() {
        let m = ValidMessage {
            external_id: "77".into(),
            text: "Mijn pas is ingeslikt 😡".into(),
            source: Some("mastodon".into()),
            author_handle: "@klaas@social.example".into(),
            author_name: Some("Klaas".into()),
            followers: 12,
            created_at: "2026-03-01T08:09:10.123456789Z".parse().unwrap(),
            reposts: 3,
            likes: 4,
            in_reply_to: Some("70".into()),
        };
        let mut wire = Wire::new(5, &m);
        wire.checkpoint = Some("77".into());
        let back: Wire = serde_json::from_slice(&serde_json::to_vec(&wire).unwrap()).unwrap();
        assert_eq!(back, wire);
        assert_eq!(back.message().unwrap(), m);
    }

    #[test]
    fn a_bad_time_is_an_error_with_the_value() {
        let wire: Wire = serde_json::from_value(serde_json::json!({
            "source": 1, "id": "a", "text": "x", "handle": "", "followers": 0,
            "created_at": "gisteren", "reposts": 0, "likes": 0
        }))
        .unwrap();
        let e = format!("{:#}", wire.message().unwrap_err());
        assert!(e.contains("gisteren"), "{e}");
    }
}
