//! Connectors of Wederhoor. For now: the outbox worker and the webhook delivery connector.
//! Listening connectors (RSS, Mastodon, Bluesky, IMAP, …) will live here too.
//!
//! Invariant: a reply is only sent from the outbox (it was committed there first), and each
//! attempt carries the reply's idempotency key, so a resend after a crash is recognisable.

pub mod outbox;
pub mod query;
pub mod webhook;

pub use outbox::{OutboxConfig, run_outbox, run_outbox_once};
pub use webhook::{WebhookConnector, sign};

use std::time::Duration;
use wederhoor_store::OutboxItem;

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
