//! The outbox worker: takes due replies from the store, delivers them, records the outcome, and
//! backs off (exponentially, with jitter, respecting `Retry-After`) when delivery fails.

use crate::{Connector, DeliveryError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use wederhoor_core::ConversationId;
use wederhoor_store::Store;

#[derive(Debug, Clone)]
pub struct OutboxConfig {
    /// Attempts before a reply is marked failed for good (an agent can still press retry).
    pub max_attempts: i64,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            max_attempts: 8,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(15 * 60),
        }
    }
}

const BATCH: i64 = 20;
/// How long claimed replies are left to this worker before another worker (another process or
/// node on the same database) may try them: far longer than a batch of deliveries with their
/// timeouts takes. A crashed worker's replies are retried after it, with the same key.
const LEASE_MS: i64 = 15 * 60 * 1000;

/// The wait before attempt `attempts + 1`: base × 2^attempts, capped, with up to 25 % jitter
/// taken from `jitter_seed` so a herd of failed replies does not retry in lockstep.
pub fn backoff(config: &OutboxConfig, attempts: i64, jitter_seed: u64) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    let raw = config.base_delay.saturating_mul(2u32.saturating_pow(exp));
    let capped = raw.min(config.max_delay);
    let jitter = capped.as_millis() as u64 / 4;
    let extra = if jitter == 0 { 0 } else { jitter_seed % jitter };
    capped + Duration::from_millis(extra)
}

/// Delivers every reply that is due now; returns how many were handled.
pub async fn run_outbox_once<C: Connector>(
    store: &Store,
    connector: &C,
    config: &OutboxConfig,
    on_change: &(dyn Fn(ConversationId) + Send + Sync),
) -> Result<usize, wederhoor_store::StoreError> {
    let mut handled = 0;
    loop {
        let due = store.claim_due_replies(BATCH, LEASE_MS).await?;
        let n = due.len();
        for item in due {
            let secret = store.source_secret(item.source).await?;
            let result = connector.deliver(&item, secret.as_deref()).await;
            let conversation = match result {
                Ok(()) => {
                    tracing::info!(reply = %item.reply, "reply delivered");
                    store.mark_reply_sent(item.reply, None).await?
                }
                Err(DeliveryError::Permanent(msg)) => {
                    tracing::warn!(reply = %item.reply, error = %msg, "reply delivery failed for good");
                    store.mark_reply_failed(item.reply, &msg, None).await?
                }
                Err(DeliveryError::Retryable {
                    message,
                    retry_after,
                }) => {
                    let attempts = item.attempts + 1;
                    let retry_at = (attempts < config.max_attempts).then(|| {
                        let wait = retry_after.unwrap_or_else(|| {
                            backoff(
                                config,
                                item.attempts,
                                item.reply.0 as u64 ^ (attempts as u64 * 7919),
                            )
                        });
                        jiff::Timestamp::now().as_millisecond() + wait.as_millis() as i64
                    });
                    tracing::warn!(reply = %item.reply, error = %message, attempts, "reply delivery failed");
                    store
                        .mark_reply_failed(item.reply, &message, retry_at)
                        .await?
                }
            };
            on_change(conversation);
            handled += 1;
        }
        if n < BATCH as usize {
            return Ok(handled);
        }
    }
}

/// Runs forever: delivers what is due, then sleeps until the next reply is due or `wakeup` is
/// notified (a new reply was queued). Store errors are logged and retried after a pause.
pub async fn run_outbox<C: Connector>(
    store: Store,
    connector: C,
    config: OutboxConfig,
    wakeup: Arc<Notify>,
    on_change: Arc<dyn Fn(ConversationId) + Send + Sync>,
) {
    loop {
        if let Err(e) = run_outbox_once(&store, &connector, &config, on_change.as_ref()).await {
            tracing::error!(error = %e, "outbox worker");
        }
        let wait = match store.next_reply_due_at().await {
            Ok(Some(at)) => {
                let ms = (at - jiff::Timestamp::now().as_millisecond()).clamp(0, 30_000);
                Duration::from_millis(ms as u64)
            }
            _ => Duration::from_secs(30),
        };
        tokio::select! {
            _ = wakeup.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let c = OutboxConfig {
            max_attempts: 8,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
        };
        assert_eq!(backoff(&c, 0, 0), Duration::from_secs(2));
        assert_eq!(backoff(&c, 1, 0), Duration::from_secs(4));
        assert_eq!(backoff(&c, 3, 0), Duration::from_secs(16));
        assert_eq!(backoff(&c, 10, 0), Duration::from_secs(60));
        // Jitter adds at most a quarter.
        let j = backoff(&c, 10, 123_456_789);
        assert!(
            j >= Duration::from_secs(60) && j < Duration::from_secs(75),
            "{j:?}"
        );
    }
}
