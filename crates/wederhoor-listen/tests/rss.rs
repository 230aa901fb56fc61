//! The RSS/Atom connector against a fake feed server on 127.0.0.1:0, with an in-memory sink.
//!
//! The fake serves documented shapes only: RSS 2.0 (`<rss version="2.0"><channel><item>` with
//! `<guid>`, `<link>`, `<description>` as entity-escaped HTML, `<pubDate>` in RFC 822 form,
//! `<author>`; see the RSS 2.0 specification at rssboard.org) and Atom (RFC 4287: `<feed>` /
//! `<entry>` with `<id>`, `<updated>`, `<published>`, `<author><name>`, `<content type="html">`).
//! HTTP conditional requests follow RFC 9110 §13: `If-None-Match` is evaluated first (weak
//! comparison, `304` on a match); only without it is `If-Modified-Since` evaluated; `429` carries
//! `Retry-After` in delay-seconds (§10.2.3).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wederhoor_core::{DeliveryKind, SourceId, ValidMessage};
use wederhoor_listen::poller::next_delay;
use wederhoor_listen::rss::{FeedClient, MAX_TEXT_BYTES, parse_feed, poll_feed};
use wederhoor_listen::{Sink, SinkError, SinkReport};
use wederhoor_store::Source;

// ---------------------------------------------------------------- the fake feed server

#[derive(Default)]
struct Fake {
    body: String,
    content_type: String,
    etag: String,
    last_modified: String,
    /// Answer every request with this status (and `Retry-After`) instead.
    fail: Option<(u16, Option<String>)>,
    /// (If-None-Match, If-Modified-Since) of every request, in order.
    seen: Vec<(Option<String>, Option<String>)>,
}

type Shared = Arc<Mutex<Fake>>;

fn etag_matches(header_value: &str, etag: &str) -> bool {
    let weak = |s: &str| s.trim().trim_start_matches("W/").to_owned();
    header_value
        .split(',')
        .any(|t| t.trim() == "*" || weak(t) == weak(etag))
}

async fn feed(
    axum::extract::State(fake): axum::extract::State<Shared>,
    headers: HeaderMap,
) -> Response {
    let mut f = fake.lock().unwrap();
    let get = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let inm = get(header::IF_NONE_MATCH);
    let ims = get(header::IF_MODIFIED_SINCE);
    f.seen.push((inm.clone(), ims.clone()));
    if let Some((status, retry_after)) = &f.fail {
        let mut r = StatusCode::from_u16(*status).unwrap().into_response();
        if let Some(ra) = retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, ra.parse().unwrap());
        }
        return r;
    }
    let not_modified = match (&inm, &ims) {
        (Some(inm), _) => etag_matches(inm, &f.etag),
        (None, Some(ims)) => !f.last_modified.is_empty() && *ims == f.last_modified,
        (None, None) => false,
    };
    let mut r = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, f.content_type.clone())],
            f.body.clone(),
        )
            .into_response()
    };
    if !f.etag.is_empty() {
        r.headers_mut()
            .insert(header::ETAG, f.etag.parse().unwrap());
    }
    if !f.last_modified.is_empty() {
        r.headers_mut()
            .insert(header::LAST_MODIFIED, f.last_modified.parse().unwrap());
    }
    r
}

async fn start_fake(body: &str, content_type: &str, etag: &str) -> (String, Shared) {
    let fake: Shared = Arc::new(Mutex::new(Fake {
        body: body.to_owned(),
        content_type: content_type.to_owned(),
        etag: etag.to_owned(),
        last_modified: "Wed, 25 Nov 2026 10:00:00 GMT".to_owned(),
        ..Fake::default()
    }));
    let app = axum::Router::new()
        .route("/feed", axum::routing::get(feed))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/feed"), fake)
}

// ---------------------------------------------------------------- the in-memory sink

#[derive(Default)]
struct MemSink {
    messages: Mutex<Vec<ValidMessage>>,
    checkpoint: Mutex<Option<String>>,
    matched: Mutex<Vec<Option<String>>>,
    calls: Mutex<usize>,
}

impl Sink for MemSink {
    async fn store(
        &self,
        _source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        matched_query: Option<String>,
    ) -> Result<SinkReport, SinkError> {
        *self.calls.lock().unwrap() += 1;
        let mut stored = self.messages.lock().unwrap();
        let mut report = SinkReport::default();
        for m in messages {
            if stored.iter().any(|s| s.external_id == m.external_id) {
                report.duplicates += 1;
            } else {
                stored.push(m);
                report.stored += 1;
            }
        }
        if checkpoint.is_some() {
            *self.checkpoint.lock().unwrap() = checkpoint;
        }
        self.matched.lock().unwrap().push(matched_query);
        Ok(report)
    }
}

impl MemSink {
    fn ids(&self) -> Vec<String> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.external_id.clone())
            .collect()
    }
    fn checkpoint(&self) -> Option<String> {
        self.checkpoint.lock().unwrap().clone()
    }
}

fn source(url: &str, query: Option<&str>) -> Source {
    Source {
        id: SourceId(1),
        kind: "rss".into(),
        name: "zuiderblog".into(),
        delivery_kind: DeliveryKind::Manual,
        delivery_url: None,
        owned: false,
        created_at: 0,
        url: Some(url.to_owned()),
        listening_query: query.map(str::to_owned),
        poll_interval_secs: 60,
        enabled: true,
        retention_days: None,
    }
}

// ---------------------------------------------------------------- feeds

fn rss_item(guid: &str, title: &str, description: &str) -> String {
    format!(
        "<item><title>{title}</title><link>https://blog.example/{guid}</link>\
         <guid isPermaLink=\"false\">{guid}</guid><description>{description}</description>\
         <pubDate>Wed, 25 Nov 2026 09:30:00 +0000</pubDate></item>"
    )
}

fn rss(items: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Zuiderblog</title><link>https://blog.example/</link>\
         <description>Over de Zuiderbank</description>{}</channel></rss>",
        items.concat()
    )
}

const RSS_CT: &str = "application/rss+xml; charset=utf-8";

fn now() -> jiff::Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn rss_items_become_messages_and_a_malformed_item_is_skipped() {
    let body = rss(&[
        // Entity-escaped HTML in the description, an author, a guid.
        "<item><title>Pinpas kwijt</title><link>https://blog.example/1</link>\
         <guid>https://blog.example/1</guid><author>joris@example.nl (Joris)</author>\
         <description>&lt;p&gt;Mijn &lt;b&gt;pinpas&lt;/b&gt; is weg &amp;amp; de app&amp;nbsp;hangt.&lt;/p&gt;\
         &lt;script&gt;alert(1)&lt;/script&gt;</description>\
         <pubDate>Wed, 25 Nov 2026 09:30:00 +0000</pubDate></item>"
            .to_owned(),
        // No guid: the link is the id; no date: the time of the poll.
        "<item><title>Zonder guid</title><link>https://blog.example/2</link>\
         <description>Tekst</description></item>"
            .to_owned(),
        // Neither guid nor link: malformed.
        "<item><title>Wees</title><description>Geen id</description></item>".to_owned(),
        // No text at all: malformed.
        "<item><guid>leeg</guid></item>".to_owned(),
    ]);
    let parsed = parse_feed(body.as_bytes(), "zuiderblog", now()).unwrap();
    assert_eq!(parsed.malformed, 2);
    assert_eq!(parsed.messages.len(), 2);
    let first = &parsed.messages[0];
    assert_eq!(first.external_id, "https://blog.example/1");
    assert_eq!(
        first.text,
        "Pinpas kwijt\n\nMijn pinpas is weg & de app hangt."
    );
    assert_eq!(
        first.created_at,
        "2026-11-25T09:30:00Z".parse::<jiff::Timestamp>().unwrap()
    );
    assert_eq!(first.author_name.as_deref(), Some("Joris"));
    assert_eq!(first.author_handle, "joris@example.nl");
    let second = &parsed.messages[1];
    assert_eq!(second.external_id, "https://blog.example/2");
    assert_eq!(second.text, "Zonder guid\n\nTekst");
    assert_eq!(second.created_at, now());
}

#[tokio::test]
async fn atom_entries_become_messages() {
    let body = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Forum Zuiderbank</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>
  <updated>2026-11-25T10:00:00Z</updated>
  <entry>
    <title type="text">Storing bij inloggen</title>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <link href="https://forum.example/t/1"/>
    <published>2026-11-25T08:00:00+01:00</published>
    <updated>2026-11-25T09:00:00Z</updated>
    <author><name>Fatima</name></author>
    <content type="html">&lt;div&gt;Ik kan   niet
      inloggen&lt;br/&gt;sinds vanochtend&lt;/div&gt;</content>
  </entry>
  <entry>
    <title>Alleen bijgewerkt</title>
    <id>tag:forum.example,2026:2</id>
    <updated>2026-11-25T09:15:00Z</updated>
    <summary>Korte samenvatting</summary>
  </entry>
</feed>"#;
    let parsed = parse_feed(body.as_bytes(), "forum", now()).unwrap();
    assert_eq!(parsed.malformed, 0);
    let [a, b] = parsed.messages.as_slice() else {
        panic!("{:?}", parsed.messages)
    };
    assert_eq!(
        a.external_id,
        "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    );
    assert_eq!(
        a.text,
        "Storing bij inloggen\n\nIk kan niet inloggen sinds vanochtend"
    );
    assert_eq!(a.author_name.as_deref(), Some("Fatima"));
    // published wins over updated.
    assert_eq!(
        a.created_at,
        "2026-11-25T07:00:00Z".parse::<jiff::Timestamp>().unwrap()
    );
    assert_eq!(b.external_id, "tag:forum.example,2026:2");
    assert_eq!(b.text, "Alleen bijgewerkt\n\nKorte samenvatting");
    assert_eq!(
        b.created_at,
        "2026-11-25T09:15:00Z".parse::<jiff::Timestamp>().unwrap()
    );
}

#[tokio::test]
async fn long_text_is_cut_on_a_char_boundary() {
    let long = "é".repeat(MAX_TEXT_BYTES);
    let body = rss(&[rss_item("lang", "Lang", &long)]);
    let parsed = parse_feed(body.as_bytes(), "zuiderblog", now()).unwrap();
    let text = &parsed.messages[0].text;
    assert!(text.len() <= MAX_TEXT_BYTES && text.len() > MAX_TEXT_BYTES - 4);
}

#[tokio::test]
async fn a_malformed_feed_is_an_error_for_that_poll() {
    let (url, _fake) = start_fake("<html><body>Niet gevonden", "text/html", "\"x\"").await;
    let sink = MemSink::default();
    let client = FeedClient::new().unwrap();
    let err = poll_feed(&client, &sink, &source(&url, None), None)
        .await
        .unwrap_err();
    assert!(err.message.contains("malformed feed"), "{err}");
    assert_eq!(*sink.calls.lock().unwrap(), 0);

    let (url, _fake) = start_fake("<rss version=\"2.0\"><channel><item>", RSS_CT, "\"y\"").await;
    assert!(
        poll_feed(&client, &sink, &source(&url, None), None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn second_poll_is_conditional_and_a_changed_feed_yields_only_the_new_item() {
    let items = vec![
        rss_item("a", "Eerste", "&lt;p&gt;een&lt;/p&gt;"),
        rss_item("b", "Tweede", "twee"),
    ];
    let (url, fake) = start_fake(&rss(&items), RSS_CT, "\"v1\"").await;
    let sink = MemSink::default();
    let client = FeedClient::new().unwrap();
    let src = source(&url, None);

    let first = poll_feed(&client, &sink, &src, None).await.unwrap();
    assert!(!first.not_modified);
    assert_eq!((first.stored, first.duplicates), (2, 0));
    assert_eq!(sink.ids(), vec!["a", "b"]);
    let cp = sink.checkpoint().expect("checkpoint stored with the batch");
    assert!(cp.contains("\\\"v1\\\""), "{cp}");

    // Unchanged: If-None-Match is sent, the answer is 304, nothing reaches the sink.
    let calls = *sink.calls.lock().unwrap();
    let second = poll_feed(&client, &sink, &src, Some(&cp)).await.unwrap();
    assert!(second.not_modified);
    assert_eq!(second.stored, 0);
    assert_eq!(*sink.calls.lock().unwrap(), calls);
    {
        let f = fake.lock().unwrap();
        assert_eq!(f.seen[0], (None, None));
        assert_eq!(f.seen[1].0.as_deref(), Some("\"v1\""));
        assert_eq!(
            f.seen[1].1.as_deref(),
            Some("Wed, 25 Nov 2026 10:00:00 GMT")
        );
    }

    // One new item and a new ETag: exactly that item is new.
    {
        let mut f = fake.lock().unwrap();
        let mut items = items.clone();
        items.insert(0, rss_item("c", "Derde", "drie"));
        f.body = rss(&items);
        f.etag = "\"v2\"".into();
    }
    let third = poll_feed(&client, &sink, &src, Some(&cp)).await.unwrap();
    assert_eq!((third.stored, third.duplicates), (1, 2));
    assert_eq!(sink.ids(), vec!["a", "b", "c"]);
    assert!(sink.checkpoint().unwrap().contains("v2"));
}

#[tokio::test]
async fn retry_after_on_429_is_respected() {
    let (url, fake) = start_fake(&rss(&[]), RSS_CT, "\"v1\"").await;
    fake.lock().unwrap().fail = Some((429, Some("120".into())));
    let sink = MemSink::default();
    let client = FeedClient::new().unwrap();
    let src = source(&url, None);
    let err = poll_feed(&client, &sink, &src, None).await.unwrap_err();
    assert_eq!(err.retry_after, Some(Duration::from_secs(120)));
    let interval = Duration::from_secs(60);
    assert_eq!(
        next_delay(interval, 1, err.retry_after, 42),
        Duration::from_secs(120)
    );

    // A 500 has no Retry-After to respect: plain backoff.
    fake.lock().unwrap().fail = Some((500, Some("120".into())));
    let err = poll_feed(&client, &sink, &src, None).await.unwrap_err();
    assert_eq!(err.retry_after, None);
    assert!(next_delay(interval, 3, err.retry_after, 42) <= interval * 4);
}

#[tokio::test]
async fn the_listening_query_selects_what_is_stored() {
    let items = vec![
        rss_item("1", "Pinpas geblokkeerd", "Wat nu?"),
        rss_item("2", "Recept", "Appeltaart met kaneel"),
        rss_item("3", "Sponsor", "De bank sponsort de pinpassen-actie"),
    ];
    let (url, _fake) = start_fake(&rss(&items), RSS_CT, "\"q\"").await;
    let sink = MemSink::default();
    let client = FeedClient::new().unwrap();
    let q = "pinpas* NOT sponsort";
    let report = poll_feed(&client, &sink, &source(&url, Some(q)), None)
        .await
        .unwrap();
    assert_eq!(report.items, 3);
    assert_eq!(report.stored, 1);
    assert_eq!(report.unmatched, 2);
    assert_eq!(report.skipped(), 2);
    assert_eq!(sink.ids(), vec!["1"]);
    assert_eq!(*sink.matched.lock().unwrap(), vec![Some(q.to_owned())]);
}
