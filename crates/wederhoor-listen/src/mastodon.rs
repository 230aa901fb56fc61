//! The Mastodon connector: listening through the streaming API (server-sent events) with a REST
//! backfill on every (re)connect, and replying by posting a status.
//!
//! # Source URL forms (source kind `mastodon`)
//!
//! | `url`                                   | streams                                 | backfills from                              |
//! |-----------------------------------------|-----------------------------------------|---------------------------------------------|
//! | `https://social.example/tags/zuiderbank` | `/api/v1/streaming/hashtag?tag=zuiderbank` | `/api/v1/timelines/tag/zuiderbank`       |
//! | `https://social.example/public/local`   | `/api/v1/streaming/public/local`        | `/api/v1/timelines/public?local=true`       |
//! | `https://social.example/public`         | `/api/v1/streaming/public`              | `/api/v1/timelines/public`                  |
//! | `https://social.example/notifications`  | `/api/v1/streaming/user/notification`   | `/api/v1/notifications?types[]=mention`     |
//!
//! The access token (`Authorization: Bearer …`) is the source's delivery secret; `notifications`
//! (mentions of our own account) needs it, the public streams work with or without it.
//!
//! # Listening
//! One task per enabled `mastodon` source ([`run_mastodon`]). A session connects the stream
//! first, then backfills through REST since the stored checkpoint (`since_id`, paging back with
//! `max_id` while pages are full; without a checkpoint only the newest page), then reads the
//! stream. Connecting before the backfill means a
//! status posted in between arrives on the stream (buffered) and is not lost; one seen twice is a
//! duplicate in the store. `update` events carry a Status, `notification` events a Notification
//! (only `mention`s with a status are kept), `status.update` an edited Status (handed to the sink's
//! `edit`: a stored status gets the new text and a new triage) and `delete` a status id (the sink's
//! `delete` marks a stored status deleted); heartbeats (`:` lines) and other events are ignored;
//! a payload that is not a usable status is skipped, counted and logged. The listening query
//! selects what is stored.
//!
//! **Checkpoint**: the newest id handed to the store (the status id; for `notifications` the
//! notification id, since that is what `since_id` pages). It never moves backwards.
//!
//! **Reconnects** back off exponentially with jitter ([`crate::poller::next_delay`], base
//! [`MastodonConfig::reconnect_base`]); a `Retry-After` on `429`/`503` is waited out. Health is
//! recorded after the backfill and after every streamed status, an error after every failure.
//!
//! # Status → message
//! id = status `id` (else `uri`); text = `content` with HTML stripped (with `spoiler_text` in
//! front when there is one); author handle `@acct`, name `display_name`, followers
//! `followers_count`; `created_at`; metrics `reblogs_count` / `favourites_count`; in reply to =
//! `in_reply_to_id`. A reblog is read as the reblogged status.
//!
//! # Replying ([`MastodonConnector`])
//! `POST /api/v1/statuses` on the source's instance with `status` (the reply, `\n— Agent`, and an
//! `@acct` mention in front when the text lacks it), `in_reply_to_id` (the newest inbound
//! message), `visibility` (`direct` when the case is private, else `public`), and the reply's
//! `Idempotency-Key`. `2xx` is sent; `4xx` other than `408`/`429` is permanent; the rest retried.

use crate::query::{Matcher, Query, QueryId};
use crate::rss::{parse_retry_after, strip_html, truncate_on_char_boundary};
use crate::{Connector, DeliveryError, Sink, SinkReport};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use wederhoor_core::message::{MAX_FIELD_BYTES, MAX_TEXT_BYTES};
use wederhoor_core::{IncomingAuthor, IncomingMessage, IncomingMetrics, ValidMessage};
use wederhoor_store::{OutboxItem, Source, Store};

/// Statuses per REST page (the API's maximum for timelines is 40).
const PAGE: usize = 40;
/// Most pages one backfill reads (a longer gap keeps the newest `PAGE × MAX_PAGES`).
const MAX_PAGES: usize = 50;
/// Largest single server-sent event accepted.
const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// Source kinds this connector reads.
pub fn is_mastodon_kind(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("mastodon")
}

/// What a source URL follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    Hashtag(String),
    PublicLocal,
    Public,
    Notifications,
}

/// A source URL understood: the instance base (`https://social.example`) and what to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub instance: String,
    pub follow: Follow,
}

impl Endpoint {
    /// Reads one of the URL forms in the module docs.
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| format!("{url:?} is not an http(s) URL"))?;
        let scheme_len = url.len() - rest.len();
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if host.is_empty() {
            return Err(format!("{url:?} names no instance"));
        }
        let instance = url[..scheme_len + host.len()].to_owned();
        let path = path.trim_end_matches('/');
        let follow = match path {
            "public/local" => Follow::PublicLocal,
            "public" => Follow::Public,
            "notifications" => Follow::Notifications,
            p => match p.strip_prefix("tags/") {
                Some(tag)
                    if !tag.is_empty() && tag.chars().all(|c| c.is_alphanumeric() || c == '_') =>
                {
                    Follow::Hashtag(tag.to_owned())
                }
                _ => {
                    return Err(format!(
                        "{url:?}: expected …/tags/NAME, …/public/local, …/public or …/notifications"
                    ));
                }
            },
        };
        Ok(Endpoint { instance, follow })
    }

    /// The streaming URL.
    pub fn stream_url(&self) -> String {
        let i = &self.instance;
        match &self.follow {
            Follow::Hashtag(t) => format!("{i}/api/v1/streaming/hashtag?tag={t}"),
            Follow::PublicLocal => format!("{i}/api/v1/streaming/public/local"),
            Follow::Public => format!("{i}/api/v1/streaming/public"),
            Follow::Notifications => format!("{i}/api/v1/streaming/user/notification"),
        }
    }

    /// The REST URL of one backfill page (newest first).
    pub fn rest_url(&self, since_id: Option<&str>, max_id: Option<&str>) -> String {
        let i = &self.instance;
        let mut url = match &self.follow {
            Follow::Hashtag(t) => format!("{i}/api/v1/timelines/tag/{t}?limit={PAGE}"),
            Follow::PublicLocal => format!("{i}/api/v1/timelines/public?local=true&limit={PAGE}"),
            Follow::Public => format!("{i}/api/v1/timelines/public?limit={PAGE}"),
            Follow::Notifications => {
                format!("{i}/api/v1/notifications?types[]=mention&limit={PAGE}")
            }
        };
        if let Some(s) = since_id {
            url.push_str("&since_id=");
            url.push_str(s);
        }
        if let Some(m) = max_id {
            url.push_str("&max_id=");
            url.push_str(m);
        }
        url
    }
}

/// Mastodon ids are decimal strings of growing value: compares them as numbers when both are,
/// else as strings.
pub fn id_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if digits(a) && digits(b) {
        let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
        a.len().cmp(&b.len()).then_with(|| a.cmp(b))
    } else {
        a.cmp(b)
    }
}

fn newest(a: Option<String>, b: &str) -> Option<String> {
    match a {
        Some(a) if id_cmp(&a, b).is_ge() => Some(a),
        _ => Some(b.to_owned()),
    }
}

/// One status as a checked message, or why it cannot be one.
pub fn status_to_message(
    status: &serde_json::Value,
    now: jiff::Timestamp,
) -> Result<ValidMessage, String> {
    let status = match status.get("reblog") {
        Some(r) if r.is_object() => r,
        _ => status,
    };
    if !status.is_object() {
        return Err("the payload is not a status object".into());
    }
    let s = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
    };
    let id = s(status, "id")
        .or_else(|| s(status, "uri"))
        .ok_or("status has no id or uri")?;
    let content = s(status, "content")
        .map(|c| strip_html(&c))
        .unwrap_or_default();
    let text = match s(status, "spoiler_text") {
        Some(cw) if !content.is_empty() => format!("{cw}\n\n{content}"),
        Some(cw) => cw,
        None => content,
    };
    let text = truncate_on_char_boundary(&text, MAX_TEXT_BYTES).to_owned();
    let cut = |x: String| truncate_on_char_boundary(&x, MAX_FIELD_BYTES).to_owned();
    let author = status
        .get("account")
        .filter(|a| a.is_object())
        .map(|a| IncomingAuthor {
            handle: s(a, "acct").map(|h| cut(format!("@{}", h.trim_start_matches('@')))),
            name: s(a, "display_name").map(cut),
            followers: a.get("followers_count").and_then(|f| f.as_i64()),
        });
    let count = |k: &str| status.get(k).and_then(|x| x.as_i64());
    let metrics =
        (count("reblogs_count").is_some() || count("favourites_count").is_some()).then(|| {
            IncomingMetrics {
                reposts: count("reblogs_count"),
                likes: count("favourites_count"),
            }
        });
    IncomingMessage {
        id: Some(serde_json::Value::String(id)),
        text: Some(text),
        source: None,
        author,
        created_at: s(status, "created_at"),
        metrics,
        in_reply_to: s(status, "in_reply_to_id"),
    }
    .parse(now)
    .map_err(|e| e.to_string())
}

/// What an event or REST item yields: the status (for the store) and the id to checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Status {
        message: ValidMessage,
        position: String,
    },
    /// A `status.update`: its author edited a status.
    Edited(ValidMessage),
    /// A `delete`: its author deleted the status with this id.
    Deleted(String),
    /// Not for us (another notification type, …); the position still advances.
    Ignored {
        position: Option<String>,
    },
    Malformed(String),
}

/// Reads one `update` payload (a Status) or `notification` payload (a Notification).
pub fn read_item(event: &str, payload: &str, now: jiff::Timestamp) -> Item {
    if event == "delete" {
        // The payload is the bare status id (some servers quote it).
        let id = payload.trim().trim_matches('"');
        return if id.is_empty() || id.len() > 64 || id.chars().any(char::is_whitespace) {
            Item::Malformed("delete without a status id".into())
        } else {
            Item::Deleted(id.to_owned())
        };
    }
    let value: serde_json::Value = match serde_json::from_str(payload) {
        Ok(v) => v,
        Err(e) => return Item::Malformed(format!("{event} payload is not JSON: {e}")),
    };
    read_value(event, &value, now)
}

fn read_value(event: &str, value: &serde_json::Value, now: jiff::Timestamp) -> Item {
    match event {
        "update" => match status_to_message(value, now) {
            Ok(message) => {
                let position = value
                    .get("id")
                    .and_then(|i| i.as_str())
                    .map(str::to_owned)
                    .unwrap_or_else(|| message.external_id.clone());
                Item::Status { message, position }
            }
            Err(e) => Item::Malformed(e),
        },
        "notification" => {
            let Some(position) = value.get("id").and_then(|i| i.as_str()).map(str::to_owned) else {
                return Item::Malformed("notification has no id".into());
            };
            if value.get("type").and_then(|t| t.as_str()) != Some("mention") {
                return Item::Ignored {
                    position: Some(position),
                };
            }
            match value.get("status").map(|st| status_to_message(st, now)) {
                Some(Ok(message)) => Item::Status { message, position },
                Some(Err(e)) => Item::Malformed(e),
                None => Item::Malformed("mention without a status".into()),
            }
        }
        "status.update" => match status_to_message(value, now) {
            Ok(message) => Item::Edited(message),
            Err(e) => Item::Malformed(e),
        },
        _ => Item::Ignored { position: None },
    }
}

/// Why a session ended badly.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct StreamError {
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl StreamError {
    pub(crate) fn new(message: impl Into<String>) -> StreamError {
        StreamError {
            message: message.into(),
            retry_after: None,
        }
    }
}

/// What one session (backfill + stream) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionReport {
    pub backfilled: usize,
    pub streamed: usize,
    pub stored: usize,
    pub duplicates: usize,
    pub malformed: usize,
    pub unmatched: usize,
    /// Stored statuses their authors edited or deleted during the session.
    pub edited: usize,
    pub deleted: usize,
    /// The checkpoint after the session.
    pub checkpoint: Option<String>,
}

/// The HTTP side of listening: REST pages and the event stream.
#[derive(Clone)]
pub struct MastodonClient {
    client: reqwest::Client,
    /// A stream silent for longer than this is reconnected (Mastodon sends heartbeats).
    pub idle_timeout: Duration,
}

impl MastodonClient {
    pub fn new() -> Result<MastodonClient, reqwest::Error> {
        // No overall timeout: a stream stays open; silence is caught by `idle_timeout`.
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!(
                "wederhoor/",
                env!("CARGO_PKG_VERSION"),
                " (mastodon)"
            ))
            .build()?;
        Ok(MastodonClient {
            client,
            idle_timeout: Duration::from_secs(120),
        })
    }

    async fn get(
        &self,
        url: &str,
        token: Option<&str>,
        accept: &str,
    ) -> Result<reqwest::Response, StreamError> {
        let mut request = self.client.get(url).header("accept", accept);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        let response = request
            .send()
            .await
            .map_err(|e| StreamError::new(format!("could not reach {url}: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = if matches!(status.as_u16(), 429 | 503) {
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()))
        } else {
            None
        };
        Err(StreamError {
            message: format!("{url} answered HTTP {}", status.as_u16()),
            retry_after,
        })
    }
}

struct Listening<'a, S> {
    sink: &'a S,
    source: &'a Source,
    matcher: Option<(String, Matcher)>,
    report: SessionReport,
}

impl<S: Sink> Listening<'_, S> {
    /// Stores `messages` (already in order) with the checkpoint moved to `position`.
    async fn store(
        &mut self,
        messages: Vec<ValidMessage>,
        position: Option<String>,
    ) -> Result<(usize, usize), StreamError> {
        let total = messages.len();
        let selected: Vec<ValidMessage> = match &self.matcher {
            Some((_, m)) => messages
                .into_iter()
                .filter(|msg| !m.matches(&msg.text).is_empty())
                .collect(),
            None => messages,
        };
        let unmatched = total - selected.len();
        self.report.unmatched += unmatched;
        let checkpoint = match position {
            Some(p) => newest(self.report.checkpoint.clone(), &p),
            None => self.report.checkpoint.clone(),
        };
        let changed = checkpoint != self.report.checkpoint;
        if selected.is_empty() && !changed {
            return Ok((0, unmatched));
        }
        let SinkReport { stored, duplicates } = self
            .sink
            .store(
                self.source,
                selected,
                checkpoint.clone().filter(|_| changed),
                self.matcher.as_ref().map(|(q, _)| q.clone()),
            )
            .await
            .map_err(|e| StreamError::new(format!("storing: {e}")))?;
        self.report.checkpoint = checkpoint;
        self.report.stored += stored;
        self.report.duplicates += duplicates;
        Ok((stored, unmatched))
    }

    fn malformed(&mut self, reason: &str) {
        self.report.malformed += 1;
        tracing::warn!(source = %self.source.name, reason, "mastodon item skipped");
    }
}

/// One session: connect the stream, backfill since `checkpoint`, then read the stream until the
/// server ends it (`Ok`) or it fails (`Err`). `on_progress(stored, skipped)` is called after the
/// backfill and after every streamed status (the task records health with it).
pub async fn run_session<S: Sink>(
    client: &MastodonClient,
    sink: &S,
    source: &Source,
    token: Option<&str>,
    checkpoint: Option<String>,
    on_progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<SessionReport, StreamError> {
    let url = source
        .url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| StreamError::new("the source has no Mastodon URL"))?;
    let endpoint = Endpoint::parse(url).map_err(StreamError::new)?;
    let matcher = match source
        .listening_query
        .as_deref()
        .filter(|q| !q.trim().is_empty())
    {
        Some(q) => {
            let parsed =
                Query::parse(q).map_err(|e| StreamError::new(format!("listening query: {e}")))?;
            Some((q.to_owned(), Matcher::compile([(QueryId(0), parsed)])))
        }
        None => None,
    };
    let mut l = Listening {
        sink,
        source,
        matcher,
        report: SessionReport {
            checkpoint,
            ..SessionReport::default()
        },
    };
    // Stream first, so nothing posted during the backfill falls between the two.
    let mut stream = client
        .get(&endpoint.stream_url(), token, "text/event-stream")
        .await?;

    // Backfill: newest page since the checkpoint, then older pages (max_id) while pages are full.
    let since = l.report.checkpoint.clone();
    let event = if endpoint.follow == Follow::Notifications {
        "notification"
    } else {
        "update"
    };
    let mut items: Vec<serde_json::Value> = Vec::new();
    let mut max_id: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page_url = endpoint.rest_url(since.as_deref(), max_id.as_deref());
        let page: serde_json::Value = client
            .get(&page_url, token, "application/json")
            .await?
            .json()
            .await
            .map_err(|e| StreamError::new(format!("reading {page_url}: {e}")))?;
        let serde_json::Value::Array(page) = page else {
            return Err(StreamError::new(format!(
                "{page_url} did not answer a list"
            )));
        };
        let n = page.len();
        let oldest = page
            .iter()
            .filter_map(|v| v.get("id").and_then(|i| i.as_str()))
            .min_by(|a, b| id_cmp(a, b))
            .map(str::to_owned);
        items.extend(page);
        match oldest {
            // Without a checkpoint (first connect) the newest page is enough.
            Some(o) if since.is_some() && n >= PAGE && max_id.as_deref() != Some(o.as_str()) => {
                max_id = Some(o)
            }
            _ => break,
        }
    }
    let now = jiff::Timestamp::now();
    let mut read: Vec<(String, Option<ValidMessage>)> = Vec::new();
    for v in &items {
        match read_value(event, v, now) {
            Item::Status { message, position } => read.push((position, Some(message))),
            Item::Ignored {
                position: Some(position),
            } => read.push((position, None)),
            // REST pages hold statuses only.
            Item::Ignored { position: None } | Item::Edited(_) | Item::Deleted(_) => {}
            Item::Malformed(reason) => l.malformed(&reason),
        }
    }
    read.sort_by(|a, b| id_cmp(&a.0, &b.0));
    read.dedup_by(|a, b| a.0 == b.0);
    l.report.backfilled = read.iter().filter(|r| r.1.is_some()).count();
    let position = read.last().map(|r| r.0.clone());
    let messages: Vec<ValidMessage> = read.into_iter().filter_map(|r| r.1).collect();
    let malformed_before = l.report.malformed;
    let (stored, unmatched) = l.store(messages, position).await?;
    on_progress(stored, unmatched + malformed_before);

    // The stream: `event:` / `data:` lines, events separated by a blank line (SSE).
    let mut buf: Vec<u8> = Vec::new();
    loop {
        let chunk = tokio::time::timeout(client.idle_timeout, stream.chunk())
            .await
            .map_err(|_| StreamError::new("the stream went silent"))?
            .map_err(|e| StreamError::new(format!("reading the stream: {e}")))?;
        let Some(chunk) = chunk else {
            return Ok(l.report);
        };
        buf.extend_from_slice(&chunk);
        while let Some((end, sep)) = find_event_end(&buf) {
            let raw: Vec<u8> = buf.drain(..end + sep).collect();
            let text = String::from_utf8_lossy(&raw[..end]).replace("\r\n", "\n");
            let Some((name, data)) = parse_event(&text) else {
                continue;
            };
            let before = l.report.malformed;
            match read_item(&name, &data, jiff::Timestamp::now()) {
                Item::Status { message, position } => {
                    l.report.streamed += 1;
                    let (stored, unmatched) = l.store(vec![message], Some(position)).await?;
                    on_progress(stored, unmatched);
                }
                Item::Edited(message) => {
                    let changed = l
                        .sink
                        .edit(l.source, message)
                        .await
                        .map_err(|e| StreamError::new(format!("storing an edit: {e}")))?;
                    l.report.edited += usize::from(changed);
                }
                Item::Deleted(id) => {
                    let changed = l
                        .sink
                        .delete(l.source, &id)
                        .await
                        .map_err(|e| StreamError::new(format!("storing a deletion: {e}")))?;
                    l.report.deleted += usize::from(changed);
                }
                Item::Ignored { .. } => {}
                Item::Malformed(reason) => {
                    l.malformed(&format!("{name} event: {reason}"));
                    on_progress(0, l.report.malformed - before);
                }
            }
        }
        if buf.len() > MAX_EVENT_BYTES {
            return Err(StreamError::new("an event is larger than the limit"));
        }
    }
}

/// The end of the first complete event in `buf` and the separator's length.
fn find_event_end(buf: &[u8]) -> Option<(usize, usize)> {
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|p| (p, 2));
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The event name (default `message`) and its data lines joined, or `None` for a comment-only
/// block (a heartbeat).
fn parse_event(block: &str) -> Option<(String, String)> {
    let mut name = None;
    let mut data: Option<String> = None;
    for line in block.lines() {
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => name = Some(value.to_owned()),
            "data" => match &mut data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
    let data = data?;
    Some((name.unwrap_or_else(|| "message".to_owned()), data))
}

/// Settings of the listening task.
#[derive(Debug, Clone)]
pub struct MastodonConfig {
    /// How often the source list is re-read.
    pub refresh: Duration,
    /// First reconnect wait after a failure (doubles up to 8×, with jitter).
    pub reconnect_base: Duration,
    /// This node and its source leases (one node runs a source at a time).
    pub leases: crate::supervise::Leases,
}

impl Default for MastodonConfig {
    fn default() -> Self {
        MastodonConfig {
            refresh: Duration::from_secs(30),
            reconnect_base: Duration::from_secs(5),
            leases: crate::supervise::Leases::default(),
        }
    }
}

fn wanted(s: &Source) -> bool {
    s.enabled && is_mastodon_kind(&s.kind) && s.url.as_deref().is_some_and(|u| !u.trim().is_empty())
}

/// One streaming task per enabled `mastodon` source until `shutdown`; the source list is
/// re-read every `refresh` (a changed source reconnects with its new settings).
pub async fn run_mastodon<S: Sink + 'static>(
    store: Store,
    client: MastodonClient,
    sink: Arc<S>,
    config: MastodonConfig,
    shutdown: watch::Receiver<bool>,
) {
    let task_store = store.clone();
    crate::supervise::supervise(
        store,
        "mastodon",
        config.refresh,
        config.leases.clone(),
        wanted,
        shutdown,
        move |rx, stop| {
            run_stream(
                task_store.clone(),
                client.clone(),
                sink.clone(),
                rx,
                stop,
                config.reconnect_base,
            )
        },
    )
    .await;
}

async fn run_stream<S: Sink>(
    store: Store,
    client: MastodonClient,
    sink: Arc<S>,
    mut source_rx: watch::Receiver<Source>,
    mut shutdown: watch::Receiver<bool>,
    base: Duration,
) {
    let mut failures: u32 = 0;
    loop {
        let source = source_rx.borrow_and_update().clone();
        let outcome = tokio::select! {
            _ = shutdown.wait_for(|s| *s) => return,
            changed = source_rx.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
            r = session_and_record(&store, &client, sink.as_ref(), &source) => r,
        };
        let delay = match outcome {
            Ok(report) => {
                tracing::info!(source = %source.name, ?report, "mastodon stream ended; reconnecting");
                failures = 0;
                base
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let wait = crate::supervise::backoff(source.id, base, failures, e.retry_after);
                tracing::warn!(source = %source.name, failures, wait_secs = wait.as_secs(), error = %e, "mastodon stream failed; backing off");
                wait
            }
        };
        if !crate::supervise::pause(&mut shutdown, &mut source_rx, delay).await {
            return;
        }
    }
}

/// One session with its bookkeeping: checkpoint and token in, health out.
pub async fn session_and_record<S: Sink>(
    store: &Store,
    client: &MastodonClient,
    sink: &S,
    source: &Source,
) -> Result<SessionReport, StreamError> {
    let inputs = async {
        let cp = store.checkpoint(source.id).await?;
        let token = store.source_secret(source.id).await?;
        Ok::<_, wederhoor_store::StoreError>((cp, token))
    };
    let result = match inputs.await {
        Ok((cp, token)) => {
            // Health is recorded from the progress callback without blocking the stream.
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, usize)>();
            let recorder = {
                let store = store.clone();
                let id = source.id;
                let name = source.name.clone();
                tokio::spawn(async move {
                    while let Some((stored, skipped)) = rx.recv().await {
                        let stored = i64::try_from(stored).unwrap_or(i64::MAX);
                        let skipped = i64::try_from(skipped).unwrap_or(i64::MAX);
                        if let Err(e) = store.record_source_success(id, stored, skipped).await {
                            tracing::error!(source = %name, error = %e, "recording mastodon health");
                        }
                    }
                })
            };
            let mut progress = move |stored: usize, skipped: usize| {
                let _ = tx.send((stored, skipped));
            };
            let r = run_session(client, sink, source, token.as_deref(), cp, &mut progress).await;
            drop(progress);
            let _ = recorder.await;
            r
        }
        Err(e) => Err(StreamError::new(format!("reading the checkpoint: {e}"))),
    };
    if let Err(err) = &result {
        tracing::warn!(source = %source.name, error = %err, "mastodon session failed");
        if let Err(e) = store.record_source_error(source.id, &err.message).await {
            tracing::error!(source = %source.name, error = %e, "recording mastodon health");
        }
    }
    result
}

// ---------------------------------------------------------------- replies

/// Posts replies as statuses on the source's instance.
#[derive(Clone)]
pub struct MastodonConnector {
    client: reqwest::Client,
}

impl MastodonConnector {
    pub fn new() -> Result<MastodonConnector, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("wederhoor/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(MastodonConnector { client })
    }
}

/// The form fields of the reply status.
pub fn reply_form(item: &OutboxItem) -> Vec<(&'static str, String)> {
    let mut text = format!("{}\n— {}", item.text, item.agent_name);
    if let Some(handle) = item.author_handle.as_deref().filter(|h| h.starts_with('@'))
        && !item.text.contains(handle)
    {
        text = format!("{handle} {text}");
    }
    let mut form = vec![("status", text)];
    if let Some(id) = &item.in_reply_to {
        form.push(("in_reply_to_id", id.clone()));
    }
    form.push((
        "visibility",
        if item.private { "direct" } else { "public" }.to_owned(),
    ));
    form
}

/// A `multipart/form-data` body with the media file and its description (Mastodon's
/// `POST /api/v2/media`), and its content type.
pub fn media_form(media: &wederhoor_store::ReplyMedia, boundary: &str) -> (Vec<u8>, String) {
    let extension = media.content_type.rsplit('/').next().unwrap_or("bin");
    let mut body = Vec::with_capacity(media.bytes.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n{}\r\n",
            media.description.replace(['\r', '\n'], " ")
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"card.{extension}\"\r\n\
             Content-Type: {}\r\n\r\n",
            media.content_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(&media.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

impl MastodonConnector {
    /// Uploads a reply's media (`POST /api/v2/media`) and returns its id for `media_ids[]`.
    async fn upload_media(
        &self,
        instance: &str,
        token: &str,
        media: &wederhoor_store::ReplyMedia,
    ) -> Result<String, DeliveryError> {
        let url = format!("{instance}/api/v2/media");
        let (body, content_type) = media_form(media, &format!("wederhoor-{}", media.sha256));
        let response = self
            .client
            .post(&url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| DeliveryError::Retryable {
                message: format!("could not reach {url}: {e}"),
                retry_after: None,
            })?;
        let status = response.status();
        if !status.is_success() {
            let message = format!("mastodon media upload answered HTTP {}", status.as_u16());
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                DeliveryError::Retryable {
                    message,
                    retry_after: None,
                }
            } else {
                DeliveryError::Permanent(message)
            });
        }
        let value: serde_json::Value =
            response
                .json()
                .await
                .map_err(|e| DeliveryError::Retryable {
                    message: format!("mastodon media upload: unreadable answer: {e}"),
                    retry_after: None,
                })?;
        value
            .get("id")
            .and_then(|id| id.as_str())
            .map(str::to_owned)
            .ok_or_else(|| DeliveryError::Permanent("mastodon media upload: no id".into()))
    }
}

impl Connector for MastodonConnector {
    async fn deliver(&self, item: &OutboxItem, secret: Option<&str>) -> Result<(), DeliveryError> {
        let url = item
            .source_url
            .as_deref()
            .ok_or_else(|| DeliveryError::Permanent("the source has no Mastodon URL".into()))?;
        if !item.source_owned {
            return Err(DeliveryError::Permanent(
                "the source is not our own Mastodon account".into(),
            ));
        }
        let endpoint = Endpoint::parse(url).map_err(DeliveryError::Permanent)?;
        let token = secret.ok_or_else(|| {
            DeliveryError::Permanent("the source has no access token (delivery secret)".into())
        })?;
        let mut form = reply_form(item);
        if let Some(media) = &item.media {
            let id = self.upload_media(&endpoint.instance, token, media).await?;
            form.push(("media_ids[]", id));
        }
        let post = format!("{}/api/v1/statuses", endpoint.instance);
        let response = self
            .client
            .post(&post)
            .bearer_auth(token)
            .header("idempotency-key", &item.idempotency_key)
            .form(&form)
            .send()
            .await
            .map_err(|e| DeliveryError::Retryable {
                message: format!("could not reach {post}: {e}"),
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
        let detail = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
            .map(|e| format!(": {}", truncate_on_char_boundary(&e, 300)))
            .unwrap_or_default();
        let message = format!("mastodon answered HTTP {code}{detail}");
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

/// Sends each reply with the connector of its delivery kind.
#[derive(Clone)]
pub struct DispatchConnector<W> {
    pub webhook: W,
    pub mastodon: MastodonConnector,
    /// WhatsApp, Facebook and Instagram replies (Graph API).
    pub meta: crate::meta::MetaConnector,
    /// Bluesky replies (XRPC `createRecord`).
    pub bluesky: crate::bluesky::BlueskyConnector,
}

impl<W: Connector> Connector for DispatchConnector<W> {
    async fn deliver(&self, item: &OutboxItem, secret: Option<&str>) -> Result<(), DeliveryError> {
        match item.delivery_kind {
            wederhoor_core::DeliveryKind::Webhook => self.webhook.deliver(item, secret).await,
            wederhoor_core::DeliveryKind::Mastodon => self.mastodon.deliver(item, secret).await,
            wederhoor_core::DeliveryKind::Whatsapp
            | wederhoor_core::DeliveryKind::Facebook
            | wederhoor_core::DeliveryKind::Instagram => self.meta.deliver(item, secret).await,
            wederhoor_core::DeliveryKind::Bluesky => self.bluesky.deliver(item, secret).await,
            // SMTP; the connector holds no state (settings come from the secret).
            wederhoor_core::DeliveryKind::Email => {
                crate::email::EmailConnector.deliver(item, secret).await
            }
            wederhoor_core::DeliveryKind::Manual => Err(DeliveryError::Permanent(
                "manual replies are not sent by the outbox worker".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        let e = Endpoint::parse("https://social.example/tags/zuiderbank").unwrap();
        assert_eq!(e.instance, "https://social.example");
        assert_eq!(
            e.stream_url(),
            "https://social.example/api/v1/streaming/hashtag?tag=zuiderbank"
        );
        assert_eq!(
            e.rest_url(Some("100"), None),
            "https://social.example/api/v1/timelines/tag/zuiderbank?limit=40&since_id=100"
        );
        let e = Endpoint::parse("http://127.0.0.1:9/public/local/").unwrap();
        assert_eq!(e.follow, Follow::PublicLocal);
        assert_eq!(e.instance, "http://127.0.0.1:9");
        assert_eq!(
            Endpoint::parse("https://s.example/notifications")
                .unwrap()
                .stream_url(),
            "https://s.example/api/v1/streaming/user/notification"
        );
        assert!(Endpoint::parse("https://s.example/@someone").is_err());
        assert!(Endpoint::parse("https://s.example/tags/a&b").is_err());
        assert!(Endpoint::parse("ftp://s.example/public").is_err());
    }

    #[test]
    fn ids_compare_as_numbers() {
        assert!(id_cmp("99", "100").is_lt());
        assert!(id_cmp("109999", "110000").is_lt());
        assert!(id_cmp("5", "5").is_eq());
        assert_eq!(newest(Some("100".into()), "99"), Some("100".into()));
        assert_eq!(newest(Some("100".into()), "101"), Some("101".into()));
    }

    #[test]
    fn sse_blocks() {
        assert_eq!(
            parse_event("event: update\ndata: {\"a\":1}"),
            Some(("update".into(), "{\"a\":1}".into()))
        );
        assert_eq!(parse_event(":thump"), None);
        assert_eq!(find_event_end(b"a\n\nb"), Some((1, 2)));
        assert_eq!(find_event_end(b"a\r\n\r\nb"), Some((1, 4)));
        assert_eq!(find_event_end(b"a\n"), None);
    }

    #[test]
    fn notifications_other_than_mentions_are_ignored() {
        let now = jiff::Timestamp::now();
        assert_eq!(
            read_item("notification", r#"{"id":"7","type":"favourite"}"#, now),
            Item::Ignored {
                position: Some("7".into())
            }
        );
        assert!(matches!(
            read_item("update", "{not json", now),
            Item::Malformed(_)
        ));
        assert!(matches!(
            read_item("update", r#"{"content":"x"}"#, now),
            Item::Malformed(_)
        ));
    }
}
