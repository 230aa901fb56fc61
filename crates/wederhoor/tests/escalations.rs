#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Escalation notifications end to end: the real binary with `[mail]` pointing at a fake SMTP
//! server and `[escalations] webhook_urls` at a fake Slack/Mattermost/Teams receiver on
//! loopback. Each escalation reaches both exactly once, also across a restart of the server
//! (and its workers).

mod common;

use common::{Server, Target};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use wederhoor_testkit::SmtpSink;

/// A fake incoming-webhook endpoint: keeps every body posted to it.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<(String, String)>>>,
    count: watch::Receiver<usize>,
}

async fn receiver() -> Receiver {
    let bodies: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let (tx, count) = watch::channel(0usize);
    let tx = Arc::new(tx);
    let kept = bodies.clone();
    let app = axum::Router::new().route(
        "/hooks/team",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let kept = kept.clone();
            let tx = tx.clone();
            async move {
                let key = headers
                    .get("idempotency-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let n = {
                    let mut all = kept.lock().unwrap();
                    all.push((key, body));
                    all.len()
                };
                tx.send_replace(n);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/team", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, bodies, count }
}

impl Receiver {
    async fn wait_for(&self, n: usize) -> Vec<(String, String)> {
        let mut rx = self.count.clone();
        let _ = tokio::time::timeout(Duration::from_secs(30), rx.wait_for(|c| *c >= n)).await;
        self.bodies.lock().unwrap().clone()
    }
}

fn serve(target: &Target, smtp: &str, hook: &str) -> Server {
    target.serve_with_env(
        &[],
        &[
            ("WEDERHOOR_MAIL__SMTP_URL", smtp),
            (
                "WEDERHOOR_MAIL__FROM",
                "Wederhoor <wederhoor@zuiderbank.example>",
            ),
            (
                "WEDERHOOR_ESCALATIONS__MAIL_TO",
                "teamleider@zuiderbank.example",
            ),
            ("WEDERHOOR_ESCALATIONS__WEBHOOK_URLS", hook),
        ],
    )
}

/// SIGTERM, then wait (bounded) for a clean exit: the workers finish what they hold.
fn stop(server: &mut Server) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if server.child.try_wait().unwrap().is_some() {
            return;
        }
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::park_timeout(Duration::from_millis(20));
    }
}

async fn ingest(http: &reqwest::Client, server: &Server, token: &str, body: serde_json::Value) {
    let r = http
        .post(format!("{}/api/v1/ingest", server.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalation_mails_the_lead_and_posts_the_webhook_once_also_after_a_restart() {
    let sink = SmtpSink::start().await;
    let hook = receiver().await;
    let http = reqwest::Client::new();
    let target = Target::sqlite("escalation-notify");
    let token = target.add_source("Forum", &[]);

    let mut server = serve(&target, &sink.url(), &hook.url);
    ingest(
        &http,
        &server,
        &token,
        serde_json::json!({"id": "e1", "text": "Voor de derde keer: mijn pas is geblokkeerd. Bel me op 0612345678.",
            "author": {"handle": "@marieke"}}),
    )
    .await;
    let posted = hook.wait_for(1).await;
    assert_eq!(posted.len(), 1, "{posted:?}");
    let body: serde_json::Value = serde_json::from_str(&posted[0].1).unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("herhaald contact"), "{text}");
    assert!(
        !text.contains("0612345678") && !text.contains("marieke"),
        "{text}"
    );
    assert!(posted[0].0.starts_with("escalation:"), "{:?}", posted[0].0);
    let mails = sink.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0]
            .to
            .iter()
            .any(|t| t.contains("teamleider@zuiderbank.example"))
    );
    assert!(
        mails[0].body_text().contains("/escalaties"),
        "{}",
        mails[0].body_text()
    );
    assert!(!mails[0].body_text().contains("0612345678"));

    // Restart the server (and with it the workers), then open a second escalation.
    stop(&mut server);
    let server = serve(&target, &sink.url(), &hook.url);
    ingest(
        &http,
        &server,
        &token,
        serde_json::json!({"id": "e2", "text": "Zuiderbank blokkeert al weken mijn rekening. Mijn advocaat neemt contact op.",
            "author": {"handle": "@boos"}}),
    )
    .await;
    // The restarted worker sends in order: once the second has arrived, a resend of the first
    // would have arrived before it.
    let posted = hook.wait_for(2).await;
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert_ne!(
        posted[0].0, posted[1].0,
        "the first webhook was posted again: {posted:?}"
    );
    assert!(posted[1].1.contains("juridisch"), "{}", posted[1].1);
    let mails = sink.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    drop(server);
}
