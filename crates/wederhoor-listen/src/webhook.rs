//! Delivery by webhook: the reply is POSTed as JSON, signed with HMAC-SHA256.
//!
//! Headers: `X-Wederhoor-Signature: sha256=<hex of HMAC-SHA256(secret, body)>`,
//! `Idempotency-Key: <reply key>` (the same on every attempt of one reply).

use crate::{Connector, DeliveryError};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;
use wederhoor_store::OutboxItem;

#[derive(Clone)]
pub struct WebhookConnector {
    client: reqwest::Client,
}

impl WebhookConnector {
    pub fn new() -> Result<WebhookConnector, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("wederhoor/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(WebhookConnector { client })
    }
}

/// The body of a delivery: the reply, signed with the agent's own name.
pub fn payload(item: &OutboxItem) -> serde_json::Value {
    serde_json::json!({
        "reply_id": item.reply,
        "conversation_id": item.conversation,
        "source": item.source_name,
        "in_reply_to": item.in_reply_to,
        "to": item.author_handle,
        "text": format!("{}\n— {}", item.text, item.agent_name),
        "agent": item.agent_name,
        "idempotency_key": item.idempotency_key,
    })
}

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Connector for WebhookConnector {
    async fn deliver(&self, item: &OutboxItem, secret: Option<&str>) -> Result<(), DeliveryError> {
        let url = item
            .delivery_url
            .as_deref()
            .ok_or_else(|| DeliveryError::Permanent("the source has no webhook URL".into()))?;
        let body = serde_json::to_vec(&payload(item))
            .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
        let mut request = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("idempotency-key", &item.idempotency_key);
        if let Some(secret) = secret {
            request = request.header("x-wederhoor-signature", sign(secret, &body));
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| DeliveryError::Retryable {
                message: format!("could not reach {url}: {e}"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
