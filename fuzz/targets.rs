//! The bodies of the fuzz targets, one function per target, shared by the libFuzzer binaries in
//! `fuzz_targets/` and by the corpus replay test (`crates/wederhoor/tests/fuzz_corpus.rs`), so the
//! kept corpus runs with every `cargo test`. Each function panics only on a broken invariant.
#![allow(dead_code)]

use std::sync::LazyLock;
use wederhoor_core::IncomingMessage;
use wederhoor_listen::query::{Matcher, Query, QueryId};
use wederhoor_triage::{Brand, Engine};

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::default_engine);

/// A fixed "now", so a run does not depend on the day.
fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_800_000_000).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// A target's body: one input, checked.
pub type Target = fn(&[u8]);

/// Every target by name, as the corpus folders are named.
pub const TARGETS: &[(&str, Target)] = &[
    ("query_parse", query_parse),
    ("rules_toml", rules_toml),
    ("triage_line", triage_line),
    ("import_message", import_message),
    ("mastodon_status", mastodon_status),
    ("meta_webhook", meta_webhook),
    ("bluesky_event", bluesky_event),
    ("rss_feed", rss_feed),
    ("email_mail", email_mail),
    ("markdown", markdown),
];

/// The listening-query language: any text either parses or names the column of its problem; a
/// parsed query compiles into a matcher that can run over any text.
pub fn query_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is the query, the rest a text to match it against.
    let (query, body) = text.split_once('\n').unwrap_or((text, ""));
    match Query::parse(query) {
        Ok(q) => {
            let matcher = Matcher::compile([(QueryId(1), &q)]);
            let _ = matcher.matches(body);
        }
        Err(e) => {
            // The error must point inside the query (1-based columns, one past the end allowed).
            assert!(
                e.column >= 1 && e.column <= query.chars().count() + 1,
                "{e:?}"
            );
        }
    }
}

/// Rules, brand and topic files (TOML): bad input is an error with a location, never a panic.
pub fn rules_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(engine) = ENGINE.with_rules(text) {
        // A rules file that compiles must triage a message.
        let _ = engine.triage_json_line(r#"{"id":"1","text":"Waarom is mijn pas geblokkeerd?"}"#);
    }
    let _ = Brand::from_toml(text);
}

/// `wederhoor triage` and `wederhoor learn` read JSON Lines: every line gets exactly one line of
/// output (a triage or an error object), and a decision line is read or refused.
pub fn triage_line(data: &[u8]) {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    if line.contains('\n') {
        return;
    }
    let out = ENGINE.triage_json_line(line);
    assert!(!out.contains('\n'), "one output line per input line");
    let parsed: serde_json::Value = serde_json::from_str(&out).expect("the output is JSON");
    assert!(parsed.is_object());
    let _ = Engine::read_decision(line);
}

/// The ingest schema (`POST /api/v1/ingest`, `wederhoor import`): any JSON either becomes a
/// checked message or is refused with a reason.
pub fn import_message(data: &[u8]) {
    let Ok(incoming) = serde_json::from_slice::<IncomingMessage>(data) else {
        return;
    };
    let now = now();
    if let Ok(m) = incoming.parse(now) {
        assert!(
            !m.external_id.trim().is_empty(),
            "a stored message has an id"
        );
    }
}

/// A Mastodon status (streaming or timeline JSON) becomes a message or a reason.
pub fn mastodon_status(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let now = now();
    let _ = wederhoor_listen::mastodon::status_to_message(&value, now);
}

/// A Meta (Facebook, Instagram, WhatsApp) webhook delivery: every entry is a message or counted
/// as skipped.
pub fn meta_webhook(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    for kind in ["facebook", "instagram", "whatsapp"] {
        let _ = wederhoor_listen::meta::parse_webhook(kind, &value);
    }
}

/// A Bluesky Jetstream event (one WebSocket text frame).
pub fn bluesky_event(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = now();
    let _ = wederhoor_listen::bluesky::read_event(text, now);
    let _ = wederhoor_listen::bluesky::parse_at_uri(text);
}

/// An RSS or Atom feed body.
pub fn rss_feed(data: &[u8]) {
    let now = now();
    let _ = wederhoor_listen::rss::parse_feed(data, "fuzz", now);
}

/// A raw mail fetched over IMAP.
pub fn email_mail(data: &[u8]) {
    let now = now();
    let _ = wederhoor_listen::email::mail_to_message_with_attachments(data, 1, 1, "fuzz", now);
}

/// The insides of the HTML tags (`<…>`): text is escaped, so a raw `<` always opens a tag.
fn tags(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for c in html.chars() {
        match (c, current.as_mut()) {
            ('<', None) => current = Some(String::new()),
            ('>', Some(_)) => out.extend(current.take()),
            (c, Some(t)) => t.push(c.to_ascii_lowercase()),
            _ => {}
        }
    }
    out
}

/// The attribute names and values of a tag's inside (`a href="…" title="…"`).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let rest = tag
        .split_once(char::is_whitespace)
        .map(|(_, r)| r)
        .unwrap_or("");
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == '/').is_some() {}
        let name: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        if name.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            match chars.next_if(|c| *c == '"' || *c == '\'') {
                Some(q) => value = std::iter::from_fn(|| chars.next_if(|c| *c != q)).collect(),
                None => {
                    value = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect()
                }
            }
            chars.next();
        }
        out.push((name, value));
    }
    out
}

/// The Markdown renderer of the feedback page: whatever a customer types, the HTML it gives has
/// no script element, no event-handler attribute and no javascript: URL.
pub fn markdown(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let html = wederhoor_web::markdown::render(text);
    for tag in tags(&html) {
        let name = tag
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or("");
        assert!(
            !matches!(name, "script" | "iframe" | "object" | "embed" | "style"),
            "{html}"
        );
        for (attr, value) in attributes(&tag) {
            assert!(!attr.starts_with("on"), "event handler in {html}");
            if matches!(attr.as_str(), "href" | "src") {
                let v: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                assert!(
                    !v.starts_with("javascript:") && !v.starts_with("data:"),
                    "{html}"
                );
            }
        }
    }
    let _ = wederhoor_web::markdown::plain_excerpt(text, 80);
}
