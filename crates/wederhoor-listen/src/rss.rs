//! The RSS/Atom listening connector: one conditional GET of a feed, its items turned into
//! messages, the ones the source's listening query selects handed to a [`Sink`] together with
//! the new checkpoint (so the store writes both in one transaction).
//!
//! - **Formats**: RSS 2.0 (`<item>` with `<guid>`), Atom (`<entry>` with `<id>`) and the other
//!   flavours `feed-rs` reads (RSS 0.9x/1.0). External id = guid / id, else the first link.
//! - **Text**: title, a blank line, then the content (else the summary); HTML tags removed,
//!   entities decoded, whitespace collapsed, cut to [`MAX_TEXT_BYTES`] on a character boundary.
//! - **Time**: published, else updated, else the time of the poll.
//! - **Checkpoint**: `{"etag": …, "last_modified": …}` (JSON) from the last `200`; sent back as
//!   `If-None-Match` / `If-Modified-Since` (RFC 9110 §13.1), so an unchanged feed costs a `304`.
//! - A malformed item (no id or link, no text, an over-long id) is skipped, counted and logged;
//!   a malformed feed is an error for that poll.

use crate::query::{Matcher, Query, QueryId};
use crate::{Sink, SinkReport};
use std::time::Duration;
use wederhoor_core::message::MAX_FIELD_BYTES;
use wederhoor_core::{IncomingAuthor, IncomingMessage, ValidMessage};
use wederhoor_store::Source;

pub use wederhoor_core::message::MAX_TEXT_BYTES;

/// Largest feed body read (bytes); a larger answer is an error for that poll.
pub const MAX_FEED_BYTES: usize = 16 * 1024 * 1024;

/// Largest batch handed to the sink at once (the store writes a batch in one transaction).
const BATCH: usize = 500;

/// Why a poll did not succeed. Every poll error is retried later (with backoff).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct PollError {
    pub message: String,
    /// The server asked us to wait this long (`Retry-After` on `429` / `503`).
    pub retry_after: Option<Duration>,
}

impl PollError {
    fn new(message: impl Into<String>) -> PollError {
        PollError {
            message: message.into(),
            retry_after: None,
        }
    }
}

/// The validators of the last full answer, stored as the source's checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checkpoint {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Checkpoint {
    /// Reads a stored checkpoint; anything unreadable counts as none (the next poll is a full GET).
    pub fn decode(s: Option<&str>) -> Checkpoint {
        let Some(value) = s.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok()) else {
            return Checkpoint::default();
        };
        let field = |k: &str| {
            value
                .get(k)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Checkpoint {
            etag: field("etag"),
            last_modified: field("last_modified"),
        }
    }

    pub fn encode(&self) -> String {
        serde_json::json!({"etag": self.etag, "last_modified": self.last_modified}).to_string()
    }
}

/// A feed's items as messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFeed {
    pub messages: Vec<ValidMessage>,
    /// Items skipped because they could not become a message.
    pub malformed: usize,
}

/// Parses a feed body (raw bytes: `feed-rs` honours the XML encoding declaration).
pub fn parse_feed(
    body: &[u8],
    source_name: &str,
    now: jiff::Timestamp,
) -> Result<ParsedFeed, PollError> {
    let parser = feed_rs::parser::Builder::new()
        // Our id rule: guid / id, else the first link, else none (the item is malformed).
        .id_generator(|links, _title, _base| {
            links
                .first()
                .map(|l| l.href.trim().to_owned())
                .unwrap_or_default()
        })
        .sanitize_content(false)
        .build();
    let feed = parser
        .parse(body)
        .map_err(|e| PollError::new(format!("malformed feed: {e}")))?;
    let mut out = ParsedFeed::default();
    for (i, entry) in feed.entries.into_iter().enumerate() {
        match entry_to_message(entry, now) {
            Ok(m) => out.messages.push(m),
            Err(reason) => {
                out.malformed += 1;
                tracing::warn!(source = source_name, item = i, reason = %reason, "feed item skipped");
            }
        }
    }
    Ok(out)
}

fn is_html(media: &impl std::fmt::Display) -> bool {
    let m = media.to_string().to_ascii_lowercase();
    m.contains("html")
}

fn text_of(t: &feed_rs::model::Text) -> String {
    if is_html(&t.content_type) {
        strip_html(&t.content)
    } else {
        collapse_whitespace(&t.content)
    }
}

/// One feed entry as a checked message, or why it cannot be one.
pub fn entry_to_message(
    entry: feed_rs::model::Entry,
    now: jiff::Timestamp,
) -> Result<ValidMessage, String> {
    let id = entry.id.trim().to_owned();
    if id.is_empty() {
        return Err("no guid, id or link".into());
    }
    let title = entry.title.as_ref().map(text_of).unwrap_or_default();
    let body = entry
        .content
        .as_ref()
        .and_then(|c| {
            c.body.as_deref().map(|b| {
                if is_html(&c.content_type) {
                    strip_html(b)
                } else {
                    collapse_whitespace(b)
                }
            })
        })
        .filter(|b| !b.is_empty())
        .or_else(|| entry.summary.as_ref().map(text_of))
        .unwrap_or_default();
    let text = match (title.is_empty(), body.is_empty()) {
        (false, false) if body.starts_with(&title) => body,
        (false, false) => format!("{title}\n\n{body}"),
        (false, true) => title,
        (true, _) => body,
    };
    let text = truncate_on_char_boundary(&text, MAX_TEXT_BYTES).to_owned();
    let author = entry.authors.first().and_then(|p| {
        let name = p
            .name
            .as_deref()
            .map(collapse_whitespace)
            // RSS `<author>` is "mail@example.org (Name)"; the name comes with its parentheses.
            .map(
                |n| match n.strip_prefix('(').and_then(|n| n.strip_suffix(')')) {
                    Some(inner) => inner.trim().to_owned(),
                    None => n,
                },
            )
            .filter(|n| !n.is_empty());
        let handle = p
            .email
            .as_deref()
            .or(p.uri.as_deref())
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .or_else(|| name.clone());
        let cut = |s: String| truncate_on_char_boundary(&s, MAX_FIELD_BYTES).to_owned();
        (name.is_some() || handle.is_some()).then(|| IncomingAuthor {
            handle: handle.map(cut),
            name: name.map(cut),
            followers: None,
        })
    });
    let created_at = entry
        .published
        .or(entry.updated)
        .and_then(|t| jiff::Timestamp::from_millisecond(t.timestamp_millis()).ok())
        .map(|t| t.to_string());
    IncomingMessage {
        id: Some(serde_json::Value::String(id)),
        text: Some(text),
        source: None,
        author,
        created_at,
        metrics: None,
        in_reply_to: None,
    }
    .parse(now)
    .map_err(|e| e.to_string())
}

/// `s` cut to at most `max` bytes, at a character boundary.
pub fn truncate_on_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Runs of whitespace become one space; leading and trailing whitespace goes.
pub fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Plain text of an HTML fragment: tags removed (block tags become a space, `script` and
/// `style` are dropped with their content), comments removed, character references decoded,
/// whitespace collapsed. A `<` that does not open a tag is kept as text.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find(['<', '&']) {
        out.push_str(&rest[..pos]);
        let here = &rest[pos..];
        if here.starts_with('&') {
            let (decoded, used) = decode_entity(here);
            out.push_str(&decoded);
            rest = &here[used..];
            continue;
        }
        if let Some(after) = here.strip_prefix("<!--") {
            rest = after.find("-->").map(|e| &after[e + 3..]).unwrap_or("");
            continue;
        }
        let next = here[1..].chars().next();
        let opens_tag =
            matches!(next, Some(c) if c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
        if !opens_tag {
            out.push('<');
            rest = &here[1..];
            continue;
        }
        let Some(end) = here.find('>') else {
            // An unfinished tag at the end: drop it.
            rest = "";
            continue;
        };
        let tag = &here[1..end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &here[end + 1..];
        if !tag.starts_with('/') && (name == "script" || name == "style") {
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&close) {
                Some(c) => {
                    let after = &rest[c..];
                    after.find('>').map(|e| &after[e + 1..]).unwrap_or("")
                }
                None => "",
            };
            out.push(' ');
            continue;
        }
        if is_block(&name) {
            out.push(' ');
        }
    }
    out.push_str(rest);
    collapse_whitespace(&out)
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "br" | "p"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "blockquote"
            | "pre"
            | "hr"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "figure"
            | "figcaption"
            | "img"
    )
}

/// Decodes the character reference at the start of `s` (which starts with `&`); returns the
/// text and how many bytes were used. An unknown or broken reference is kept as a literal `&`.
fn decode_entity(s: &str) -> (String, usize) {
    let literal = ("&".to_owned(), 1);
    let body_end = s
        .char_indices()
        .skip(1)
        .take(12)
        .find(|&(_, c)| c == ';')
        .map(|(i, _)| i);
    let Some(semi) = body_end else {
        return literal;
    };
    let name = &s[1..semi];
    let decoded = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        };
        code.and_then(char::from_u32)
            .filter(|c| *c != '\0')
            .map(String::from)
    } else {
        named_entity(name).map(String::from)
    };
    match decoded {
        Some(d) => (d, semi + 1),
        None => literal,
    }
}

fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" => " ",
        "hellip" => "…",
        "mdash" => "—",
        "ndash" => "–",
        "lsquo" => "‘",
        "rsquo" => "’",
        "sbquo" => "‚",
        "ldquo" => "“",
        "rdquo" => "”",
        "bdquo" => "„",
        "laquo" => "«",
        "raquo" => "»",
        "euro" => "€",
        "pound" => "£",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        "deg" => "°",
        "middot" => "·",
        "bull" => "•",
        "times" => "×",
        "shy" => "",
        "zwj" | "zwnj" => "",
        "eacute" => "é",
        "egrave" => "è",
        "ecirc" => "ê",
        "euml" => "ë",
        "aacute" => "á",
        "agrave" => "à",
        "auml" => "ä",
        "iuml" => "ï",
        "iacute" => "í",
        "oacute" => "ó",
        "ouml" => "ö",
        "uuml" => "ü",
        "uacute" => "ú",
        "ccedil" => "ç",
        "ntilde" => "ñ",
        "szlig" => "ß",
        "Eacute" => "É",
        "Euml" => "Ë",
        "Ouml" => "Ö",
        "Uuml" => "Ü",
        "Auml" => "Ä",
        _ => return None,
    })
}

/// The HTTP side: conditional GETs with a bounded body.
#[derive(Clone)]
pub struct FeedClient {
    client: reqwest::Client,
}

/// What a conditional GET brought.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// `304`: nothing changed since the checkpoint.
    NotModified,
    /// `2xx`: the feed, and the validators to send next time.
    Feed {
        body: Vec<u8>,
        checkpoint: Checkpoint,
    },
}

impl FeedClient {
    pub fn new() -> Result<FeedClient, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!(
                "wederhoor/",
                env!("CARGO_PKG_VERSION"),
                " (feed reader)"
            ))
            .build()?;
        Ok(FeedClient { client })
    }

    /// GET `url` with `If-None-Match` / `If-Modified-Since` from `checkpoint`.
    pub async fn fetch(&self, url: &str, checkpoint: &Checkpoint) -> Result<Fetched, PollError> {
        let mut request = self.client.get(url).header(
            "accept",
            "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
        );
        if let Some(etag) = &checkpoint.etag {
            request = request.header("if-none-match", etag);
        }
        if let Some(lm) = &checkpoint.last_modified {
            request = request.header("if-modified-since", lm);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| PollError::new(format!("could not reach {url}: {e}")))?;
        let status = response.status();
        if status.as_u16() == 304 {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            let retry_after = if matches!(status.as_u16(), 429 | 503) {
                response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()))
            } else {
                None
            };
            return Err(PollError {
                message: format!("feed answered HTTP {}", status.as_u16()),
                retry_after,
            });
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let checkpoint = Checkpoint {
            etag: header("etag"),
            last_modified: header("last-modified"),
        };
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| PollError::new(format!("reading {url}: {e}")))?
        {
            if body.len() + chunk.len() > MAX_FEED_BYTES {
                return Err(PollError::new(format!(
                    "feed is larger than {MAX_FEED_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Feed { body, checkpoint })
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as a wait from `now`.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    let ms = at.as_millisecond() - now.as_millisecond();
    Some(Duration::from_millis(u64::try_from(ms.max(0)).unwrap_or(0)))
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// The server answered `304 Not Modified`.
    pub not_modified: bool,
    /// Items that became messages (before the listening query).
    pub items: usize,
    pub stored: usize,
    pub duplicates: usize,
    /// Items that could not become a message.
    pub malformed: usize,
    /// Messages the listening query did not select.
    pub unmatched: usize,
}

impl PollReport {
    /// Items not stored on purpose (malformed or not selected), for the source's health.
    pub fn skipped(&self) -> usize {
        self.malformed + self.unmatched
    }
}

/// One poll of one feed source: conditional GET, parse, filter by the listening query, hand the
/// selected messages and the new checkpoint to `sink` (in batches; the checkpoint goes with the
/// last one, so a crash half-way re-reads the feed and the store reports duplicates).
pub async fn poll_feed<S: Sink>(
    client: &FeedClient,
    sink: &S,
    source: &Source,
    checkpoint: Option<&str>,
) -> Result<PollReport, PollError> {
    let url = source
        .url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| PollError::new("the source has no feed URL"))?;
    let query = match source
        .listening_query
        .as_deref()
        .filter(|q| !q.trim().is_empty())
    {
        Some(q) => Some((
            q.to_owned(),
            Query::parse(q).map_err(|e| PollError::new(format!("listening query: {e}")))?,
        )),
        None => None,
    };
    let (body, new_checkpoint) = match client.fetch(url, &Checkpoint::decode(checkpoint)).await? {
        Fetched::NotModified => {
            return Ok(PollReport {
                not_modified: true,
                ..PollReport::default()
            });
        }
        Fetched::Feed { body, checkpoint } => (body, checkpoint),
    };
    let parsed = parse_feed(&body, &source.name, jiff::Timestamp::now())?;
    let mut report = PollReport {
        items: parsed.messages.len(),
        malformed: parsed.malformed,
        ..PollReport::default()
    };
    let (selected, matched_query) = match query {
        Some((text, q)) => {
            let matcher = Matcher::compile([(QueryId(0), q)]);
            let selected: Vec<ValidMessage> = parsed
                .messages
                .into_iter()
                .filter(|m| !matcher.matches(&m.text).is_empty())
                .collect();
            report.unmatched = report.items - selected.len();
            (selected, Some(text))
        }
        None => (parsed.messages, None),
    };
    let mut batches: Vec<Vec<ValidMessage>> = Vec::new();
    let mut it = selected.into_iter().peekable();
    while it.peek().is_some() {
        batches.push(it.by_ref().take(BATCH).collect());
    }
    if batches.is_empty() {
        batches.push(Vec::new());
    }
    let last = batches.len() - 1;
    for (i, batch) in batches.into_iter().enumerate() {
        let cp = (i == last).then(|| new_checkpoint.encode());
        let SinkReport { stored, duplicates } = sink
            .store(source, batch, cp, matched_query.clone())
            .await
            .map_err(|e| PollError::new(format!("storing: {e}")))?;
        report.stored += stored;
        report.duplicates += duplicates;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_stripped_and_entities_decoded() {
        assert_eq!(
            strip_html(
                "<p>Mijn <b>pas</b> doet&nbsp;het&#32;niet &amp; de app&#x21;</p><p>Hulp?</p>"
            ),
            "Mijn pas doet het niet & de app! Hulp?"
        );
        assert_eq!(
            strip_html("a < b &unknown; <script>x()</script>c<!-- no -->d"),
            "a < b &unknown; cd"
        );
        assert_eq!(strip_html("&lt;b&gt;"), "<b>");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let s = "é".repeat(10);
        assert_eq!(truncate_on_char_boundary(&s, 5), "éé");
        assert_eq!(truncate_on_char_boundary("abc", 5), "abc");
    }

    #[test]
    fn checkpoint_round_trips() {
        let c = Checkpoint {
            etag: Some("\"v1\"".into()),
            last_modified: Some("Wed, 25 Nov 2026 10:00:00 GMT".into()),
        };
        assert_eq!(Checkpoint::decode(Some(&c.encode())), c);
        assert_eq!(Checkpoint::decode(Some("garbage")), Checkpoint::default());
        assert_eq!(Checkpoint::decode(None), Checkpoint::default());
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let now: jiff::Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 10:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
