//! The one supervisor of listening connectors: a task per wanted source, the source list re-read
//! every `refresh`, changed settings handed to the running task, removed or disabled sources
//! stopped, everything stopped on shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;
use wederhoor_core::SourceId;
use wederhoor_store::{Source, Store};

/// Runs until `shutdown` turns true (or its sender is dropped), then gives running tasks five
/// seconds to stop (an interrupted store transaction is rolled back, so nothing half-written
/// remains). `start` makes the task of one source from its settings channel and the shutdown
/// flag; the task ends when its settings channel closes.
pub(crate) async fn supervise<F, Fut>(
    store: Store,
    what: &'static str,
    refresh: Duration,
    wanted: fn(&Source) -> bool,
    mut shutdown: watch::Receiver<bool>,
    start: F,
) where
    F: Fn(watch::Receiver<Source>, watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut running: HashMap<SourceId, watch::Sender<Source>> = HashMap::new();
    let mut tasks = JoinSet::new();
    loop {
        match store.list_sources().await {
            Ok(sources) => {
                let want: HashMap<SourceId, Source> = sources
                    .into_iter()
                    .filter(&wanted)
                    .map(|s| (s.id, s))
                    .collect();
                // Dropping a sender ends its task (removed, disabled, or the task died).
                running.retain(|id, tx| want.contains_key(id) && !tx.is_closed());
                for (id, source) in want {
                    match running.get(&id) {
                        Some(tx) => {
                            if *tx.borrow() != source {
                                tx.send_replace(source);
                            }
                        }
                        None => {
                            tracing::info!(source = %source.name, connector = what, "starting");
                            let (tx, rx) = watch::channel(source);
                            tasks.spawn(start(rx, shutdown.clone()));
                            running.insert(id, tx);
                        }
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, connector = what, "reading sources"),
        }
        while let Some(done) = tasks.try_join_next() {
            if let Err(e) = done {
                tracing::error!(error = %e, connector = what, "source task ended unexpectedly");
            }
        }
        tokio::select! {
            _ = shutdown.wait_for(|s| *s) => break,
            _ = tokio::time::sleep(refresh) => {}
        }
    }
    drop(running);
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
}

/// The wait after a connector's `failures`-th failure in a row for `source`
/// ([`crate::poller::next_delay`]), with a jitter seed from the clock and the source id, so
/// sources that fail together do not retry in lockstep.
pub(crate) fn backoff(
    source: SourceId,
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
) -> Duration {
    let seed = u64::from(jiff::Timestamp::now().subsec_nanosecond().unsigned_abs())
        ^ (source.0 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    crate::poller::next_delay(interval, failures, retry_after, seed)
}

/// A connector's wait between sessions: `delay`, cut short when the source's settings change.
/// `false` when the connector should stop (shutdown, or the supervisor dropped the source).
pub(crate) async fn pause(
    shutdown: &mut watch::Receiver<bool>,
    source_rx: &mut watch::Receiver<Source>,
    delay: Duration,
) -> bool {
    tokio::select! {
        _ = shutdown.wait_for(|s| *s) => false,
        changed = source_rx.changed() => changed.is_ok(),
        _ = tokio::time::sleep(delay) => true,
    }
}
