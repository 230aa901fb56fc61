//! The feed poller: one task per enabled `rss` source with a URL, each on its own interval; the
//! source list is re-read every `refresh` so sources added, changed, disabled or removed in the
//! admin are picked up while running (a changed source is polled at once with its new settings).
//! One failing feed only slows itself down: errors back off exponentially (with jitter) up to
//! eight poll intervals, a `Retry-After` on `429`/`503` is waited out. Health is recorded after
//! every poll.

use crate::Sink;
use crate::rss::{FeedClient, PollError, PollReport, poll_feed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use wederhoor_store::{Source, Store};

#[derive(Debug, Clone)]
pub struct RssConfig {
    /// How often the source list is re-read.
    pub refresh: Duration,
    /// Shortest poll interval honoured (the admin form asks for at least 30 s; tests use 1 s).
    pub min_interval: Duration,
    /// This node and its source leases (one node runs a source at a time).
    pub leases: crate::supervise::Leases,
}

impl Default for RssConfig {
    fn default() -> Self {
        RssConfig {
            refresh: Duration::from_secs(30),
            min_interval: Duration::from_secs(1),
            leases: crate::supervise::Leases::default(),
        }
    }
}

/// Longest wait a `Retry-After` can impose.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Source kinds this poller reads.
pub fn is_feed_kind(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("rss") || kind.eq_ignore_ascii_case("atom")
}

fn wanted(s: &Source) -> bool {
    s.enabled && is_feed_kind(&s.kind) && s.url.as_deref().is_some_and(|u| !u.trim().is_empty())
}

/// The source's poll interval, at least `min`.
pub fn poll_interval(source: &Source, min: Duration) -> Duration {
    Duration::from_secs(u64::try_from(source.poll_interval_secs).unwrap_or(0)).max(min)
}

/// The wait before the next poll. After a success (`failures == 0`): the interval. After a
/// failure with `Retry-After`: that wait (at least the interval, at most [`MAX_RETRY_AFTER`]).
/// Otherwise interval × 2^(failures − 1), capped at interval × 8, minus up to 25 % jitter taken
/// from `jitter_seed` (so the cap is never exceeded and failing feeds do not retry in lockstep).
pub fn next_delay(
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
    jitter_seed: u64,
) -> Duration {
    if failures == 0 {
        return interval;
    }
    if let Some(wait) = retry_after {
        return wait.max(interval).min(MAX_RETRY_AFTER.max(interval));
    }
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(3));
    let raw = interval
        .saturating_mul(factor)
        .min(interval.saturating_mul(8));
    let quarter = u64::try_from(raw.as_millis() / 4).unwrap_or(u64::MAX);
    let minus = if quarter == 0 {
        0
    } else {
        jitter_seed % quarter
    };
    raw.saturating_sub(Duration::from_millis(minus))
}

/// Runs until `shutdown` turns true (or its sender is dropped); then lets running polls stop
/// (an interrupted store transaction is rolled back, so nothing half-written remains).
pub async fn run_rss<S: Sink + 'static>(
    store: Store,
    client: FeedClient,
    sink: Arc<S>,
    config: RssConfig,
    shutdown: watch::Receiver<bool>,
) {
    let task_store = store.clone();
    crate::supervise::supervise(
        store,
        "rss",
        config.refresh,
        config.leases.clone(),
        wanted,
        shutdown,
        move |rx, stop| {
            run_feed(
                task_store.clone(),
                client.clone(),
                sink.clone(),
                rx,
                stop,
                config.min_interval,
            )
        },
    )
    .await;
}

async fn run_feed<S: Sink>(
    store: Store,
    client: FeedClient,
    sink: Arc<S>,
    mut source_rx: watch::Receiver<Source>,
    mut shutdown: watch::Receiver<bool>,
    min_interval: Duration,
) {
    let mut failures: u32 = 0;
    loop {
        let source = source_rx.borrow_and_update().clone();
        let interval = poll_interval(&source, min_interval);
        let outcome = tokio::select! {
            _ = shutdown.wait_for(|s| *s) => return,
            r = poll_and_record(&store, &client, sink.as_ref(), &source) => r,
        };
        let delay = match outcome {
            Ok(_) => {
                failures = 0;
                interval
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let wait = crate::supervise::backoff(source.id, interval, failures, e.retry_after);
                tracing::warn!(source = %source.name, failures, wait_secs = wait.as_secs(), "feed poll failed; backing off");
                wait
            }
        };
        if !crate::supervise::pause(&mut shutdown, &mut source_rx, delay).await {
            return;
        }
    }
}

/// One poll with its bookkeeping: checkpoint in, health out.
pub async fn poll_and_record<S: Sink>(
    store: &Store,
    client: &FeedClient,
    sink: &S,
    source: &Source,
) -> Result<PollReport, PollError> {
    let result = match store.checkpoint(source.id).await {
        Ok(cp) => poll_feed(client, sink, source, cp.as_deref()).await,
        Err(e) => Err(PollError {
            message: format!("reading the checkpoint: {e}"),
            retry_after: None,
        }),
    };
    match &result {
        Ok(report) => {
            tracing::debug!(source = %source.name, ?report, "feed polled");
            let stored = i64::try_from(report.stored).unwrap_or(i64::MAX);
            let skipped = i64::try_from(report.skipped()).unwrap_or(i64::MAX);
            if let Err(e) = store
                .record_source_success(source.id, stored, skipped)
                .await
            {
                tracing::error!(source = %source.name, error = %e, "recording feed health");
            }
        }
        Err(err) => {
            tracing::warn!(source = %source.name, error = %err, "feed poll failed");
            if let Err(e) = store.record_source_error(source.id, &err.message).await {
                tracing::error!(source = %source.name, error = %e, "recording feed health");
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_after_success_is_the_interval() {
        let i = Duration::from_secs(60);
        assert_eq!(next_delay(i, 0, None, 12345), i);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped_at_eight_intervals() {
        let i = Duration::from_secs(60);
        assert_eq!(next_delay(i, 1, None, 0), i);
        assert_eq!(next_delay(i, 2, None, 0), i * 2);
        assert_eq!(next_delay(i, 3, None, 0), i * 4);
        assert_eq!(next_delay(i, 4, None, 0), i * 8);
        assert_eq!(next_delay(i, 40, None, 0), i * 8);
        for seed in [1u64, 999, 123_456_789, u64::MAX] {
            let d = next_delay(i, 40, None, seed);
            assert!(d <= i * 8 && d >= i * 6, "{d:?}");
        }
    }

    #[test]
    fn retry_after_wins_but_is_bounded() {
        let i = Duration::from_secs(60);
        assert_eq!(
            next_delay(i, 1, Some(Duration::from_secs(600)), 7),
            Duration::from_secs(600)
        );
        // A shorter Retry-After than the interval: the interval.
        assert_eq!(next_delay(i, 1, Some(Duration::from_secs(5)), 7), i);
        assert_eq!(
            next_delay(i, 1, Some(Duration::from_secs(10_000_000)), 7),
            MAX_RETRY_AFTER
        );
    }
}
