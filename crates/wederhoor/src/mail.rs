//! The mail worker: sends the customer mail outbox (verification links, notifications) through
//! SMTP. It sleeps until the next queued mail is due, a handler wakes it (`AppState::mail_wakeup`)
//! or the server shuts down; it never polls in a busy loop.
//!
//! A retryable failure is tried again after 30 s · 2^attempts (at most an hour, or later when the
//! server asked for that), up to [`MAX_ATTEMPTS`] attempts; a permanent failure ends at once.
//! Without a mailer (no `[mail] smtp_url`) mail stays queued, to be sent once one is configured.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use wederhoor_listen::DeliveryError;
use wederhoor_listen::mailer::{MailFile, Mailer, OutgoingMail};
use wederhoor_store::{MailItem, Store};

/// Attempts before a mail is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// How many due mails one round sends.
const BATCH: i64 = 20;
/// How long a claimed mail is left to this worker before another may try it (far longer than
/// a batch of SMTP sends with their timeouts takes).
const LEASE_MS: i64 = 15 * 60 * 1000;
const BASE_DELAY: Duration = Duration::from_secs(30);
const MAX_DELAY: Duration = Duration::from_secs(3600);
/// The longest sleep when nothing is queued (a wakeup ends it sooner).
const IDLE: Duration = Duration::from_secs(3600);
/// The pause after the store failed, before trying again.
const STORE_PAUSE: Duration = Duration::from_secs(30);

/// Runs until `shutdown` turns `true` (or its sender is gone).
pub async fn run_mail(
    store: Store,
    mailer: Option<Mailer>,
    wakeup: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let Some(mailer) = mailer else {
        tracing::warn!(
            "mail is not configured ([mail] smtp_url); verification and notification mail stays queued"
        );
        return;
    };
    tracing::info!(mailer = ?mailer, "mail worker started");
    loop {
        if *shutdown.borrow() {
            return;
        }
        let pause = match send_due(&store, &mailer).await {
            Ok(true) => Duration::ZERO,
            Ok(false) => until_next(&store).await,
            Err(e) => {
                tracing::error!(error = %e, "mail worker: the store failed; trying again shortly");
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

/// The delay before the next attempt after `attempts` earlier ones failed: 30 s · 2^attempts,
/// at most an hour.
pub fn retry_delay(attempts: i64) -> Duration {
    let exponent = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    BASE_DELAY
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(MAX_DELAY)
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Sends one batch of due mail; `true` when the batch was full (more may be due).
async fn send_due(store: &Store, mailer: &Mailer) -> Result<bool, wederhoor_store::StoreError> {
    let due = store.claim_due_mail(BATCH, LEASE_MS).await?;
    let full = i64::try_from(due.len()).unwrap_or(i64::MAX) >= BATCH;
    for item in due {
        send_one(store, mailer, &item).await?;
    }
    Ok(full)
}

async fn send_one(
    store: &Store,
    mailer: &Mailer,
    item: &MailItem,
) -> Result<(), wederhoor_store::StoreError> {
    let mail = OutgoingMail {
        to: item.to.clone(),
        subject: item.subject.clone(),
        body: item.body.clone(),
        message_id: item.idempotency_key.clone(),
        html: item.parts.html.clone(),
        attachment: item.parts.attachment.as_ref().map(|a| MailFile {
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            data: a.text.clone().into_bytes(),
        }),
    };
    match mailer.send(&mail).await {
        Ok(()) => {
            tracing::info!(mail = item.id, "mail sent");
            store.mail_sent(item.id).await
        }
        Err(DeliveryError::Permanent(message)) => {
            tracing::warn!(mail = item.id, error = %redact(&message), "mail failed for good");
            store.mail_failed(item.id, &message, None).await
        }
        Err(DeliveryError::Retryable {
            message,
            retry_after,
        }) => {
            let attempts = item.attempts + 1;
            if attempts >= MAX_ATTEMPTS {
                tracing::warn!(mail = item.id, attempts, error = %redact(&message), "mail failed; giving up");
                return store.mail_failed(item.id, &message, None).await;
            }
            let delay = retry_after
                .map_or_else(|| retry_delay(item.attempts), |d| d.min(MAX_DELAY))
                .max(retry_delay(item.attempts));
            tracing::info!(mail = item.id, attempts, error = %redact(&message), retry_in = ?delay, "mail will be retried");
            store
                .mail_failed(item.id, &message, Some(now_ms() + millis(delay)))
                .await
        }
    }
}

/// How long to sleep until the next queued mail is due.
async fn until_next(store: &Store) -> Duration {
    match store.next_mail_due().await {
        Ok(Some(at)) => {
            // At least a moment, so a clock step can never make this a busy loop.
            let wait = at.saturating_sub(now_ms()).max(100);
            Duration::from_millis(u64::try_from(wait).unwrap_or(100)).min(IDLE)
        }
        Ok(None) => IDLE,
        Err(e) => {
            tracing::error!(error = %e, "mail worker: reading the next due time failed");
            STORE_PAUSE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(retry_delay(0), Duration::from_secs(30));
        assert_eq!(retry_delay(1), Duration::from_secs(60));
        assert_eq!(retry_delay(3), Duration::from_secs(240));
        assert_eq!(retry_delay(7), Duration::from_secs(3600));
        assert_eq!(retry_delay(100), Duration::from_secs(3600));
        assert_eq!(retry_delay(-1), Duration::from_secs(30));
    }
}

/// SMTP errors often repeat the recipient ("550 <sanne@…>: no such user"); logs carry no
/// addresses, so every word with an `@` becomes `<address>`.
fn redact(message: &str) -> String {
    message
        .split(' ')
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod redact_tests {
    use super::redact;

    #[test]
    fn addresses_are_left_out_of_logged_errors() {
        assert_eq!(
            redact("550 5.1.1 <sanne@voorbeeld.nl>: Recipient address rejected"),
            "550 5.1.1 <address> Recipient address rejected"
        );
        assert_eq!(redact("421 try again later"), "421 try again later");
    }
}
