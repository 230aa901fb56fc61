//! The notification webhook worker: posts `webhook_outbox` (escalations' `{"text": …}` for
//! Slack, Mattermost and Teams) through `wederhoor_app::escalations::deliver_due_webhooks`. It
//! sleeps until the next queued webhook is due, an escalation wakes it
//! (`AppState::webhook_wakeup`), a minute passes (escalations opened on another node) or the
//! server shuts down. Rows are claimed with a lease, so a restart or a second node never posts
//! one twice, and a row that was sent is never claimed again.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use wederhoor_listen::notify::Notifier;
use wederhoor_store::Store;

/// The longest sleep when nothing is queued.
const IDLE: Duration = Duration::from_secs(60);
/// The pause after the store failed, before trying again.
const STORE_PAUSE: Duration = Duration::from_secs(30);

/// Runs until `shutdown` turns `true` (or its sender is gone).
pub async fn run_webhooks(
    store: Store,
    notifier: Notifier,
    wakeup: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let pause = match wederhoor_app::escalations::deliver_due_webhooks(&store, &notifier).await
        {
            Ok(true) => Duration::ZERO,
            Ok(false) => until_next(&store).await,
            Err(e) => {
                tracing::error!(error = %e, "webhook worker: the store failed; trying again shortly");
                STORE_PAUSE
            }
        };
        if pause.is_zero() {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = wakeup.notified() => {}
            _ = shutdown.wait_for(|down| *down) => return,
        }
    }
}

async fn until_next(store: &Store) -> Duration {
    match store.next_webhook_due().await {
        Ok(Some(at)) => {
            let now = jiff::Timestamp::now().as_millisecond();
            let wait = u64::try_from(at.saturating_sub(now)).unwrap_or(0);
            Duration::from_millis(wait).clamp(Duration::from_millis(10), IDLE)
        }
        Ok(None) => IDLE,
        Err(_) => STORE_PAUSE,
    }
}
