//! Connectors of Wederhoor: the outbox worker and the webhook delivery connector (outbound), and
//! the listening connectors (inbound): RSS/Atom feeds (`rss`, polled by `poller`) and Mastodon
//! (`mastodon`: streaming with a REST backfill; it also posts Mastodon replies).
//! Bluesky (`bluesky`: Jetstream over WebSocket; replies through XRPC `createRecord`).
//!
//! Invariant: a reply is only sent from the outbox (it was committed there first), and each
//! attempt carries the reply's idempotency key, so a resend after a crash is recognisable.
//!
//! Listening connectors hand what they read to a [`Sink`] (implemented by the binary: triage with
//! the active rules, store, tell open pages). This crate does not depend on the web crate.

pub mod bluesky;
pub mod email;
pub mod mailer;
pub mod mastodon;
pub mod meta;
pub mod notify;
pub mod outbox;
pub mod poller;
pub mod query;
pub mod rss;
pub mod supervise;
pub mod webhook;

pub use bluesky::{BlueskyClient, BlueskyConfig, BlueskyConnector, run_bluesky};
pub use email::{EmailConfig, EmailConnector, run_email};
pub use mastodon::{
    DispatchConnector, MastodonClient, MastodonConfig, MastodonConnector, run_mastodon,
};
pub use meta::{MetaConnector, MetaSettings};
pub use outbox::{OutboxConfig, run_outbox, run_outbox_once};
pub use poller::{RssConfig, run_rss};
pub use supervise::Leases;
pub use webhook::{WebhookConnector, sign};

use std::time::Duration;
use wederhoor_core::ValidMessage;
use wederhoor_store::{OutboxItem, Source};

/// What a sink did with one batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SinkReport {
    /// Newly stored messages.
    pub stored: usize,
    /// Messages that were already stored (same source and external id).
    pub duplicates: usize,
}

/// Why a sink could not store a batch (the connector retries the poll later).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// Where a listening connector puts what it read. `store` must write the messages and the
/// checkpoint in one transaction (so a restart resumes exactly after what is stored) and treat a
/// message already stored for the source as a duplicate, never a second row.
pub trait Sink: Send + Sync {
    fn store(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        matched_query: Option<String>,
    ) -> impl std::future::Future<Output = Result<SinkReport, SinkError>> + Send;

    /// Like [`Sink::store`], with attachments of the messages stored in the same transaction.
    /// A sink that keeps no attachments ignores them.
    fn store_with_attachments(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        attachments: Vec<wederhoor_store::NewAttachment>,
    ) -> impl std::future::Future<Output = Result<SinkReport, SinkError>> + Send {
        drop(attachments);
        self.store(source, messages, checkpoint, None)
    }

    /// Its author edited a message on the platform (`message` is the new version). Returns
    /// whether a stored message changed. A sink that keeps no history ignores it.
    fn edit(
        &self,
        source: &Source,
        message: ValidMessage,
    ) -> impl std::future::Future<Output = Result<bool, SinkError>> + Send {
        let _ = (source, message);
        std::future::ready(Ok(false))
    }

    /// Its author deleted a message on the platform. Returns whether a stored message changed.
    fn delete(
        &self,
        source: &Source,
        external_id: &str,
    ) -> impl std::future::Future<Output = Result<bool, SinkError>> + Send {
        let _ = (source, external_id);
        std::future::ready(Ok(false))
    }
}

/// Why a delivery did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later (network, 5xx, 408, 429), optionally not before `retry_after`.
    #[error("{message}")]
    Retryable {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Trying again will not help (4xx, no URL configured).
    #[error("{0}")]
    Permanent(String),
}

/// Something that can put a reply where the customer will see it.
pub trait Connector: Send + Sync {
    fn deliver(
        &self,
        item: &OutboxItem,
        secret: Option<&str>,
    ) -> impl std::future::Future<Output = Result<(), DeliveryError>> + Send;
}
