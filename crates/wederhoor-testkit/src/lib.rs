//! A minimal headless-Chromium driver for Wederhoor's end-to-end browser tests.
//!
//! It speaks the Chrome DevTools Protocol (CDP) directly over one WebSocket to
//! the browser endpoint, with flattened sessions for the pages: no Node.js, no
//! chromedriver.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use wederhoor_testkit::Browser;
//! let browser = Browser::launch().await?;
//! let page = browser.new_page().await?;
//! page.goto("http://127.0.0.1:8080/").await?;
//! page.fill("#email", "a@example.org").await?;
//! page.click_and_wait_navigation("button[type=submit]").await?;
//! assert!(page.text("h1").await?.contains("Inbox"));
//! # Ok(())
//! # }
//! ```

pub mod axe;
mod base64;
mod cdp;
pub mod fake_llm;
pub mod fake_oidc;
pub mod smtp_sink;
pub mod visual;

pub use fake_llm::FakeLlm;
pub use fake_oidc::{FakeOidc, FakeOidcConfig, OidcUser, TokenMode};
pub use smtp_sink::{MailPart, ReceivedMail, SmtpSink};

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::cdp::{COMMAND_TIMEOUT, Connection, Subscription};

/// Environment variable naming the Chromium binary to launch.
pub const CHROMIUM_ENV: &str = "WEDERHOOR_CHROMIUM";
/// Chromium binary used when [`CHROMIUM_ENV`] is not set.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// How long Chromium may take to print its DevTools endpoint.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a navigation may take to load.
const NAVIGATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Interval between two checks of a [`Page::wait_for`] condition.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A headless Chromium process and the DevTools connection to it.
///
/// Dropping it kills the process and removes its temporary profile directory.
pub struct Browser {
    // Declared before `process` so the connection goes away first.
    conn: Connection,
    process: Process,
    /// The accessibility audit of every page its tabs load (see [`axe`]), when axe-core is there.
    audit: Option<Arc<axe::Audit>>,
}

impl Browser {
    /// Launch the Chromium named by `WEDERHOOR_CHROMIUM`, or `/usr/bin/chromium`.
    pub async fn launch() -> anyhow::Result<Browser> {
        match std::env::var_os(CHROMIUM_ENV).filter(|v| !v.is_empty()) {
            Some(path) => {
                let path = PathBuf::from(path);
                if !path.exists() {
                    bail!(
                        "Chromium not found at {} (from {CHROMIUM_ENV}); point {CHROMIUM_ENV} at a \
                         Chromium binary or unset it to use {DEFAULT_CHROMIUM}",
                        path.display()
                    );
                }
                Browser::launch_at(&path).await
            }
            None => Browser::launch_at(Path::new(DEFAULT_CHROMIUM)).await,
        }
    }

    /// This browser without the accessibility audit (for pages that are not Wederhoor's, such as
    /// the driver's own test fixtures).
    pub fn without_audit(mut self) -> Browser {
        self.audit = None;
        self
    }

    /// Whether the pages of this browser are audited with axe-core (see [`axe`]).
    pub fn audits(&self) -> bool {
        self.audit.is_some()
    }

    /// Launch the Chromium binary at `path`.
    pub async fn launch_at(path: &Path) -> anyhow::Result<Browser> {
        if !path.exists() {
            bail!(
                "Chromium not found at {}: the browser tests need it \
                 (`apt-get update && apt-get install -y chromium`, or set {CHROMIUM_ENV} to its path)",
                path.display()
            );
        }
        let user_data_dir = fresh_temp_dir()?;
        let mut command = Command::new(path);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--password-store=basic",
                "--mute-audio",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                // The browser of a Dutch user: pages that follow `Accept-Language` answer in Dutch.
                "--lang=nl-NL",
                "--accept-lang=nl-NL,nl",
            ])
            .arg(format!("--user-data-dir={}", user_data_dir.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&user_data_dir);
                return Err(e).with_context(|| format!("starting Chromium at {}", path.display()));
            }
        };
        let stderr = child.stderr.take();
        // From here on, Drop of `process` cleans up whatever happens.
        let process = Process {
            child: Some(child),
            user_data_dir,
        };
        let Some(stderr) = stderr else {
            bail!("Chromium's stderr was not captured");
        };

        let (tx, rx) = oneshot::channel::<Result<String, String>>();
        std::thread::Builder::new()
            .name("chromium-stderr".into())
            .spawn(move || read_stderr(stderr, tx))
            .context("spawning the thread that reads Chromium's stderr")?;

        let ws_url = match tokio::time::timeout(STARTUP_TIMEOUT, rx).await {
            Err(_) => bail!(
                "Chromium at {} did not print `DevTools listening on ws://...` within {STARTUP_TIMEOUT:?}",
                path.display()
            ),
            Ok(Err(_)) => bail!("Chromium's stderr reader stopped unexpectedly"),
            Ok(Ok(Err(output))) => bail!(
                "Chromium at {} exited before its DevTools endpoint was up; its stderr:\n{output}",
                path.display()
            ),
            Ok(Ok(Ok(url))) => url,
        };
        let conn = Connection::connect(&ws_url).await?;
        let audit = axe::Audit::from_env()?.map(Arc::new);
        Ok(Browser {
            conn,
            process,
            audit,
        })
    }

    /// A new tab in a fresh browser context: its own cookies and storage, so
    /// pages from two calls are two independent users.
    pub async fn new_page(&self) -> anyhow::Result<Page> {
        let ctx = self
            .conn
            .send(
                None,
                "Target.createBrowserContext",
                json!({ "disposeOnDetach": true }),
            )
            .await?;
        let context_id = str_field(&ctx, "browserContextId", "Target.createBrowserContext")?;
        let target = self
            .conn
            .send(
                None,
                "Target.createTarget",
                json!({ "url": "about:blank", "browserContextId": context_id }),
            )
            .await?;
        let target_id = str_field(&target, "targetId", "Target.createTarget")?;
        let attached = self
            .conn
            .send(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await?;
        let session_id = str_field(&attached, "sessionId", "Target.attachToTarget")?;
        let page = Page {
            inner: Arc::new(PageInner {
                conn: self.conn.clone(),
                session_id,
                context_id,
                audit: self.audit.clone(),
            }),
        };
        page.cmd("Page.enable", json!({})).await?;
        page.cmd("Runtime.enable", json!({})).await?;
        // Background tabs are not focused; pretend they are so that focus-
        // and keyboard-dependent page code behaves as in a foreground tab.
        // Best effort: the method is experimental.
        let _ = page
            .cmd(
                "Emulation.setFocusEmulationEnabled",
                json!({ "enabled": true }),
            )
            .await;
        Ok(page)
    }

    /// Ask Chromium to shut down cleanly, then clean up as `Drop` does.
    pub async fn close(mut self) -> anyhow::Result<()> {
        let _ = self
            .conn
            .send_with_timeout(None, "Browser.close", json!({}), Duration::from_secs(5))
            .await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match self.process.child.as_mut().map(Child::try_wait) {
                Some(Ok(None)) => tokio::time::sleep(POLL_INTERVAL).await,
                _ => break,
            }
        }
        Ok(())
    }
}

/// The Chromium child process and its profile directory.
struct Process {
    child: Option<Child>,
    user_data_dir: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if matches!(child.try_wait(), Ok(None)) {
                // Renderers and the zygote exit by themselves once the browser
                // process is gone (checked: nothing but short-lived zombies stays).
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        // Helpers may still be finishing writes for a moment.
        for _ in 0..20 {
            match std::fs::remove_dir_all(&self.user_data_dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => break,
            }
        }
    }
}

fn fresh_temp_dir() -> anyhow::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last_err = None;
    for _ in 0..10 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "wederhoor-testkit-chromium-{}-{n}-{nanos}",
            std::process::id()
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => last_err = Some(e),
        }
    }
    Err(anyhow!(
        "creating a temporary Chromium profile directory under {}: {}",
        std::env::temp_dir().display(),
        last_err.map_or_else(|| "unknown error".to_string(), |e| e.to_string())
    ))
}

/// Report the DevTools URL (or, if Chromium exits first, what it printed),
/// then keep draining stderr so Chromium never blocks on a full pipe.
fn read_stderr(stderr: std::process::ChildStderr, tx: oneshot::Sender<Result<String, String>>) {
    const MARKER: &str = "DevTools listening on ";
    let mut tx = Some(tx);
    let mut seen: Vec<String> = Vec::new();
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if tx.is_none() {
            continue;
        }
        if let Some(pos) = line.find(MARKER) {
            let url = line[pos + MARKER.len()..].trim().to_string();
            if let Some(tx) = tx.take() {
                let _ = tx.send(Ok(url));
            }
        } else {
            if seen.len() == 40 {
                seen.remove(0);
            }
            seen.push(line);
        }
    }
    if let Some(tx) = tx.take() {
        let _ = tx.send(Err(seen.join("\n")));
    }
}

fn str_field(value: &Value, field: &str, method: &str) -> anyhow::Result<String> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| anyhow!("CDP {method} returned no {field}: {value}"))
}

/// A JavaScript string literal for `s`.
fn js_str(s: &str) -> String {
    // A JSON string is a valid JavaScript string literal.
    Value::String(s.to_string()).to_string()
}

/// JavaScript truthiness of a value returned by value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// One tab, in its own browser context. Cheap to clone; the tab and its
/// context are disposed of when the last clone is dropped.
#[derive(Clone)]
pub struct Page {
    inner: Arc<PageInner>,
}

struct PageInner {
    conn: Connection,
    session_id: String,
    context_id: String,
    audit: Option<Arc<axe::Audit>>,
}

impl Drop for PageInner {
    fn drop(&mut self) {
        self.conn.send_and_forget(
            None,
            "Target.disposeBrowserContext",
            json!({ "browserContextId": self.context_id }),
        );
    }
}

impl Page {
    async fn cmd(&self, method: &str, params: Value) -> anyhow::Result<Value> {
        self.inner
            .conn
            .send(Some(&self.inner.session_id), method, params)
            .await
    }

    fn events(&self) -> anyhow::Result<Subscription> {
        self.inner.conn.subscribe(Some(&self.inner.session_id))
    }

    /// Navigate to `url` and wait until the new document has fired `load`.
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        let mut events = self.events()?;
        let res = self
            .cmd("Page.navigate", json!({ "url": url }))
            .await
            .with_context(|| format!("navigating to {url}"))?;
        if let Some(err) = res.get("errorText").and_then(Value::as_str)
            && !err.is_empty()
        {
            bail!("navigating to {url} failed: {err}");
        }
        match res.get("loaderId").and_then(Value::as_str) {
            // No loader: a same-document (fragment) navigation, nothing loads.
            None => Ok(()),
            Some(loader_id) => {
                wait_for_load(&mut events, Some(loader_id), &format!("loading {url}")).await?;
                self.audit().await
            }
        }
    }

    /// Switches the page's own scripts off (DevTools evaluation still works), to check that a
    /// page works without JavaScript.
    pub async fn disable_javascript(&self) -> anyhow::Result<()> {
        self.cmd(
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": true }),
        )
        .await?;
        Ok(())
    }

    /// The accessibility audit of the page now shown (see [`axe`]); nothing without axe-core.
    pub async fn audit(&self) -> anyhow::Result<()> {
        match &self.inner.audit {
            Some(audit) => audit.check(self).await,
            None => Ok(()),
        }
    }

    /// Evaluate `js` in the page (promises are awaited) and return its value as JSON.
    /// A thrown exception becomes an `Err` carrying its message.
    pub async fn eval(&self, js: &str) -> anyhow::Result<Value> {
        self.eval_with_timeout(js, COMMAND_TIMEOUT).await
    }

    pub(crate) async fn eval_with_timeout(
        &self,
        js: &str,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        let res = self
            .inner
            .conn
            .send_with_timeout(
                Some(&self.inner.session_id),
                "Runtime.evaluate",
                json!({
                    "expression": js,
                    "returnByValue": true,
                    "awaitPromise": true,
                    "userGesture": true,
                }),
                timeout,
            )
            .await?;
        if let Some(details) = res.get("exceptionDetails") {
            bail!("JavaScript exception: {}", exception_message(details));
        }
        let result = res.get("result").unwrap_or(&Value::Null);
        if let Some(value) = result.get("value") {
            return Ok(value.clone());
        }
        // NaN, Infinity, -0, bigints.
        if let Some(value) = result.get("unserializableValue").and_then(Value::as_str) {
            return Ok(Value::String(value.to_string()));
        }
        Ok(Value::Null)
    }

    /// Poll `js_condition` every 50 ms until it evaluates to something truthy.
    /// Evaluation errors (e.g. mid-navigation) count as "not yet".
    pub async fn wait_for(&self, js_condition: &str, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        let mut last_error = None;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            match self
                .eval_with_timeout(js_condition, remaining.min(COMMAND_TIMEOUT))
                .await
            {
                Ok(v) if truthy(&v) => return Ok(()),
                Ok(_) => last_error = None,
                Err(e) => last_error = Some(e),
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            tokio::time::sleep(POLL_INTERVAL.min(remaining)).await;
        }
        match last_error {
            Some(e) => bail!(
                "condition `{js_condition}` was not true within {timeout:?} (last evaluation failed: {e:#})"
            ),
            None => bail!("condition `{js_condition}` was not true within {timeout:?}"),
        }
    }

    /// Set the `.value` of the first element matching `css` and dispatch
    /// `input` and `change` events.
    pub async fn fill(&self, css: &str, value: &str) -> anyhow::Result<()> {
        let js = format!(
            r#"(() => {{
                const el = document.querySelector({sel});
                if (!el) return false;
                el.focus();
                const proto = Object.getPrototypeOf(el);
                const desc = proto && Object.getOwnPropertyDescriptor(proto, "value");
                if (desc && desc.set) desc.set.call(el, {val}); else el.value = {val};
                el.dispatchEvent(new Event("input", {{ bubbles: true }}));
                el.dispatchEvent(new Event("change", {{ bubbles: true }}));
                return true;
            }})()"#,
            sel = js_str(css),
            val = js_str(value),
        );
        let found = self
            .eval(&js)
            .await
            .with_context(|| format!("filling `{css}`"))?;
        if !truthy(&found) {
            bail!("fill: no element matches `{css}`");
        }
        Ok(())
    }

    /// `element.click()` on the first element matching `css`.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let js = format!(
            r#"(() => {{
                const el = document.querySelector({sel});
                if (!el) return false;
                el.click();
                return true;
            }})()"#,
            sel = js_str(css),
        );
        let found = self
            .eval(&js)
            .await
            .with_context(|| format!("clicking `{css}`"))?;
        if !truthy(&found) {
            bail!("click: no element matches `{css}`");
        }
        Ok(())
    }

    /// Click something that navigates (submit button, link) and wait until
    /// the new document has been committed and fired `load`.
    pub async fn click_and_wait_navigation(&self, css: &str) -> anyhow::Result<()> {
        let mut events = self.events()?;
        self.click(css).await?;
        wait_for_load(
            &mut events,
            None,
            &format!("the navigation after clicking `{css}`"),
        )
        .await?;
        self.audit().await
    }

    /// Press and release one key, e.g. `"j"` (sent with its text so that
    /// `keydown`/`keypress`/`input` all fire). Also knows a few named keys:
    /// Enter, Escape, Tab, Backspace, Delete, the arrows, Home, End, PageUp, PageDown.
    pub async fn press_key(&self, key: &str) -> anyhow::Result<()> {
        let info = key_info(key)?;
        let mut down = json!({
            "type": if info.text.is_some() { "keyDown" } else { "rawKeyDown" },
            "key": key,
            "code": info.code,
            "windowsVirtualKeyCode": info.key_code,
            "nativeVirtualKeyCode": info.key_code,
        });
        if let Some(text) = &info.text {
            down["text"] = json!(text);
            down["unmodifiedText"] = json!(text);
        }
        self.cmd("Input.dispatchKeyEvent", down)
            .await
            .with_context(|| format!("pressing {key:?}"))?;
        self.cmd(
            "Input.dispatchKeyEvent",
            json!({
                "type": "keyUp",
                "key": key,
                "code": info.code,
                "windowsVirtualKeyCode": info.key_code,
                "nativeVirtualKeyCode": info.key_code,
            }),
        )
        .await
        .with_context(|| format!("releasing {key:?}"))?;
        Ok(())
    }

    /// The current document's URL.
    pub async fn url(&self) -> anyhow::Result<String> {
        let v = self.eval("location.href").await?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("location.href was not a string: {v}"))
    }

    /// `innerText` of the first element matching `css`.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        let js = format!(
            "(() => {{ const el = document.querySelector({sel}); return el ? el.innerText : null; }})()",
            sel = js_str(css),
        );
        match self
            .eval(&js)
            .await
            .with_context(|| format!("reading the text of `{css}`"))?
        {
            Value::String(s) => Ok(s),
            Value::Null => bail!("text: no element matches `{css}`"),
            other => bail!("text: innerText of `{css}` was not a string: {other}"),
        }
    }

    /// Emulate a viewport of `width`×`height` CSS pixels: a phone (`mobile`: device scale 2,
    /// the page's `meta viewport` honoured) or a desktop window (scale 1). Stays until changed.
    pub async fn set_viewport(&self, width: u32, height: u32, mobile: bool) -> anyhow::Result<()> {
        self.set_viewport_at_scale(width, height, mobile, if mobile { 2 } else { 1 })
            .await
    }

    /// [`Page::set_viewport`] with a chosen device scale (1 keeps a phone's screenshot small).
    pub async fn set_viewport_at_scale(
        &self,
        width: u32,
        height: u32,
        mobile: bool,
        scale: u32,
    ) -> anyhow::Result<()> {
        self.cmd(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width,
                "height": height,
                "deviceScaleFactor": scale,
                "mobile": mobile,
            }),
        )
        .await?;
        Ok(())
    }

    /// Adds a style sheet with `css` to the page now shown (gone after the next navigation). A
    /// constructed style sheet, so the page's Content-Security-Policy (no inline styles) does
    /// not refuse it.
    pub async fn add_style(&self, css: &str) -> anyhow::Result<()> {
        let js = format!(
            "(() => {{ const s = new CSSStyleSheet(); s.replaceSync({css}); \
             document.adoptedStyleSheets = [...document.adoptedStyleSheets, s]; return true; }})()",
            css = js_str(css),
        );
        self.eval(&js).await.context("adding a style sheet")?;
        Ok(())
    }

    /// A PNG screenshot of the viewport as it is.
    pub async fn screenshot(&self) -> anyhow::Result<Vec<u8>> {
        let shot = self
            .cmd(
                "Page.captureScreenshot",
                json!({ "format": "png", "fromSurface": true, "captureBeyondViewport": false }),
            )
            .await?;
        let data = shot
            .get("data")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("Page.captureScreenshot returned no data"))?;
        base64::decode(data).context("decoding the screenshot")
    }

    /// Resize the viewport to `width`×`height` CSS pixels (scale 1), take a
    /// PNG screenshot of it and write it to `path` (parent directories are created).
    /// The viewport keeps that size afterwards.
    pub async fn screenshot_png(&self, path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
        self.cmd(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": false,
            }),
        )
        .await?;
        let shot = self
            .cmd(
                "Page.captureScreenshot",
                json!({ "format": "png", "fromSurface": true }),
            )
            .await?;
        let data = shot
            .get("data")
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("Page.captureScreenshot returned no data"))?;
        let png = base64::decode(data).context("decoding the screenshot")?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent)
                .await
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        tokio::fs::write(path, png)
            .await
            .with_context(|| format!("writing the screenshot to {}", path.display()))?;
        Ok(())
    }
}

/// Wait for the main frame to commit a new document (`Page.frameNavigated`
/// without a parent; with `loader_id` when given) and then for that
/// document's `Page.loadEventFired`.
async fn wait_for_load(
    events: &mut Subscription,
    loader_id: Option<&str>,
    what: &str,
) -> anyhow::Result<()> {
    let mut committed = false;
    let wait = async {
        loop {
            let event = events.next().await?;
            match event.method.as_str() {
                "Page.frameNavigated" if !committed => {
                    let frame = event.params.get("frame").unwrap_or(&Value::Null);
                    let main = frame.get("parentId").is_none();
                    let matches = loader_id.is_none_or(|want| {
                        frame.get("loaderId").and_then(Value::as_str) == Some(want)
                    });
                    if main && matches {
                        committed = true;
                    }
                }
                "Page.loadEventFired" if committed => return anyhow::Ok(()),
                _ => {}
            }
        }
    };
    match tokio::time::timeout(NAVIGATION_TIMEOUT, wait).await {
        Ok(result) => result.with_context(|| format!("waiting for {what}")),
        Err(_) => bail!(
            "timed out after {NAVIGATION_TIMEOUT:?} waiting for {what} ({})",
            if committed {
                "the new document was committed but never fired load"
            } else {
                "no new document was committed"
            }
        ),
    }
}

fn exception_message(details: &Value) -> String {
    let exception = details.get("exception");
    let description = exception
        .and_then(|e| e.get("description"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            exception
                .and_then(|e| e.get("value"))
                .filter(|v| !v.is_null())
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
        });
    let text = details
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or("Uncaught");
    match description {
        Some(d) => format!("{text} {d}"),
        None => text.to_string(),
    }
}

struct KeyInfo {
    code: String,
    key_code: u32,
    text: Option<String>,
}

fn key_info(key: &str) -> anyhow::Result<KeyInfo> {
    let named = |code: &str, key_code: u32, text: Option<&str>| KeyInfo {
        code: code.to_string(),
        key_code,
        text: text.map(str::to_string),
    };
    let info = match key {
        "Enter" => named("Enter", 13, Some("\r")),
        "Escape" => named("Escape", 27, None),
        "Tab" => named("Tab", 9, None),
        "Backspace" => named("Backspace", 8, None),
        "Delete" => named("Delete", 46, None),
        "ArrowLeft" => named("ArrowLeft", 37, None),
        "ArrowUp" => named("ArrowUp", 38, None),
        "ArrowRight" => named("ArrowRight", 39, None),
        "ArrowDown" => named("ArrowDown", 40, None),
        "Home" => named("Home", 36, None),
        "End" => named("End", 35, None),
        "PageUp" => named("PageUp", 33, None),
        "PageDown" => named("PageDown", 34, None),
        _ => {
            let mut chars = key.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                bail!("press_key: {key:?} is neither a single character nor a known key name");
            };
            if c.is_control() {
                bail!("press_key: {key:?} is a control character");
            }
            let (code, key_code) = match c {
                'a'..='z' | 'A'..='Z' => (
                    format!("Key{}", c.to_ascii_uppercase()),
                    u32::from(c.to_ascii_uppercase()),
                ),
                '0'..='9' => (format!("Digit{c}"), u32::from(c)),
                ' ' => ("Space".to_string(), 32),
                ';' => ("Semicolon".to_string(), 186),
                '=' => ("Equal".to_string(), 187),
                ',' => ("Comma".to_string(), 188),
                '-' => ("Minus".to_string(), 189),
                '.' => ("Period".to_string(), 190),
                '/' | '?' => ("Slash".to_string(), 191),
                '`' => ("Backquote".to_string(), 192),
                '[' => ("BracketLeft".to_string(), 219),
                '\\' => ("Backslash".to_string(), 220),
                ']' => ("BracketRight".to_string(), 221),
                '\'' => ("Quote".to_string(), 222),
                _ => (String::new(), 0),
            };
            KeyInfo {
                code,
                key_code,
                text: Some(c.to_string()),
            }
        }
    };
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_strings_are_escaped() {
        assert_eq!(js_str(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(js_str("</script>\n"), r#""</script>\n""#);
    }

    #[test]
    fn truthiness_follows_javascript() {
        for v in [json!(null), json!(false), json!(0), json!(0.0), json!("")] {
            assert!(!truthy(&v), "{v} should be falsy");
        }
        for v in [
            json!(true),
            json!(1),
            json!(-0.5),
            json!("0"),
            json!([]),
            json!({}),
        ] {
            assert!(truthy(&v), "{v} should be truthy");
        }
    }

    #[test]
    fn key_info_for_letters_and_names() -> anyhow::Result<()> {
        let j = key_info("j")?;
        assert_eq!(
            (j.code.as_str(), j.key_code, j.text.as_deref()),
            ("KeyJ", 74, Some("j"))
        );
        let esc = key_info("Escape")?;
        assert_eq!((esc.key_code, esc.text), (27, None));
        assert!(key_info("jk").is_err());
        assert!(key_info("").is_err());
        Ok(())
    }

    #[test]
    fn exception_messages_carry_the_description() {
        let details = json!({
            "text": "Uncaught",
            "exception": { "type": "object", "description": "Error: boom\n    at <anonymous>:1:7" }
        });
        assert!(exception_message(&details).contains("Error: boom"));
        let thrown_string =
            json!({ "text": "Uncaught", "exception": { "type": "string", "value": "oops" } });
        assert_eq!(exception_message(&thrown_string), "Uncaught oops");
    }
}
