//! Helpers for the binary's tests: run the real `wederhoor` binary, as a user would.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_wederhoor");

/// A timestamp `minutes` before now (RFC 3339, milliseconds, `Z`), so fixtures never age out of
/// the inbox's first page or a retention window: no test depends on the day it runs.
pub fn minutes_ago(minutes: i64) -> String {
    let t = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes);
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A fresh data directory for one test.
pub fn data_dir(name: &str) -> PathBuf {
    let mut bytes = [0u8; 8];
    getrandom_fill(&mut bytes);
    let dir = std::env::temp_dir().join(format!("wederhoor-{name}-{}", hex::encode(bytes)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn getrandom_fill(bytes: &mut [u8]) {
    // Good enough for unique directory names: time and process id.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let seed = nanos ^ (u128::from(std::process::id()) << 64);
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (seed >> ((i * 8) % 128)) as u8 ^ (i as u8).wrapping_mul(31);
    }
    let counter = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Some(b) = bytes.first_mut() {
        *b ^= counter as u8;
    }
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Where a test's store lives: a data directory (SQLite) or a PostgreSQL URL.
#[derive(Clone, Debug)]
pub struct Target {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
}

impl Target {
    pub fn sqlite(name: &str) -> Target {
        Target {
            data_dir: data_dir(name),
            database_url: None,
        }
    }

    /// Every backend this run can reach.
    pub async fn all(name: &str) -> Vec<Target> {
        let mut out = vec![Target::sqlite(name)];
        if let Ok(base) = std::env::var("WEDERHOOR_TEST_PG") {
            let url = wederhoor_store::testing::postgres_schema_url(&base)
                .await
                .unwrap();
            out.push(Target {
                data_dir: data_dir(name),
                database_url: Some(url),
            });
        }
        out
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--data-dir").arg(&self.data_dir);
        if let Some(url) = &self.database_url {
            c.arg("--database-url").arg(url);
        }
        c.env("RUST_LOG", "warn");
        c
    }

    pub fn backend(&self) -> &'static str {
        if self.database_url.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// Runs the CLI with `args` and `stdin`, waits for it.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// `source add NAME …` and returns the printed ingest token.
    pub fn add_source(&self, name: &str, extra: &[&str]) -> String {
        let mut args = vec!["source", "add", name];
        args.extend_from_slice(extra);
        let out = self.run(&args, "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_owned()
    }

    pub fn add_user(&self, username: &str, name: &str, role: &str, password: &str) {
        let out = self.run(
            &["user", "add", username, "--name", name, "--role", role],
            &format!("{password}\n"),
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts `wederhoor serve` on a free port and waits until it listens.
    pub fn serve(&self) -> Server {
        self.serve_with(&[])
    }

    /// `serve` with extra arguments (e.g. `--demo`).
    pub fn serve_with(&self, extra: &[&str]) -> Server {
        self.serve_with_env(extra, &[])
    }

    /// `serve` with extra arguments and environment variables (configuration as an operator
    /// would set it, e.g. `WEDERHOOR_MAIL__SMTP_URL`).
    pub fn serve_with_env(&self, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("server printed nothing").unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .trim_end_matches('/')
            .to_owned();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, url }
    }
}

pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    /// SIGKILL: no shutdown code runs.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The value of the cookie `name` set by a response.
pub fn cookie_value(response: &reqwest::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&prefix))
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim_start_matches(&prefix).to_owned())
}

/// Logs an agent in like a browser (the login form's CSRF cookie and token, then the form);
/// returns the `wederhoor_session=…` cookie.
pub async fn login_agent(
    client: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> String {
    let page = client.get(format!("{base}/login")).send().await.unwrap();
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
        .post(format!("{base}/login"))
        .header("cookie", &login_cookie)
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}
