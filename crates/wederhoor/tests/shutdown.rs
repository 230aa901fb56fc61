//! `serve` stops cleanly on SIGTERM even while a browser keeps a live-update stream open.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Target, login_agent};
use std::time::{Duration, Instant};

#[tokio::test]
async fn sigterm_ends_the_server_with_an_open_event_stream() {
    let t = Target::sqlite("shutdown");
    t.add_user("sanne", "Sanne Jansen", "agent", "correct-horse-battery");
    let mut server = t.serve();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let session = login_agent(&client, &server.url, "sanne", "correct-horse-battery").await;

    let events = client
        .get(format!("{}/events", server.url))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );

    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Wait (bounded) for the process to exit on its own.
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop within 20 s of SIGTERM"
        );
        tokio::task::yield_now().await;
        std::thread::park_timeout(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    drop(events);
}
