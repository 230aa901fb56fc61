//! `serve` stops cleanly on SIGTERM even while a browser keeps a live-update stream open.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
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

    // Log in like a browser: the login form's CSRF token and cookie, then the session cookie.
    let page = client
        .get(format!("{}/login", server.url))
        .send()
        .await
        .unwrap();
    let login_cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let response = client
        .post(format!("{}/login", server.url))
        .header("cookie", &login_cookie)
        .form(&[
            ("username", "sanne"),
            ("password", "correct-horse-battery"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let session = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

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
