//! The Bluesky connector: listening through Jetstream (JSON over WebSocket) and replying through
//! XRPC (`com.atproto.server.createSession` + `com.atproto.repo.createRecord`).
//!
//! # Listening (source kind `bluesky`, [`run_bluesky`])
//! `url` is the Jetstream endpoint, e.g. `wss://jetstream2.us-east.bsky.network/subscribe`
//! (`https://…` is accepted and read as `wss://…`, since the sources page takes http(s)). One
//! task per enabled source connects to `{url}?wantedCollections=app.bsky.feed.post` plus
//! `&cursor=<time_us>` when a checkpoint is stored. Jetstream sends *every* post of the network,
//! so a bluesky source **needs a listening query**: without one the source is not connected at
//! all (logged once, shown as the source's health error) until a query is set.
//!
//! Events (`{"did","time_us","kind","commit":{"operation","collection","rkey","record","cid"}}`):
//! `kind = commit`, `operation = create`, `collection = app.bsky.feed.post` is a post; `operation =
//! delete` of a post goes to the sink's `delete` (a stored post is marked deleted); other kinds
//! (`identity`, `account`) and updates are ignored; an event that is not JSON or lacks
//! `time_us`/`did`/`rkey`/`record` is skipped, counted and logged with the source and the reason.
//!
//! **Checkpoint**: the `time_us` of the newest event handed to the sink (with every stored post,
//! and for unmatched traffic at most every [`CHECKPOINT_EVERY`]). It never moves backwards. On a
//! reconnect the cursor is the checkpoint minus [`CURSOR_MARGIN_US`] (5 s): Jetstream replays
//! from there; posts seen twice are duplicates in the store (unique on source + uri).
//!
//! **Reconnects** back off exponentially with jitter ([`crate::poller::next_delay`]); a stream
//! silent for [`BlueskyClient::idle_timeout`] is reconnected. Health is recorded after every
//! stored batch and checkpoint, an error after every failure.
//!
//! # Post → message
//! id = `at://{did}/app.bsky.feed.post/{rkey}` (the post's AT URI), text = `record.text`, author
//! handle = the `did` (no profile lookup), created_at = `record.createdAt`, in reply to =
//! `record.reply.parent.uri`. Posts without text (images only) are ignored. The post's `cid` is
//! not stored: the reply fetches it (below).
//!
//! # Replying ([`BlueskyConnector`], delivery kind `bluesky`, owned sources only)
//! The delivery secret is `identifier:app-password` (split at the *last* colon, so a `did:plc:…`
//! identifier works); the delivery URL is the XRPC service (PDS), default `https://bsky.social`.
//! 1. `com.atproto.server.createSession` → `accessJwt`, `did`;
//! 2. `com.atproto.repo.getRecord` of the parent (the conversation's newest inbound post) → its
//!    `cid`, and the thread root from its `reply.root` (else the parent is the root); a PDS
//!    answers this for other repos by proxying to the AppView;
//! 3. `com.atproto.repo.createRecord` of an `app.bsky.feed.post` with `reply {root, parent}`
//!    (strong refs `{uri, cid}`), text = reply + `\n— Agent` (cut to 300 characters with `…`
//!    and a warning — characters ≥ graphemes, so the 300-grapheme limit holds), and a
//!    **deterministic `rkey`** ([`rkey_for`], a syntactically valid TID derived from the reply's
//!    idempotency key; its embedded time is not the posting time).
//!
//! Bluesky has no idempotency key; the rkey is ours. When `createRecord` fails (a PDS answers a
//! conflict with an error — a 500 on older PDS versions), our own record with that rkey is looked
//! up; if it exists the reply was already posted (a crash after posting) and counts as sent.

use crate::mastodon::StreamError;
use crate::query::{Matcher, Query, QueryId};
use crate::rss::{parse_retry_after, truncate_on_char_boundary};
use crate::{Connector, DeliveryError, Sink, SinkReport};
use futures_util::StreamExt;
use sha2::Digest;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use wederhoor_core::message::{MAX_FIELD_BYTES, MAX_TEXT_BYTES};
use wederhoor_core::{IncomingAuthor, IncomingMessage, ValidMessage};
use wederhoor_store::{OutboxItem, Source, Store};

/// The collection of posts.
pub const POST_COLLECTION: &str = "app.bsky.feed.post";
/// Replayed on reconnect: the cursor is the checkpoint minus this (microseconds).
pub const CURSOR_MARGIN_US: i64 = 5_000_000;
/// Unmatched traffic moves the stored checkpoint at most this often.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(10);
/// Longest post Bluesky accepts (graphemes; we count characters, which is never fewer).
pub const MAX_POST_CHARS: usize = 300;
/// The XRPC service used when a bluesky source has no delivery URL.
pub const DEFAULT_SERVICE: &str = "https://bsky.social";

/// Source kinds this connector reads.
pub fn is_bluesky_kind(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("bluesky")
}

/// The Jetstream URL for `endpoint` with the posts collection and, with a checkpoint, the cursor
/// (checkpoint minus [`CURSOR_MARGIN_US`]).
pub fn subscribe_url(endpoint: &str, checkpoint: Option<&str>) -> Result<String, String> {
    let endpoint = endpoint.trim();
    // The sources page only takes http(s) addresses: `https://` means `wss://`.
    let endpoint = if let Some(rest) = endpoint.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = endpoint.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if endpoint.starts_with("wss://") || endpoint.starts_with("ws://") {
        endpoint.to_owned()
    } else {
        return Err(format!(
            "{endpoint:?} is not a ws(s):// or http(s):// Jetstream URL"
        ));
    };
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    let mut url = format!("{endpoint}{sep}wantedCollections={POST_COLLECTION}");
    if let Some(cp) = checkpoint.and_then(|c| c.trim().parse::<i64>().ok()) {
        let cursor = cp.saturating_sub(CURSOR_MARGIN_US).max(0);
        url.push_str(&format!("&cursor={cursor}"));
    }
    Ok(url)
}

/// What one Jetstream event is.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Post {
        message: ValidMessage,
        time_us: i64,
    },
    /// Its author deleted the post with this AT URI.
    Deleted {
        uri: String,
        time_us: i64,
    },
    /// Not a new post with text (identity/account events, other collections).
    Ignored {
        time_us: i64,
    },
    Malformed(String),
}

/// Reads one Jetstream event (a text frame).
pub fn read_event(text: &str, now: jiff::Timestamp) -> Event {
    let v: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return Event::Malformed(format!("not JSON: {e}")),
    };
    let Some(time_us) = v.get("time_us").and_then(|t| t.as_i64()) else {
        return Event::Malformed("no time_us".into());
    };
    let str_of = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
    };
    if v.get("kind").and_then(|k| k.as_str()) != Some("commit") {
        return Event::Ignored { time_us };
    }
    let Some(commit) = v.get("commit").filter(|c| c.is_object()) else {
        return Event::Malformed("commit event without commit".into());
    };
    if commit.get("collection").and_then(|c| c.as_str()) != Some(POST_COLLECTION) {
        return Event::Ignored { time_us };
    }
    match commit.get("operation").and_then(|c| c.as_str()) {
        Some("create") => {}
        Some("delete") => {
            return match (str_of(&v, "did"), str_of(commit, "rkey")) {
                (Some(did), Some(rkey)) => Event::Deleted {
                    uri: format!("at://{did}/{POST_COLLECTION}/{rkey}"),
                    time_us,
                },
                _ => Event::Malformed("delete without did or rkey".into()),
            };
        }
        _ => return Event::Ignored { time_us },
    }
    let Some(did) = str_of(&v, "did") else {
        return Event::Malformed("no did".into());
    };
    let Some(rkey) = str_of(commit, "rkey") else {
        return Event::Malformed("no rkey".into());
    };
    let Some(record) = commit.get("record").filter(|r| r.is_object()) else {
        return Event::Malformed("post without record".into());
    };
    let Some(text) = record.get("text").and_then(|t| t.as_str()) else {
        return Event::Malformed("record without text".into());
    };
    if text.trim().is_empty() {
        return Event::Ignored { time_us };
    }
    let in_reply_to = record
        .get("reply")
        .and_then(|r| r.get("parent"))
        .and_then(|p| str_of(p, "uri"));
    let message = IncomingMessage {
        id: Some(serde_json::Value::String(format!(
            "at://{did}/{POST_COLLECTION}/{rkey}"
        ))),
        text: Some(truncate_on_char_boundary(text, MAX_TEXT_BYTES).to_owned()),
        source: None,
        author: Some(IncomingAuthor {
            handle: Some(truncate_on_char_boundary(&did, MAX_FIELD_BYTES).to_owned()),
            name: None,
            followers: None,
        }),
        created_at: str_of(record, "createdAt"),
        metrics: None,
        in_reply_to,
    }
    .parse(now);
    match message {
        Ok(message) => Event::Post { message, time_us },
        Err(e) => Event::Malformed(e.to_string()),
    }
}

/// What one session did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionReport {
    pub posts: usize,
    pub stored: usize,
    pub duplicates: usize,
    pub malformed: usize,
    pub unmatched: usize,
    /// Stored posts their authors deleted during the session.
    pub deleted: usize,
    /// The checkpoint after the session (`time_us`).
    pub checkpoint: Option<String>,
}

/// The WebSocket side of listening.
#[derive(Debug, Clone)]
pub struct BlueskyClient {
    /// A stream silent for longer than this is reconnected.
    pub idle_timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for BlueskyClient {
    fn default() -> Self {
        BlueskyClient {
            idle_timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(15),
        }
    }
}

fn listening_query(source: &Source) -> Option<&str> {
    source
        .listening_query
        .as_deref()
        .filter(|q| !q.trim().is_empty())
}

/// One session: connect Jetstream from `checkpoint`, read until the server closes (`Ok`) or it
/// fails (`Err`). `on_progress(stored, skipped)` is called after every stored batch.
pub async fn run_session<S: Sink>(
    client: &BlueskyClient,
    sink: &S,
    source: &Source,
    checkpoint: Option<String>,
    on_progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<SessionReport, StreamError> {
    let endpoint = source
        .url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| StreamError::new("the source has no Jetstream URL"))?;
    let query = listening_query(source).ok_or_else(|| {
        StreamError::new("a bluesky source needs a listening query (Jetstream sends every post)")
    })?;
    let parsed =
        Query::parse(query).map_err(|e| StreamError::new(format!("listening query: {e}")))?;
    let matcher = Matcher::compile([(QueryId(0), parsed)]);
    let url = subscribe_url(endpoint, checkpoint.as_deref()).map_err(StreamError::new)?;
    let (mut ws, _) = tokio::time::timeout(
        client.connect_timeout,
        tokio_tungstenite::connect_async(url.as_str()),
    )
    .await
    .map_err(|_| StreamError::new(format!("connecting to {endpoint} timed out")))?
    .map_err(|e| StreamError::new(format!("could not connect to {endpoint}: {e}")))?;

    let mut report = SessionReport {
        checkpoint,
        ..SessionReport::default()
    };
    let stored_cp = |r: &SessionReport| {
        r.checkpoint
            .as_deref()
            .and_then(|c| c.parse::<i64>().ok())
            .unwrap_or(i64::MIN)
    };
    let mut pending: Option<i64> = None;
    let mut pending_skipped = 0usize;
    let mut last_flush = tokio::time::Instant::now();
    loop {
        let frame = tokio::time::timeout(client.idle_timeout, ws.next())
            .await
            .map_err(|_| StreamError::new("the stream went silent"))?;
        let text = match frame {
            None | Some(Ok(WsMessage::Close(_))) => break,
            Some(Err(e)) => return Err(StreamError::new(format!("reading the stream: {e}"))),
            Some(Ok(WsMessage::Text(t))) => t.to_string(),
            Some(Ok(WsMessage::Binary(_))) => {
                report.malformed += 1;
                pending_skipped += 1;
                tracing::warn!(source = %source.name, reason = "binary frame (compression is not requested)", "bluesky event skipped");
                continue;
            }
            Some(Ok(_)) => continue,
        };
        let (message, time_us) = match read_event(&text, jiff::Timestamp::now()) {
            Event::Post { message, time_us } => (Some(message), time_us),
            Event::Deleted { uri, time_us } => {
                // Only posts we stored change; the rest of the firehose's deletes are nothing to us.
                let changed = sink
                    .delete(source, &uri)
                    .await
                    .map_err(|e| StreamError::new(format!("storing a deletion: {e}")))?;
                report.deleted += usize::from(changed);
                (None, time_us)
            }
            Event::Ignored { time_us } => (None, time_us),
            Event::Malformed(reason) => {
                report.malformed += 1;
                pending_skipped += 1;
                tracing::warn!(source = %source.name, reason, "bluesky event skipped");
                continue;
            }
        };
        if time_us > stored_cp(&report) && pending.is_none_or(|p| time_us > p) {
            pending = Some(time_us);
        }
        let selected = match message {
            Some(m) => {
                report.posts += 1;
                if matcher.matches(&m.text).is_empty() {
                    report.unmatched += 1;
                    pending_skipped += 1;
                    None
                } else {
                    Some(m)
                }
            }
            None => None,
        };
        if selected.is_none() && last_flush.elapsed() < CHECKPOINT_EVERY {
            continue;
        }
        let messages: Vec<ValidMessage> = selected.into_iter().collect();
        let checkpoint = pending.take().map(|p| p.to_string());
        if messages.is_empty() && checkpoint.is_none() {
            continue;
        }
        let SinkReport { stored, duplicates } = sink
            .store(source, messages, checkpoint.clone(), Some(query.to_owned()))
            .await
            .map_err(|e| StreamError::new(format!("storing: {e}")))?;
        if checkpoint.is_some() {
            report.checkpoint = checkpoint;
        }
        report.stored += stored;
        report.duplicates += duplicates;
        last_flush = tokio::time::Instant::now();
        on_progress(stored, std::mem::take(&mut pending_skipped));
    }
    if let Some(p) = pending.take() {
        let checkpoint = Some(p.to_string());
        sink.store(source, vec![], checkpoint.clone(), Some(query.to_owned()))
            .await
            .map_err(|e| StreamError::new(format!("storing: {e}")))?;
        report.checkpoint = checkpoint;
        on_progress(0, pending_skipped);
    }
    Ok(report)
}

/// One session with its bookkeeping: checkpoint in, health out.
pub async fn session_and_record<S: Sink>(
    store: &Store,
    client: &BlueskyClient,
    sink: &S,
    source: &Source,
) -> Result<SessionReport, StreamError> {
    let result = match store.checkpoint(source.id).await {
        Ok(cp) => {
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
                            tracing::error!(source = %name, error = %e, "recording bluesky health");
                        }
                    }
                })
            };
            let mut progress = move |stored: usize, skipped: usize| {
                let _ = tx.send((stored, skipped));
            };
            let r = run_session(client, sink, source, cp, &mut progress).await;
            drop(progress);
            let _ = recorder.await;
            r
        }
        Err(e) => Err(StreamError::new(format!("reading the checkpoint: {e}"))),
    };
    if let Err(err) = &result {
        tracing::warn!(source = %source.name, error = %err, "bluesky session failed");
        if let Err(e) = store.record_source_error(source.id, &err.message).await {
            tracing::error!(source = %source.name, error = %e, "recording bluesky health");
        }
    }
    result
}

/// Settings of the listening task.
#[derive(Debug, Clone)]
pub struct BlueskyConfig {
    /// How often the source list is re-read.
    pub refresh: Duration,
    /// First reconnect wait after a failure (doubles up to 8×, with jitter).
    pub reconnect_base: Duration,
    /// This node and its source leases (one node runs a source at a time).
    pub leases: crate::supervise::Leases,
}

impl Default for BlueskyConfig {
    fn default() -> Self {
        BlueskyConfig {
            refresh: Duration::from_secs(30),
            reconnect_base: Duration::from_secs(5),
            leases: crate::supervise::Leases::default(),
        }
    }
}

fn wanted(s: &Source) -> bool {
    s.enabled && is_bluesky_kind(&s.kind) && s.url.as_deref().is_some_and(|u| !u.trim().is_empty())
}

/// One streaming task per enabled `bluesky` source until `shutdown`; the source list is re-read
/// every `refresh` (a changed source reconnects with its new settings).
pub async fn run_bluesky<S: Sink + 'static>(
    store: Store,
    client: BlueskyClient,
    sink: Arc<S>,
    config: BlueskyConfig,
    shutdown: watch::Receiver<bool>,
) {
    let task_store = store.clone();
    crate::supervise::supervise(
        store,
        "bluesky",
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
    client: BlueskyClient,
    sink: Arc<S>,
    mut source_rx: watch::Receiver<Source>,
    mut shutdown: watch::Receiver<bool>,
    base: Duration,
) {
    let mut failures: u32 = 0;
    loop {
        let source = source_rx.borrow_and_update().clone();
        if listening_query(&source).is_none() {
            // Jetstream sends the whole network: without a query nothing is read (logged once).
            let reason = "a bluesky source needs a listening query (Jetstream sends every post); not connected";
            tracing::warn!(source = %source.name, "{reason}");
            if let Err(e) = store.record_source_error(source.id, reason).await {
                tracing::error!(source = %source.name, error = %e, "recording bluesky health");
            }
            tokio::select! {
                _ = shutdown.wait_for(|s| *s) => return,
                changed = source_rx.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    continue;
                }
            }
        }
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
                tracing::info!(source = %source.name, ?report, "jetstream closed; reconnecting");
                failures = 0;
                base
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let wait = crate::supervise::backoff(source.id, base, failures, e.retry_after);
                tracing::warn!(source = %source.name, failures, wait_secs = wait.as_secs(), error = %e, "bluesky stream failed; backing off");
                wait
            }
        };
        if !crate::supervise::pause(&mut shutdown, &mut source_rx, delay).await {
            return;
        }
    }
}

// ---------------------------------------------------------------- replies

const TID_ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
/// 2024-01-01T00:00:00Z in microseconds: derived TIDs fall in the ~200 days after it.
const TID_BASE_US: u64 = 1_704_067_200_000_000;

/// The record key of a reply: a TID (13 base32-sortable characters, top bit 0, 53 bits of
/// microseconds, 10 bits of clock id) derived from the idempotency key, so a resend of the same
/// reply names the same record.
pub fn rkey_for(idempotency_key: &str) -> String {
    let hash = sha2::Sha256::digest(idempotency_key.as_bytes());
    let mut h = [0u8; 8];
    h.copy_from_slice(&hash[..8]);
    let h = u64::from_be_bytes(h);
    let micros = TID_BASE_US + ((h >> 10) % (1u64 << 44));
    let value = ((micros << 10) | (h & 0x3ff)) & !(1u64 << 63);
    (0..13)
        .rev()
        .map(|i| TID_ALPHABET[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// The post text: the reply and `\n— Agent`, cut to [`MAX_POST_CHARS`] characters (with `…`)
/// when longer. The `bool` says whether it was cut.
pub fn post_text(text: &str, agent: &str) -> (String, bool) {
    let signature = format!("\n— {agent}");
    let full = format!("{text}{signature}");
    if full.chars().count() <= MAX_POST_CHARS {
        return (full, false);
    }
    let sig_len = signature.chars().count();
    if sig_len + 1 >= MAX_POST_CHARS {
        let cut: String = full.chars().take(MAX_POST_CHARS - 1).collect();
        return (format!("{cut}…"), true);
    }
    let keep = MAX_POST_CHARS - sig_len - 1;
    let body: String = text.chars().take(keep).collect();
    (format!("{}…{signature}", body.trim_end()), true)
}

/// Splits an `at://did/collection/rkey` URI.
pub fn parse_at_uri(uri: &str) -> Option<(&str, &str, &str)> {
    let rest = uri.strip_prefix("at://")?;
    let mut parts = rest.splitn(3, '/');
    let (repo, collection, rkey) = (parts.next()?, parts.next()?, parts.next()?);
    (!repo.is_empty() && !collection.is_empty() && !rkey.is_empty() && !rkey.contains('/'))
        .then_some((repo, collection, rkey))
}

/// Posts replies to Bluesky through XRPC.
#[derive(Clone)]
pub struct BlueskyConnector {
    client: reqwest::Client,
}

impl BlueskyConnector {
    pub fn new() -> Result<BlueskyConnector, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!(
                "wederhoor/",
                env!("CARGO_PKG_VERSION"),
                " (bluesky)"
            ))
            .build()?;
        Ok(BlueskyConnector { client })
    }

    async fn failure(what: &str, response: reqwest::Response) -> DeliveryError {
        let status = response.status();
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
            .map(|v| {
                let s = |k: &str| v.get(k).and_then(|e| e.as_str()).unwrap_or("").to_owned();
                format!("{} {}", s("error"), s("message"))
            })
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .map(|e| format!(": {}", truncate_on_char_boundary(&e, 300)))
            .unwrap_or_default();
        let message = format!("bluesky {what} answered HTTP {code}{detail}");
        if status.is_server_error() || code == 408 || code == 429 {
            DeliveryError::Retryable {
                message,
                retry_after,
            }
        } else {
            DeliveryError::Permanent(message)
        }
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<reqwest::Response, DeliveryError> {
        request.send().await.map_err(|e| DeliveryError::Retryable {
            message: format!("could not reach bluesky ({what}): {e}"),
            retry_after: None,
        })
    }

    /// `com.atproto.repo.getRecord`: `Some((cid, value))`, `None` when absent (any 4xx).
    async fn get_record(
        &self,
        service: &str,
        jwt: &str,
        repo: &str,
        collection: &str,
        rkey: &str,
    ) -> Result<Option<(String, serde_json::Value)>, DeliveryError> {
        let url = format!("{service}/xrpc/com.atproto.repo.getRecord");
        let response = self
            .send(
                self.client.get(&url).bearer_auth(jwt).query(&[
                    ("repo", repo),
                    ("collection", collection),
                    ("rkey", rkey),
                ]),
                "getRecord",
            )
            .await?;
        if response.status().is_client_error() {
            return Ok(None);
        }
        if !response.status().is_success() {
            return Err(Self::failure("getRecord", response).await);
        }
        let v: serde_json::Value = response
            .json()
            .await
            .map_err(|e| DeliveryError::Retryable {
                message: format!("bluesky getRecord: unreadable answer: {e}"),
                retry_after: None,
            })?;
        let cid = v
            .get("cid")
            .and_then(|c| c.as_str())
            .ok_or_else(|| DeliveryError::Permanent("bluesky getRecord: no cid".into()))?;
        Ok(Some((
            cid.to_owned(),
            v.get("value").cloned().unwrap_or_default(),
        )))
    }
}

impl Connector for BlueskyConnector {
    async fn deliver(&self, item: &OutboxItem, secret: Option<&str>) -> Result<(), DeliveryError> {
        if !item.source_owned {
            return Err(DeliveryError::Permanent(
                "the source is not our own Bluesky account".into(),
            ));
        }
        let (identifier, password) = secret
            .and_then(|s| s.rsplit_once(':'))
            .filter(|(i, p)| !i.is_empty() && !p.is_empty())
            .ok_or_else(|| {
                DeliveryError::Permanent(
                    "the delivery secret must be identifier:app-password".into(),
                )
            })?;
        let parent_uri = item
            .in_reply_to
            .as_deref()
            .ok_or_else(|| DeliveryError::Permanent("there is no Bluesky post to answer".into()))?;
        let (parent_repo, parent_collection, parent_rkey) =
            parse_at_uri(parent_uri).ok_or_else(|| {
                DeliveryError::Permanent(format!("{parent_uri:?} is not an at:// post URI"))
            })?;
        let service = item
            .delivery_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .unwrap_or(DEFAULT_SERVICE)
            .trim_end_matches('/')
            .to_owned();

        // 1. A session.
        let url = format!("{service}/xrpc/com.atproto.server.createSession");
        let response = self
            .send(
                self.client.post(&url).json(&serde_json::json!({
                    "identifier": identifier,
                    "password": password,
                })),
                "createSession",
            )
            .await?;
        if !response.status().is_success() {
            return Err(Self::failure("createSession", response).await);
        }
        let session: serde_json::Value =
            response
                .json()
                .await
                .map_err(|e| DeliveryError::Retryable {
                    message: format!("bluesky createSession: unreadable answer: {e}"),
                    retry_after: None,
                })?;
        let field = |k: &str| {
            session
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or_else(|| DeliveryError::Permanent(format!("bluesky createSession: no {k}")))
        };
        let (jwt, did) = (field("accessJwt")?, field("did")?);

        // 2. The parent's cid and the thread's root.
        let Some((parent_cid, parent_value)) = self
            .get_record(&service, &jwt, parent_repo, parent_collection, parent_rkey)
            .await?
        else {
            return Err(DeliveryError::Permanent(format!(
                "the post {parent_uri} no longer exists"
            )));
        };
        let parent = serde_json::json!({"uri": parent_uri, "cid": parent_cid});
        let root = parent_value
            .get("reply")
            .and_then(|r| r.get("root"))
            .filter(|r| {
                r.get("uri").and_then(|u| u.as_str()).is_some()
                    && r.get("cid").and_then(|c| c.as_str()).is_some()
            })
            .cloned()
            .unwrap_or_else(|| parent.clone());

        // 3. The post, under a record key derived from the idempotency key.
        let (text, cut) = post_text(&item.text, &item.agent_name);
        if cut {
            tracing::warn!(reply = %item.reply.0, "bluesky reply cut to 300 characters");
        }
        let rkey = rkey_for(&item.idempotency_key);
        let url = format!("{service}/xrpc/com.atproto.repo.createRecord");
        let response = self
            .send(
                self.client
                    .post(&url)
                    .bearer_auth(&jwt)
                    .json(&serde_json::json!({
                        "repo": did,
                        "collection": POST_COLLECTION,
                        "rkey": rkey,
                        "record": {
                            "$type": POST_COLLECTION,
                            "text": text,
                            "createdAt": jiff::Timestamp::now().to_string(),
                            "reply": {"root": root, "parent": parent},
                        },
                    })),
                "createRecord",
            )
            .await?;
        if response.status().is_success() {
            return Ok(());
        }
        let error = Self::failure("createRecord", response).await;
        // A record with our key already exists: posted before (a crash before the bookkeeping).
        match self
            .get_record(&service, &jwt, &did, POST_COLLECTION, &rkey)
            .await
        {
            Ok(Some(_)) => {
                tracing::info!(reply = %item.reply.0, rkey, "bluesky reply was already posted");
                Ok(())
            }
            _ => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_url_has_cursor_minus_margin() {
        assert_eq!(
            subscribe_url("wss://j.example/subscribe", Some("1725911162329308")).unwrap(),
            "wss://j.example/subscribe?wantedCollections=app.bsky.feed.post&cursor=1725911157329308"
        );
        assert_eq!(
            subscribe_url("ws://127.0.0.1:9/subscribe", None).unwrap(),
            "ws://127.0.0.1:9/subscribe?wantedCollections=app.bsky.feed.post"
        );
        assert_eq!(
            subscribe_url("https://j.example/subscribe", None).unwrap(),
            "wss://j.example/subscribe?wantedCollections=app.bsky.feed.post"
        );
        assert!(subscribe_url("ftp://j.example/subscribe", None).is_err());
    }

    #[test]
    fn rkeys_are_deterministic_tids() {
        let a = rkey_for("key-1");
        assert_eq!(a, rkey_for("key-1"));
        assert_ne!(a, rkey_for("key-2"));
        assert_eq!(a.len(), 13);
        assert!(a.bytes().all(|c| TID_ALPHABET.contains(&c)));
        // Top bit clear: the first character is one of the first 16 of the alphabet.
        assert!(TID_ALPHABET[..16].contains(&a.as_bytes()[0]));
    }

    #[test]
    fn long_replies_are_cut_with_the_signature_kept() {
        let (t, cut) = post_text("kort", "Mehmet");
        assert_eq!(t, "kort\n— Mehmet");
        assert!(!cut);
        let (t, cut) = post_text(&"é".repeat(400), "Mehmet");
        assert!(cut);
        assert_eq!(t.chars().count(), MAX_POST_CHARS);
        assert!(t.ends_with("…\n— Mehmet"));
    }

    #[test]
    fn events_are_read() {
        let now = jiff::Timestamp::now();
        assert!(matches!(read_event("{x", now), Event::Malformed(_)));
        assert_eq!(
            read_event(
                r#"{"did":"did:plc:a","time_us":9,"kind":"commit","commit":{"operation":"delete","collection":"app.bsky.feed.post","rkey":"3k"}}"#,
                now
            ),
            Event::Deleted {
                uri: "at://did:plc:a/app.bsky.feed.post/3k".into(),
                time_us: 9
            }
        );
        assert_eq!(
            read_event(r#"{"did":"did:plc:a","time_us":5,"kind":"identity"}"#, now),
            Event::Ignored { time_us: 5 }
        );
        let e = read_event(
            r#"{"did":"did:plc:a","time_us":7,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"3k","cid":"bafy","record":{"$type":"app.bsky.feed.post","text":"hoi","createdAt":"2026-11-25T10:00:00.000Z","reply":{"root":{"uri":"at://did:plc:r/app.bsky.feed.post/1","cid":"c1"},"parent":{"uri":"at://did:plc:p/app.bsky.feed.post/2","cid":"c2"}}}}}"#,
            now,
        );
        let Event::Post { message, time_us } = e else {
            panic!("{e:?}")
        };
        assert_eq!(time_us, 7);
        assert_eq!(message.external_id, "at://did:plc:a/app.bsky.feed.post/3k");
        assert_eq!(
            message.in_reply_to.as_deref(),
            Some("at://did:plc:p/app.bsky.feed.post/2")
        );
        assert_eq!(
            parse_at_uri("at://did:plc:p/app.bsky.feed.post/2"),
            Some(("did:plc:p", "app.bsky.feed.post", "2"))
        );
    }
}
