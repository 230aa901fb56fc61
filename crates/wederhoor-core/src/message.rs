//! The message schema of DESIGN §7, as it arrives (`IncomingMessage`) and once checked
//! (`ValidMessage`). A `ValidMessage` that exists is valid: parse, don't validate.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest accepted message text, in bytes. Long e-mails fit; a megabyte of pasted noise does not.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Longest accepted external id, handle or name, in bytes.
pub const MAX_FIELD_BYTES: usize = 512;

/// A message as it arrives over HTTP, in an import file or from a connector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingMessage {
    /// The id the source gave the message (unique per source).
    pub id: Option<serde_json::Value>,
    pub text: Option<String>,
    /// The source name; on the ingest endpoint the token decides the source and this is ignored.
    pub source: Option<String>,
    pub author: Option<IncomingAuthor>,
    /// RFC 3339 time; defaults to the time of arrival.
    pub created_at: Option<String>,
    pub metrics: Option<IncomingMetrics>,
    /// The external id of the message this one answers (threads a conversation).
    pub in_reply_to: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingAuthor {
    pub handle: Option<String>,
    pub name: Option<String>,
    pub followers: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomingMetrics {
    pub reposts: Option<i64>,
    pub likes: Option<i64>,
}

/// Why a message was refused. The text is shown to whoever sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("missing field `id`")]
    MissingId,
    #[error("field `id` must be a non-empty string or a number")]
    BadId,
    #[error("missing field `text`")]
    MissingText,
    #[error("field `text` is empty")]
    EmptyText,
    #[error("field `text` is {0} bytes; the limit is {MAX_TEXT_BYTES}")]
    TextTooLong(usize),
    #[error("field `{0}` is longer than {MAX_FIELD_BYTES} bytes")]
    FieldTooLong(&'static str),
    #[error("field `created_at` is not an RFC 3339 time: {0}")]
    BadTime(String),
    #[error("field `{0}` must not be negative")]
    Negative(&'static str),
}

/// A checked message, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidMessage {
    pub external_id: String,
    pub text: String,
    pub source: Option<String>,
    /// Empty when the source did not say who wrote it.
    pub author_handle: String,
    pub author_name: Option<String>,
    pub followers: i64,
    pub created_at: Timestamp,
    pub reposts: i64,
    pub likes: i64,
    pub in_reply_to: Option<String>,
}

impl IncomingMessage {
    /// Checks every field; `now` is used when the message has no time of its own.
    pub fn parse(self, now: Timestamp) -> Result<ValidMessage, MessageError> {
        let external_id = match self.id {
            None | Some(serde_json::Value::Null) => return Err(MessageError::MissingId),
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(_) => return Err(MessageError::BadId),
        };
        check_len("id", &external_id)?;
        let text = self.text.ok_or(MessageError::MissingText)?;
        if text.trim().is_empty() {
            return Err(MessageError::EmptyText);
        }
        if text.len() > MAX_TEXT_BYTES {
            return Err(MessageError::TextTooLong(text.len()));
        }
        let author = self.author.unwrap_or_default();
        let author_handle = author.handle.unwrap_or_default().trim().to_owned();
        check_len("author.handle", &author_handle)?;
        let author_name = author
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if let Some(n) = &author_name {
            check_len("author.name", n)?;
        }
        let followers = non_negative("author.followers", author.followers)?;
        let metrics = self.metrics.unwrap_or_default();
        let reposts = non_negative("metrics.reposts", metrics.reposts)?;
        let likes = non_negative("metrics.likes", metrics.likes)?;
        let created_at = match self.created_at {
            None => now,
            Some(s) => s
                .parse::<Timestamp>()
                .map_err(|e| MessageError::BadTime(e.to_string()))?,
        };
        let source = self.source.filter(|s| !s.trim().is_empty());
        if let Some(s) = &source {
            check_len("source", s)?;
        }
        let in_reply_to = self.in_reply_to.filter(|s| !s.trim().is_empty());
        if let Some(s) = &in_reply_to {
            check_len("in_reply_to", s)?;
        }
        Ok(ValidMessage {
            external_id,
            text,
            source,
            author_handle,
            author_name,
            followers,
            created_at,
            reposts,
            likes,
            in_reply_to,
        })
    }
}

fn check_len(field: &'static str, value: &str) -> Result<(), MessageError> {
    if value.len() > MAX_FIELD_BYTES {
        Err(MessageError::FieldTooLong(field))
    } else {
        Ok(())
    }
}

fn non_negative(field: &'static str, value: Option<i64>) -> Result<i64, MessageError> {
    match value {
        Some(v) if v < 0 => Err(MessageError::Negative(field)),
        Some(v) => Ok(v),
        None => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-25T10:00:00Z".parse().unwrap()
    }

    fn parse_json(s: &str) -> Result<ValidMessage, MessageError> {
        serde_json::from_str::<IncomingMessage>(s)
            .unwrap()
            .parse(now())
    }

    #[test]
    fn minimal_message_gets_defaults() {
        let m = parse_json(r#"{"id":42,"text":"Mijn pas doet het niet"}"#).unwrap();
        assert_eq!(m.external_id, "42");
        assert_eq!(m.created_at, now());
        assert_eq!(m.author_handle, "");
        assert_eq!(m.followers, 0);
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(parse_json(r#"{"text":"x"}"#), Err(MessageError::MissingId));
        assert_eq!(
            parse_json(r#"{"id":"","text":"x"}"#),
            Err(MessageError::BadId)
        );
        assert_eq!(parse_json(r#"{"id":"a"}"#), Err(MessageError::MissingText));
        assert_eq!(
            parse_json(r#"{"id":"a","text":"  "}"#),
            Err(MessageError::EmptyText)
        );
        assert!(matches!(
            parse_json(r#"{"id":"a","text":"x","created_at":"gisteren"}"#),
            Err(MessageError::BadTime(_))
        ));
        assert_eq!(
            parse_json(r#"{"id":"a","text":"x","author":{"followers":-1}}"#),
            Err(MessageError::Negative("author.followers"))
        );
        let long = "a".repeat(MAX_TEXT_BYTES + 1);
        let m = IncomingMessage {
            id: Some("a".into()),
            text: Some(long),
            ..Default::default()
        };
        assert_eq!(
            m.parse(now()),
            Err(MessageError::TextTooLong(MAX_TEXT_BYTES + 1))
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(
            serde_json::from_str::<IncomingMessage>(r#"{"id":1,"text":"x","txt":"y"}"#).is_err()
        );
    }
}
