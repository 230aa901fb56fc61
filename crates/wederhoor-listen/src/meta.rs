//! Meta owned channels: WhatsApp Cloud API messages and Facebook/Instagram page comments.
//!
//! Inbound, Meta pushes webhooks to `GET/POST /api/v1/meta/{source_id}` (web crate); this module
//! holds the pure parts: the per-source settings and the translation of the documented webhook
//! payloads into the ingest schema. Outbound, [`MetaConnector`] posts replies through the Graph
//! API.
//!
//! **Settings.** A Meta source keeps its credentials in its delivery secret, as a small JSON
//! object (no schema change; the secret is never shown back on the sources page):
//! `{"verify_token": "…", "app_secret": "…", "access_token": "…", "phone_number_id": "…"}`.
//! `verify_token` answers the subscription handshake, `app_secret` checks
//! `X-Hub-Signature-256`, `access_token` is the bearer token for replies, and
//! `phone_number_id` (WhatsApp only) is the business number replies are sent from.
//!
//! **Shapes followed** (developers.facebook.com: WhatsApp Cloud API webhooks reference
//! `messages`, Webhooks for Pages `feed`, Instagram webhooks `comments`):
//! - WhatsApp: `entry[].changes[]` with `field: "messages"`, `value.contacts[].profile.name` /
//!   `wa_id`, `value.messages[]` with `from`, `id`, `timestamp` (Unix seconds as a string),
//!   `type: "text"`, `text.body`, optional `context.id` (the message it answers).
//! - Facebook: `entry[].changes[]` with `field: "feed"`, `value.item: "comment"`,
//!   `value.verb: "add"`, `comment_id`, `post_id`, `parent_id`, `message`, `from{id,name}`,
//!   `created_time` (Unix seconds).
//! - Instagram: `entry[].changes[]` with `field: "comments"`, `value.id`, `value.text`,
//!   `value.from{id,username}`, `value.parent_id`; `entry[].time` is the event time.
//!
//! **Replies.** WhatsApp `POST {base}/{phone_number_id}/messages` with
//! `{"messaging_product":"whatsapp","to":<wa id>,"type":"text","text":{"body":…}}`; Facebook
//! `POST {base}/{comment_id}/comments` with `{"message":…}`; Instagram
//! `POST {base}/{ig_comment_id}/replies` with `{"message":…}`; all with
//! `Authorization: Bearer <access_token>`. A WhatsApp reply with a photo or video first uploads
//! it (`POST {base}/{phone_number_id}/media`, multipart `messaging_product`, `type`, `file`,
//! answering `{"id"}`) and then sends `"type":"image"|"video"` with `{"id", "caption"}`.
//! The text is the reply and `\n— ` plus the
//! signature the reply was queued with (the agent's name per the channel's signature policy).
//!
//! **Idempotency.** The Graph API takes no idempotency key. A crash between Meta accepting a
//! reply and the outbox marking it sent causes a resend on restart, which the customer then
//! sees twice. The window is a few milliseconds; we accept it rather than never retry.

use crate::rss::{parse_retry_after, truncate_on_char_boundary};
use crate::{Connector, DeliveryError};
use serde_json::{Value, json};
use std::time::Duration;
use wederhoor_core::DeliveryKind;
use wederhoor_store::OutboxItem;

/// The Graph API root replies go to by default.
pub const GRAPH_BASE: &str = "https://graph.facebook.com/v21.0";

/// A Meta source's credentials (its delivery secret, as JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaSettings {
    pub verify_token: String,
    pub app_secret: String,
    pub access_token: String,
    pub phone_number_id: Option<String>,
}

impl MetaSettings {
    /// Reads the delivery secret; the error says what is missing.
    pub fn parse(secret: &str) -> Result<MetaSettings, String> {
        let v: Value = serde_json::from_str(secret).map_err(|e| {
            format!(
                "the delivery secret of a Meta source must be JSON \
                 {{\"verify_token\",\"app_secret\",\"access_token\",\"phone_number_id\"}}: {e}"
            )
        })?;
        let field = |k: &str| -> Option<String> {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let need = |k: &str| field(k).ok_or_else(|| format!("the Meta settings lack `{k}`"));
        Ok(MetaSettings {
            verify_token: need("verify_token")?,
            app_secret: need("app_secret")?,
            access_token: need("access_token")?,
            phone_number_id: field("phone_number_id"),
        })
    }

    /// Checks the settings are complete for a source kind (WhatsApp needs `phone_number_id`).
    pub fn check_for(&self, kind: &str) -> Result<(), String> {
        if kind == "whatsapp" && self.phone_number_id.is_none() {
            return Err("a WhatsApp source needs `phone_number_id` in its Meta settings".into());
        }
        Ok(())
    }
}

/// The messages of one webhook delivery (ingest schema) and how many entries were skipped as
/// unknown or malformed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub messages: Vec<Value>,
    pub skipped: usize,
}

/// Translates a webhook body for a source of `kind` (`whatsapp`, `facebook`, `instagram`).
/// Changes of other fields (statuses, reactions, edits, …) are skipped and counted.
pub fn parse_webhook(kind: &str, body: &Value) -> Parsed {
    let mut out = Parsed::default();
    let Some(entries) = body.get("entry").and_then(Value::as_array) else {
        out.skipped += 1;
        return out;
    };
    for entry in entries {
        let Some(changes) = entry.get("changes").and_then(Value::as_array) else {
            out.skipped += 1;
            continue;
        };
        let entry_time = entry.get("time").and_then(Value::as_i64);
        for change in changes {
            let field = change.get("field").and_then(Value::as_str).unwrap_or("");
            let value = change.get("value").unwrap_or(&Value::Null);
            match (kind, field) {
                ("whatsapp", "messages") => whatsapp(value, &mut out),
                ("facebook", "feed") => match facebook(value) {
                    Some(m) => out.messages.push(m),
                    None => out.skipped += 1,
                },
                ("instagram", "comments") => match instagram(value, entry_time) {
                    Some(m) => out.messages.push(m),
                    None => out.skipped += 1,
                },
                _ => out.skipped += 1,
            }
        }
    }
    out
}

fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Unix seconds (a number or a numeric string) as RFC 3339.
fn unix_time(v: Option<&Value>) -> Option<String> {
    let secs = match v? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    // Meta sends seconds; a millisecond value (entry.time on some objects) is scaled down.
    let secs = if secs > 100_000_000_000 {
        secs / 1000
    } else {
        secs
    };
    jiff::Timestamp::from_second(secs)
        .ok()
        .map(|t| t.to_string())
}

fn whatsapp(value: &Value, out: &mut Parsed) {
    let Some(messages) = value.get("messages").and_then(Value::as_array) else {
        // Status updates (sent/delivered/read) carry no messages.
        out.skipped += 1;
        return;
    };
    let contacts = value.get("contacts").and_then(Value::as_array);
    for m in messages {
        let (Some(from), Some(id), Some(body)) = (
            str_of(m, "from"),
            str_of(m, "id"),
            m.get("text").and_then(|t| str_of(t, "body")),
        ) else {
            out.skipped += 1;
            continue;
        };
        if m.get("type").and_then(Value::as_str) != Some("text") {
            out.skipped += 1;
            continue;
        }
        let name = contacts.and_then(|cs| {
            cs.iter()
                .find(|c| str_of(c, "wa_id") == Some(from))
                .or_else(|| cs.first())
                .and_then(|c| c.get("profile"))
                .and_then(|p| str_of(p, "name"))
        });
        let mut msg = json!({
            "id": id,
            "text": body,
            "author": {"handle": from, "name": name},
        });
        if let Some(t) = unix_time(m.get("timestamp")) {
            msg["created_at"] = json!(t);
        }
        if let Some(ctx) = m.get("context").and_then(|c| str_of(c, "id")) {
            msg["in_reply_to"] = json!(ctx);
        }
        out.messages.push(msg);
    }
}

fn facebook(value: &Value) -> Option<Value> {
    if str_of(value, "item")? != "comment" || str_of(value, "verb")? != "add" {
        return None;
    }
    let id = str_of(value, "comment_id")?;
    let text = str_of(value, "message")?;
    let from = value.get("from")?;
    let mut msg = json!({
        "id": id,
        "text": text,
        "author": {"handle": str_of(from, "id")?, "name": str_of(from, "name")},
    });
    if let Some(t) = unix_time(value.get("created_time")) {
        msg["created_at"] = json!(t);
    }
    // A reply to a comment threads under that comment; a top-level comment starts a case.
    if let Some(parent) = str_of(value, "parent_id")
        && Some(parent) != str_of(value, "post_id")
    {
        msg["in_reply_to"] = json!(parent);
    }
    Some(msg)
}

fn instagram(value: &Value, entry_time: Option<i64>) -> Option<Value> {
    let id = str_of(value, "id")?;
    let text = str_of(value, "text")?;
    let from = value.get("from")?;
    let mut msg = json!({
        "id": id,
        "text": text,
        "author": {"handle": str_of(from, "id")?, "name": str_of(from, "username")},
    });
    if let Some(t) = unix_time(entry_time.map(Value::from).as_ref()) {
        msg["created_at"] = json!(t);
    }
    if let Some(parent) = str_of(value, "parent_id") {
        msg["in_reply_to"] = json!(parent);
    }
    Some(msg)
}

/// Posts replies through the Graph API.
#[derive(Debug, Clone)]
pub struct MetaConnector {
    client: reqwest::Client,
    base: String,
}

impl MetaConnector {
    /// A connector for the real Graph API ([`GRAPH_BASE`]).
    pub fn new() -> Result<MetaConnector, reqwest::Error> {
        MetaConnector::with_base(GRAPH_BASE)
    }

    /// A connector for another Graph API root (tests use a fake on 127.0.0.1).
    pub fn with_base(base: &str) -> Result<MetaConnector, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("wederhoor/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(MetaConnector {
            client,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// The endpoint and JSON body of a reply (pure; see the module documentation).
    pub fn request(
        &self,
        item: &OutboxItem,
        settings: &MetaSettings,
    ) -> Result<(String, Value), DeliveryError> {
        let target = |what: &str| {
            item.in_reply_to
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| DeliveryError::Permanent(format!("the conversation has no {what}")))
        };
        // The customer talks to a person: the reply carries the agent's name as signed.
        let body = wederhoor_core::signed_text(&item.text, &item.agent_name);
        match item.delivery_kind {
            DeliveryKind::Whatsapp => {
                let phone = settings.phone_number_id.as_deref().ok_or_else(|| {
                    DeliveryError::Permanent(
                        "the Meta settings lack `phone_number_id` (WhatsApp)".into(),
                    )
                })?;
                let to = item
                    .author_handle
                    .as_deref()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        DeliveryError::Permanent("the conversation has no WhatsApp number".into())
                    })?;
                Ok((
                    format!("{}/{phone}/messages", self.base),
                    json!({
                        "messaging_product": "whatsapp",
                        "to": to,
                        "type": "text",
                        "text": {"body": body},
                    }),
                ))
            }
            DeliveryKind::Facebook => Ok((
                format!("{}/{}/comments", self.base, target("Facebook comment")?),
                json!({"message": body}),
            )),
            DeliveryKind::Instagram => Ok((
                format!("{}/{}/replies", self.base, target("Instagram comment")?),
                json!({"message": body}),
            )),
            other => Err(DeliveryError::Permanent(format!(
                "{} replies are not sent through Meta",
                other.as_str()
            ))),
        }
    }
}

/// A `multipart/form-data` body for the WhatsApp Cloud API's media upload
/// (`POST /{phone_number_id}/media`: `messaging_product`, `type` and the `file`), and its
/// content type.
pub fn whatsapp_media_form(
    media: &wederhoor_store::ReplyMedia,
    boundary: &str,
) -> (Vec<u8>, String) {
    let extension = media.content_type.rsplit('/').next().unwrap_or("bin");
    let mut body = Vec::with_capacity(media.bytes.len() + 512);
    for (name, value) in [
        ("messaging_product", "whatsapp"),
        ("type", media.content_type.as_str()),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"reply.{extension}\"\r\n\
             Content-Type: {}\r\n\r\n",
            media.content_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(&media.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// The WhatsApp message that sends uploaded media (`type` `image` or `video`, by its id) with
/// the reply's text as its caption.
pub fn whatsapp_media_message(
    to: &str,
    content_type: &str,
    media_id: &str,
    caption: &str,
) -> Value {
    let kind = if content_type.starts_with("video/") {
        "video"
    } else {
        "image"
    };
    let mut message = json!({"messaging_product": "whatsapp", "to": to, "type": kind});
    if let Some(fields) = message.as_object_mut() {
        fields.insert(kind.to_owned(), json!({"id": media_id, "caption": caption}));
    }
    message
}

impl MetaConnector {
    /// Uploads a WhatsApp reply's photo or video; its media id.
    async fn upload_whatsapp_media(
        &self,
        phone: &str,
        token: &str,
        media: &wederhoor_store::ReplyMedia,
    ) -> Result<String, DeliveryError> {
        let url = format!("{}/{phone}/media", self.base);
        let (body, content_type) =
            whatsapp_media_form(media, &format!("wederhoor-{}", media.sha256));
        let response = self
            .client
            .post(&url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| DeliveryError::Retryable {
                message: format!("could not reach the Graph API: {e}"),
                retry_after: None,
            })?;
        let status = response.status();
        if !status.is_success() {
            let message = format!(
                "the WhatsApp media upload answered HTTP {}",
                status.as_u16()
            );
            return Err(
                if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
                    DeliveryError::Retryable {
                        message,
                        retry_after: None,
                    }
                } else {
                    DeliveryError::Permanent(message)
                },
            );
        }
        response
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
            .ok_or_else(|| {
                DeliveryError::Permanent("the WhatsApp media upload answered no id".into())
            })
    }
}

impl Connector for MetaConnector {
    async fn deliver(&self, item: &OutboxItem, secret: Option<&str>) -> Result<(), DeliveryError> {
        let secret = secret.ok_or_else(|| {
            DeliveryError::Permanent("the source has no Meta settings (delivery secret)".into())
        })?;
        let settings = MetaSettings::parse(secret).map_err(DeliveryError::Permanent)?;
        let (url, mut body) = self.request(item, &settings)?;
        // A photo or video: WhatsApp uploads it first and sends it by id, the text as its
        // caption. Facebook and Instagram comment replies are sent as text only (their
        // connectors do not take media, so no such reply is queued for them).
        if let Some(media) = &item.media {
            match (item.delivery_kind, settings.phone_number_id.as_deref()) {
                (DeliveryKind::Whatsapp, Some(phone)) => {
                    let id = self
                        .upload_whatsapp_media(phone, &settings.access_token, media)
                        .await?;
                    let to = body.get("to").and_then(Value::as_str).unwrap_or_default();
                    let caption = wederhoor_core::signed_text(&item.text, &item.agent_name);
                    body = whatsapp_media_message(to, &media.content_type, &id, &caption);
                }
                _ => {
                    return Err(DeliveryError::Permanent(format!(
                        "{} replies are sent without media",
                        item.delivery_kind.as_str()
                    )));
                }
            }
        }
        let response = self
            .client
            .post(&url)
            .bearer_auth(&settings.access_token)
            .json(&body)
            .send()
            .await
            .map_err(|e| DeliveryError::Retryable {
                message: format!("could not reach the Graph API: {e}"),
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
            .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
        let code = status.as_u16();
        // Graph errors: {"error": {"message": "…", "type": "…", "code": 100, …}}.
        let detail = response
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| {
                v.get("error")
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .map(|e| format!(": {}", truncate_on_char_boundary(&e, 300)))
            .unwrap_or_default();
        let message = format!("the Graph API answered HTTP {code}{detail}");
        if status.is_server_error() || code == 408 || code == 429 {
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
    fn settings_need_the_three_secrets() {
        let s = MetaSettings::parse(
            r#"{"verify_token":"v","app_secret":"a","access_token":"t","phone_number_id":"1"}"#,
        )
        .unwrap();
        assert_eq!(s.phone_number_id.as_deref(), Some("1"));
        assert!(s.check_for("whatsapp").is_ok());
        let e = MetaSettings::parse(r#"{"verify_token":"v","access_token":"t"}"#).unwrap_err();
        assert!(e.contains("app_secret"), "{e}");
        assert!(MetaSettings::parse("plain").unwrap_err().contains("JSON"));
        let s = MetaSettings::parse(r#"{"verify_token":"v","app_secret":"a","access_token":"t"}"#)
            .unwrap();
        assert!(s.check_for("whatsapp").is_err());
        assert!(s.check_for("facebook").is_ok());
    }

    #[test]
    fn instagram_comments_are_read() {
        let body = json!({"object":"instagram","entry":[{"id":"1","time":1700000000,"changes":[
            {"field":"comments","value":{"id":"17865","text":"Waar blijft mijn pas?",
             "from":{"id":"42","username":"anne"},"media":{"id":"9"}}},
            {"field":"comments","value":{"id":"17866"}}]}]});
        let p = parse_webhook("instagram", &body);
        assert_eq!(p.skipped, 1);
        assert_eq!(p.messages.len(), 1);
        assert_eq!(p.messages[0]["id"], "17865");
        assert_eq!(p.messages[0]["author"]["name"], "anne");
        assert_eq!(p.messages[0]["created_at"], "2023-11-14T22:13:20Z");
    }
}
