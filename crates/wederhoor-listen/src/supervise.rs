//! The one supervisor of listening connectors: a task per wanted source that this node holds the
//! lease of, the source list re-read and the leases renewed every tick, changed settings handed
//! to the running task, removed or disabled sources (and sources whose lease went to another
//! node) stopped, everything stopped on shutdown.
//!
//! Invariant: with several nodes on one database, a source runs on the one node holding its
//! lease (`source_leases`). The holder renews it every `renew`; when a node dies its leases
//! expire after `ttl` and another node's next tick claims them, and the connector resumes from
//! the checkpoint stored with the last batch. A node that stops cleanly releases its leases.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;
use wederhoor_core::SourceId;
use wederhoor_store::{Source, Store};

/// Who this node is, and how it holds the sources it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leases {
    /// This node's id (one per process, or configured): the holder written into a lease.
    pub node: String,
    /// How long a lease lasts without renewal: a dead node's sources are taken over after this.
    pub ttl: Duration,
    /// How often leases are renewed (and expired ones of other nodes looked for).
    pub renew: Duration,
}

impl Leases {
    /// 30-second leases renewed every 10 seconds.
    pub fn new(node: impl Into<String>) -> Leases {
        Leases {
            node: node.into(),
            ttl: Duration::from_secs(30),
            renew: Duration::from_secs(10),
        }
    }
}

impl Default for Leases {
    /// A random node id.
    fn default() -> Leases {
        Leases::new(wederhoor_store::random_token()[..16].to_owned())
    }
}

/// Runs until `shutdown` turns true (or its sender is dropped), then gives running tasks five
/// seconds to stop (an interrupted store transaction is rolled back, so nothing half-written
/// remains) and releases this node's leases. `start` makes the task of one source from its
/// settings channel and the shutdown flag; the task ends when its settings channel closes.
/// The source list is re-read and the leases renewed every `refresh` or `leases.renew`,
/// whichever is shorter.
pub(crate) async fn supervise<F, Fut>(
    store: Store,
    what: &'static str,
    refresh: Duration,
    leases: Leases,
    wanted: fn(&Source) -> bool,
    mut shutdown: watch::Receiver<bool>,
    start: F,
) where
    F: Fn(watch::Receiver<Source>, watch::Receiver<bool>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let tick = refresh.min(leases.renew).max(Duration::from_millis(10));
    let mut running: HashMap<SourceId, watch::Sender<Source>> = HashMap::new();
    // When each lease this node holds was last renewed (a failed renewal keeps a source
    // running until its lease would have expired: a database hiccup does not restart it).
    let mut renewed: HashMap<SourceId, Instant> = HashMap::new();
    let mut tasks = JoinSet::new();
    loop {
        match store.list_sources().await {
            Ok(sources) => {
                let mut want: HashMap<SourceId, Source> = HashMap::new();
                for source in sources.into_iter().filter(&wanted) {
                    match store
                        .claim_source_lease(source.id, &leases.node, leases.ttl)
                        .await
                    {
                        Ok(true) => {
                            renewed.insert(source.id, Instant::now());
                        }
                        Ok(false) => {
                            if renewed.remove(&source.id).is_some() {
                                tracing::info!(source = %source.name, connector = what, "lease taken over by another node; stopping");
                            }
                            continue;
                        }
                        Err(e) => {
                            tracing::warn!(source = %source.name, connector = what, error = %e, "renewing the source lease");
                            if renewed
                                .get(&source.id)
                                .is_none_or(|at| at.elapsed() >= leases.ttl)
                            {
                                continue;
                            }
                        }
                    }
                    want.insert(source.id, source);
                }
                renewed.retain(|id, _| want.contains_key(id));
                // Dropping a sender ends its task (removed, disabled, held by another node, or
                // the task died).
                running.retain(|id, tx| want.contains_key(id) && !tx.is_closed());
                for (id, source) in want {
                    match running.get(&id) {
                        Some(tx) => {
                            if *tx.borrow() != source {
                                tx.send_replace(source);
                            }
                        }
                        None => {
                            tracing::info!(source = %source.name, connector = what, node = %leases.node, "starting");
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
            _ = tokio::time::sleep(tick) => {}
        }
    }
    drop(running);
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
    // Another node takes these sources over at its next tick instead of after the expiry.
    for id in renewed.into_keys() {
        if let Err(e) = store.release_source_lease(id, &leases.node).await {
            tracing::warn!(error = %e, connector = what, "releasing a source lease");
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;
    use tokio::task::JoinHandle;
    use wederhoor_core::DeliveryKind;
    use wederhoor_store::NewSource;

    fn enabled(s: &Source) -> bool {
        s.enabled
    }

    /// A node's supervisor whose source tasks say (node, source) when they start and then run
    /// until stopped.
    fn node(
        store: &Store,
        name: &str,
        ttl: Duration,
        started: &mpsc::UnboundedSender<(String, SourceId)>,
    ) -> (JoinHandle<()>, watch::Sender<bool>) {
        let (stop_tx, stop_rx) = watch::channel(false);
        let leases = Leases {
            node: name.to_owned(),
            ttl,
            renew: Duration::from_millis(50),
        };
        let (name, started) = (name.to_owned(), started.clone());
        let handle = tokio::spawn(supervise(
            store.clone(),
            "test",
            Duration::from_millis(50),
            leases,
            enabled,
            stop_rx,
            move |mut rx, mut stop| {
                let (name, started) = (name.clone(), started.clone());
                async move {
                    let id = rx.borrow_and_update().id;
                    let _ = started.send((name, id));
                    loop {
                        tokio::select! {
                            _ = stop.wait_for(|s| *s) => return,
                            changed = rx.changed() => if changed.is_err() { return },
                        }
                    }
                }
            },
        ));
        (handle, stop_tx)
    }

    async fn next(
        started: &mut mpsc::UnboundedReceiver<(String, SourceId)>,
    ) -> Option<(String, SourceId)> {
        tokio::time::timeout(Duration::from_secs(30), started.recv())
            .await
            .ok()
            .flatten()
    }

    async fn source(store: &Store) -> SourceId {
        let (s, _) = store
            .create_source(&NewSource {
                kind: "rss".into(),
                name: "Blog".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        s.id
    }

    /// Two nodes on one store: the source runs on one of them only, while that node keeps
    /// renewing; when it dies (its task aborted, nothing released) the other node takes the
    /// source over once the lease has expired.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_source_runs_on_one_node_and_moves_when_its_holder_dies() {
        let stores = wederhoor_store::testing::fresh_stores()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for (backend, store) in stores {
            let id = source(&store).await;
            let (tx, mut started) = mpsc::unbounded_channel();
            let ttl = Duration::from_secs(1);
            let a = node(&store, "a", ttl, &tx);
            let b = node(&store, "b", ttl, &tx);
            let Some((holder, first)) = next(&mut started).await else {
                panic!("{backend}: no node started the source");
            };
            assert_eq!(first, id, "{backend}");
            // Let both nodes tick many times: the holder's renewals move the expiry on by two
            // seconds (two lease lifetimes) while the other node keeps trying.
            let first_expiry = store
                .source_lease(id)
                .await
                .ok()
                .flatten()
                .map_or(0, |l| l.1);
            let renewed = tokio::time::timeout(Duration::from_secs(30), async {
                loop {
                    if let Ok(Some((who, until))) = store.source_lease(id).await
                        && who == holder
                        && until >= first_expiry + 2000
                    {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
            .await;
            assert!(
                renewed.is_ok(),
                "{backend}: the holder did not keep its lease"
            );
            assert!(
                started.try_recv().is_err(),
                "{backend}: the source also started on the other node"
            );
            // The holder dies without releasing anything.
            let (dead, alive) = if holder == "a" { (a, b) } else { (b, a) };
            dead.0.abort();
            let _ = dead.0.await;
            let taken = next(&mut started).await;
            let other = if holder == "a" { "b" } else { "a" };
            assert_eq!(taken, Some((other.to_owned(), id)), "{backend}");
            assert_eq!(
                store.source_lease(id).await.ok().flatten().map(|l| l.0),
                Some(other.to_owned()),
                "{backend}"
            );
            alive.1.send_replace(true);
            let _ = alive.0.await;
        }
    }

    /// A node that stops cleanly releases its leases: the other node takes the source over at
    /// its next tick, long before the (one hour) lease would have expired.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_node_that_stops_hands_its_sources_over_at_once() {
        let stores = wederhoor_store::testing::fresh_stores()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for (backend, store) in stores {
            let id = source(&store).await;
            let (tx, mut started) = mpsc::unbounded_channel();
            let hour = Duration::from_secs(3600);
            let a = node(&store, "a", hour, &tx);
            assert_eq!(
                next(&mut started).await,
                Some(("a".into(), id)),
                "{backend}"
            );
            let b = node(&store, "b", hour, &tx);
            a.1.send_replace(true);
            let _ = a.0.await;
            assert_eq!(
                next(&mut started).await,
                Some(("b".into(), id)),
                "{backend}"
            );
            b.1.send_replace(true);
            let _ = b.0.await;
            assert_eq!(
                store.source_lease(id).await.ok().flatten(),
                None,
                "{backend}"
            );
        }
    }
}
