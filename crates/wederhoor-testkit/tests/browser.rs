//! End-to-end checks of the CDP driver against a real headless Chromium and a
//! tiny hand-written HTTP server. Chromium is required: without it these tests
//! fail with the message from `Browser::launch`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use wederhoor_testkit::Browser;

const FORM_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>form</title></head>
<body>
  <h1 id="title">Hello from the test server</h1>
  <p id="status">waiting</p>
  <form method="post" action="/submit">
    <input id="name" name="name" type="text">
    <button id="go" type="submit">Send</button>
  </form>
  <script>
    document.addEventListener("keydown", (e) => {
      if (e.key === "j") document.getElementById("status").textContent = "pressed j";
    });
  </script>
</body></html>"#;

/// Serve a few static pages on 127.0.0.1:0 and return the base URL.
async fn start_server() -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = serve(stream).await;
            });
        }
    });
    Ok(format!("http://{addr}"))
}

async fn serve(mut stream: TcpStream) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let header_end = loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "connection closed before the request was complete");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        anyhow::ensure!(buf.len() < 64 * 1024, "request head too large");
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut content_length = 0usize;
    let mut cookie = String::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse()?;
            } else if name.eq_ignore_ascii_case("cookie") {
                cookie = value.to_string();
            }
        }
    }
    let mut body = buf[header_end..].to_vec();
    while body.len() < content_length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "connection closed before the body was complete");
        body.extend_from_slice(&chunk[..n]);
    }

    let (status, extra_headers, page) = match (method.as_str(), path.as_str()) {
        ("GET", "/") => ("200 OK", String::new(), FORM_PAGE.to_string()),
        ("POST", "/submit") => {
            let body = String::from_utf8_lossy(&body);
            let name = body
                .split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == "name")
                .map(|(_, v)| url_decode(v))
                .unwrap_or_default();
            let page = format!(
                "<!doctype html><title>echo</title><p id=\"echo\">You sent: {}</p>",
                html_escape(&name)
            );
            ("200 OK", String::new(), page)
        }
        ("GET", "/login") => (
            "200 OK",
            "Set-Cookie: user=alice; Path=/; HttpOnly\r\n".to_string(),
            "<!doctype html><title>login</title><p id=\"msg\">logged in</p>".to_string(),
        ),
        ("GET", "/whoami") => {
            let shown = if cookie.is_empty() {
                "nobody".to_string()
            } else {
                cookie
            };
            let page = format!(
                "<!doctype html><title>whoami</title><p id=\"who\">{}</p>",
                html_escape(&shown)
            );
            ("200 OK", String::new(), page)
        }
        _ => ("404 Not Found", String::new(), "not found".to_string()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n{extra_headers}\r\n{page}",
        page.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(())
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[tokio::test]
async fn goto_and_text() -> anyhow::Result<()> {
    let base = start_server().await?;
    let browser = Browser::launch().await?.without_audit();
    let page = browser.new_page().await?;
    page.goto(&format!("{base}/")).await?;
    assert_eq!(page.text("#title").await?, "Hello from the test server");
    assert_eq!(page.url().await?, format!("{base}/"));
    assert!(page.text("#does-not-exist").await.is_err());
    assert!(page.click("#does-not-exist").await.is_err());
    assert!(page.fill("#does-not-exist", "x").await.is_err());
    Ok(())
}

#[tokio::test]
async fn fill_and_submit_form() -> anyhow::Result<()> {
    let base = start_server().await?;
    let browser = Browser::launch().await?.without_audit();
    let page = browser.new_page().await?;
    page.goto(&format!("{base}/")).await?;
    page.fill("#name", "Ada & <Grace> ünïcode").await?;
    assert_eq!(
        page.eval("document.getElementById('name').value").await?,
        "Ada & <Grace> ünïcode"
    );
    page.click_and_wait_navigation("#go").await?;
    assert_eq!(page.url().await?, format!("{base}/submit"));
    assert_eq!(page.text("#echo").await?, "You sent: Ada & <Grace> ünïcode");
    Ok(())
}

#[tokio::test]
async fn press_key_fires_keyboard_shortcuts() -> anyhow::Result<()> {
    let base = start_server().await?;
    let browser = Browser::launch().await?.without_audit();
    let page = browser.new_page().await?;
    page.goto(&format!("{base}/")).await?;
    assert_eq!(page.text("#status").await?, "waiting");
    page.press_key("k").await?;
    assert_eq!(page.text("#status").await?, "waiting");
    page.press_key("j").await?;
    page.wait_for(
        "document.getElementById('status').textContent === 'pressed j'",
        Duration::from_secs(5),
    )
    .await?;
    assert_eq!(page.text("#status").await?, "pressed j");
    Ok(())
}

#[tokio::test]
async fn pages_have_separate_cookies() -> anyhow::Result<()> {
    let base = start_server().await?;
    let browser = Browser::launch().await?.without_audit();
    let alice = browser.new_page().await?;
    let stranger = browser.new_page().await?;

    alice.goto(&format!("{base}/login")).await?;
    assert_eq!(alice.text("#msg").await?, "logged in");
    alice.goto(&format!("{base}/whoami")).await?;
    assert_eq!(alice.text("#who").await?, "user=alice");

    stranger.goto(&format!("{base}/whoami")).await?;
    assert_eq!(stranger.text("#who").await?, "nobody");
    Ok(())
}

#[tokio::test]
async fn eval_errors_and_wait_for_timeout() -> anyhow::Result<()> {
    let browser = Browser::launch().await?.without_audit();
    let page = browser.new_page().await?;

    assert_eq!(page.eval("1 + 2").await?, 3);
    assert_eq!(
        page.eval("Promise.resolve({ a: [1, 'x'] })").await?,
        serde_json::json!({ "a": [1, "x"] })
    );
    assert_eq!(page.eval("undefined").await?, serde_json::Value::Null);

    let err = page
        .eval("throw new Error('kaboom from the page')")
        .await
        .err()
        .context("a throwing script must be an Err")?;
    assert!(
        format!("{err:#}").contains("kaboom from the page"),
        "unexpected error: {err:#}"
    );
    let err = page
        .eval("Promise.reject(new TypeError('rejected promise'))")
        .await
        .err()
        .context("a rejected promise must be an Err")?;
    assert!(format!("{err:#}").contains("rejected promise"), "{err:#}");

    let started = std::time::Instant::now();
    let err = page
        .wait_for("window.neverSet === true", Duration::from_millis(300))
        .await
        .err()
        .context("a never-true condition must time out")?;
    let elapsed = started.elapsed();
    assert!(
        format!("{err:#}").contains("window.neverSet === true"),
        "{err:#}"
    );
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");

    // And a condition that becomes true later is seen by polling.
    page.eval("setTimeout(() => { window.later = 1 }, 200); null")
        .await?;
    page.wait_for("window.later", Duration::from_secs(5))
        .await?;
    Ok(())
}

#[tokio::test]
async fn screenshot_writes_png() -> anyhow::Result<()> {
    let base = start_server().await?;
    let browser = Browser::launch().await?.without_audit();
    let page = browser.new_page().await?;
    page.goto(&format!("{base}/")).await?;
    let path: PathBuf = std::env::temp_dir().join(format!(
        "wederhoor-testkit-shot-{}/page.png",
        std::process::id()
    ));
    page.screenshot_png(&path, 640, 400).await?;
    let bytes = std::fs::read(&path)?;
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    // IHDR width and height.
    assert_eq!(&bytes[16..24], &[0, 0, 2, 128, 0, 0, 1, 144]);
    if let Some(dir) = path.parent() {
        std::fs::remove_dir_all(dir)?;
    }
    Ok(())
}

#[tokio::test]
async fn goto_unreachable_url_is_err() -> anyhow::Result<()> {
    // Bind then drop a listener to get a port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0").await?.local_addr()?.port();
    let browser = Browser::launch().await?.without_audit();
    let page = browser.new_page().await?;
    let err = page
        .goto(&format!("http://127.0.0.1:{port}/"))
        .await
        .err()
        .context("navigating to a closed port must fail")?;
    assert!(
        format!("{err:#}").contains("ERR_CONNECTION_REFUSED"),
        "{err:#}"
    );
    Ok(())
}

#[tokio::test]
async fn missing_chromium_is_a_clear_error() {
    let missing = std::path::Path::new("/nonexistent/chromium");
    match Browser::launch_at(missing).await {
        Ok(_) => panic!("launching a missing binary must fail"),
        Err(err) => {
            let msg = format!("{err:#}");
            assert!(msg.contains("/nonexistent/chromium"), "{msg}");
            assert!(msg.contains("apt-get install -y chromium"), "{msg}");
        }
    }
}

#[tokio::test]
async fn the_accessibility_audit_fails_a_navigation_to_a_page_with_a_serious_violation()
-> anyhow::Result<()> {
    let base = start_server().await?;
    let browser = Browser::launch().await?;
    if !browser.audits() {
        // No axe-core and not required (see `wederhoor_testkit::axe`): nothing to check here.
        eprintln!("skipped: axe-core is not installed");
        return Ok(());
    }
    let page = browser.new_page().await?;
    let clean = "data:text/html,<!doctype html><html lang=%22en%22><head><title>Fine</title></head>\
                 <body><main><h1>Fine</h1><p>Nothing wrong here.</p></main></body></html>";
    page.goto(clean).await?;
    // The form page has no language and an input without a label.
    let err = page
        .goto(&format!("{base}/"))
        .await
        .err()
        .context("a page with serious violations must fail the navigation")?;
    let msg = format!("{err:#}");
    assert!(msg.contains("axe-core"), "{msg}");
    assert!(
        msg.contains("html-has-lang") || msg.contains("label"),
        "{msg}"
    );
    // Each kind of page is audited once: going there again does not fail again.
    page.goto(&format!("{base}/")).await?;
    Ok(())
}
