//! Outgoing notification webhooks in the format of Slack, Mattermost and Microsoft Teams
//! incoming webhooks: a POST of `{"text": "…"}` (all three accept it). The body is composed and
//! queued by the application (`webhook_outbox`); this only posts it, with the queued row's
//! idempotency key as a header, and tells a retryable failure from a permanent one.

use crate::DeliveryError;
use std::time::Duration;

/// Posts notification webhooks.
#[derive(Clone)]
pub struct Notifier {
    client: reqwest::Client,
}

/// The JSON body of an incoming webhook carrying `text`.
pub fn text_payload(text: &str) -> String {
    serde_json::json!({ "text": text }).to_string()
}

impl Notifier {
    pub fn new() -> Result<Notifier, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wederhoor/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Notifier { client })
    }

    /// Posts `body` (JSON) to `url`. The error never carries the URL (it may hold a token).
    pub async fn post(
        &self,
        url: &str,
        body: &str,
        idempotency_key: &str,
    ) -> Result<(), DeliveryError> {
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("idempotency-key", idempotency_key)
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| DeliveryError::Retryable {
                message: format!("could not reach the webhook: {}", without_url(e)),
                retry_after: None,
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let message = format!("webhook answered HTTP {}", status.as_u16());
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(DeliveryError::Retryable {
                message,
                retry_after,
            })
        } else {
            Err(DeliveryError::Permanent(message))
        }
    }
}

fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_is_one_text_field_escaped_as_json() {
        let body = text_payload("Escalatie \"pers\"\nzaak 4");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        assert_eq!(v["text"], "Escalatie \"pers\"\nzaak 4");
        assert_eq!(v.as_object().map(|o| o.len()), Some(1));
    }
}
