//! A fake SMTP server for tests: accepts every mail (or rejects with a chosen reply) and keeps
//! what it received.
//!
//! It speaks enough SMTP for lettre's plain transport: `EHLO`/`HELO`, `AUTH PLAIN` (with the
//! initial response), `MAIL FROM`, `RCPT TO`, `DATA` (with dot-unstuffing), `RSET`, `NOOP`,
//! `QUIT`. No TLS.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// One mail as the sink received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The `MAIL FROM` address (without angle brackets).
    pub from: String,
    /// The `RCPT TO` addresses (without angle brackets).
    pub to: Vec<String>,
    /// The message (headers and body) after dot-unstuffing, with CRLF line ends, without the
    /// final `.` line.
    pub data: String,
}

/// One leaf part of a MIME mail ([`ReceivedMail::parts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPart {
    pub content_type: String,
    pub filename: Option<String>,
    pub text: String,
}

impl ReceivedMail {
    /// The value of the first header `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = split_head_body(&self.data);
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = found.as_mut() {
                if line.starts_with([' ', '\t']) {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                found = Some(v.trim_start().to_owned());
            }
        }
        found.map(|v| v.trim().to_owned())
    }

    /// Like [`ReceivedMail::header`], with RFC 2047 encoded words (`=?utf-8?b?…?=`,
    /// `=?utf-8?q?…?=`) decoded (as UTF-8, whatever the charset).
    pub fn header_text(&self, name: &str) -> Option<String> {
        self.header(name).map(|v| decode_encoded_words(&v))
    }

    /// The leaf parts of a MIME mail, depth first: each with its content type (lower case,
    /// without parameters), its attachment file name (from `Content-Disposition`) and its text
    /// decoded as [`ReceivedMail::body_text`] does. A single-part mail is one part.
    pub fn parts(&self) -> Vec<MailPart> {
        let content_type = self.header("Content-Type").unwrap_or_default();
        let kind = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let boundary = content_type.split(';').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"').to_owned())
        });
        match (kind.starts_with("multipart/"), boundary) {
            (true, Some(boundary)) => {
                let (_, body) = split_head_body(&self.data);
                let delimiter = format!("--{boundary}");
                let mut out = Vec::new();
                for chunk in body.split(delimiter.as_str()).skip(1) {
                    if chunk.starts_with("--") {
                        break;
                    }
                    let chunk = chunk.strip_prefix("\r\n").unwrap_or(chunk);
                    let chunk = chunk.strip_suffix("\r\n").unwrap_or(chunk);
                    let part = ReceivedMail {
                        from: self.from.clone(),
                        to: self.to.clone(),
                        data: chunk.to_owned(),
                    };
                    out.extend(part.parts());
                }
                out
            }
            _ => {
                let filename = self.header("Content-Disposition").and_then(|d| {
                    d.split(';').find_map(|p| {
                        let (k, v) = p.trim().split_once('=')?;
                        k.eq_ignore_ascii_case("filename")
                            .then(|| v.trim().trim_matches('"').to_owned())
                    })
                });
                vec![MailPart {
                    content_type: if kind.is_empty() {
                        "text/plain".into()
                    } else {
                        kind
                    },
                    filename,
                    text: self.body_text(),
                }]
            }
        }
    }

    /// The body decoded from its `Content-Transfer-Encoding` (quoted-printable, base64, or
    /// 7bit/8bit as is), with CRLF turned into LF. Single-part mails only; a multipart body is
    /// returned undecoded.
    pub fn body_text(&self) -> String {
        let (_, body) = split_head_body(&self.data);
        let encoding = self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(body),
            "base64" => crate::base64::decode(body).unwrap_or_else(|_| body.as_bytes().to_vec()),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8_lossy(&bytes).replace("\r\n", "\n")
    }
}

/// Decodes RFC 2047 encoded words; whitespace between two encoded words is dropped.
pub fn decode_encoded_words(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    let mut pending_space = String::new();
    let mut last_was_word = false;
    while !rest.is_empty() {
        if let Some(word) = rest.strip_prefix("=?")
            && let Some((decoded, after)) = encoded_word(word)
        {
            if !last_was_word {
                out.push_str(&pending_space);
            }
            pending_space.clear();
            out.push_str(&decoded);
            rest = after;
            last_was_word = true;
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        rest = rest.get(c.len_utf8()..).unwrap_or("");
        if c.is_whitespace() {
            pending_space.push(c);
        } else {
            out.push_str(&pending_space);
            pending_space.clear();
            out.push(c);
            last_was_word = false;
        }
    }
    out.push_str(&pending_space);
    out
}

/// `charset?enc?text?=` after the `=?`: the decoded text and what follows the word.
fn encoded_word(word: &str) -> Option<(String, &str)> {
    let (_charset, rest) = word.split_once('?')?;
    let (enc, rest) = rest.split_once('?')?;
    let (text, after) = rest.split_once("?=")?;
    let bytes = match enc {
        "b" | "B" => crate::base64::decode(text).ok()?,
        "q" | "Q" => decode_quoted_printable(&text.replace('_', " ")),
        _ => return None,
    };
    Some((String::from_utf8_lossy(&bytes).into_owned(), after))
}

fn split_head_body(data: &str) -> (&str, &str) {
    data.split_once("\r\n\r\n").unwrap_or((data, ""))
}

/// Decodes quoted-printable (RFC 2045 §6.7): `=XX` escapes and soft line breaks (`=` at a line
/// end). Malformed escapes are kept as they are.
pub fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        match (bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'\r'), Some(b'\n')) => i += 3,
            (Some(b'\n'), _) => i += 2,
            (Some(&h), Some(&l)) => match (hex_val(h), hex_val(l)) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                }
                _ => {
                    out.push(b'=');
                    i += 1;
                }
            },
            _ => {
                out.push(b'=');
                i += 1;
            }
        }
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[derive(Default)]
struct State {
    messages: Vec<ReceivedMail>,
    commands: Vec<String>,
    logins: Vec<(String, String)>,
    reject: Option<String>,
}

/// A running fake SMTP server on `127.0.0.1`. It stops when dropped.
pub struct SmtpSink {
    port: u16,
    state: Arc<Mutex<State>>,
    count: watch::Receiver<usize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    match state.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl SmtpSink {
    /// Starts the sink on a free port of `127.0.0.1`.
    ///
    /// # Panics
    /// When no port can be bound (this is test support).
    #[allow(clippy::expect_used)]
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the SMTP sink");
        let port = listener.local_addr().expect("the sink's address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (count_tx, count) = watch::channel(0usize);
        let count_tx = Arc::new(count_tx);
        let task_state = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let state = task_state.clone();
                let count_tx = count_tx.clone();
                tokio::spawn(async move {
                    let _ = session(sock, &state, &count_tx).await;
                });
            }
        });
        SmtpSink {
            port,
            state,
            count,
            task,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The mails accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        lock(&self.state).messages.clone()
    }

    /// The command verbs received so far (`EHLO`, `MAIL`, …), over all connections.
    pub fn commands(&self) -> Vec<String> {
        lock(&self.state).commands.clone()
    }

    /// The `(user, password)` pairs of `AUTH PLAIN` logins so far.
    pub fn logins(&self) -> Vec<(String, String)> {
        lock(&self.state).logins.clone()
    }

    /// From now on answer the end of `DATA` with `reply` (e.g. `"554 5.7.1 spam"`) and do not
    /// keep the mail; `None` accepts again.
    pub fn reject_with(&self, reply: Option<&str>) {
        lock(&self.state).reject = reply.map(str::to_owned);
    }

    /// Waits until at least `n` mails were accepted or `timeout` passed, and returns the mails
    /// accepted by then (fewer than `n` after a timeout).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let mut rx = self.count.clone();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|c| *c >= n)).await;
        self.messages()
    }
}

fn strip_path(arg: &str) -> String {
    let arg = arg.trim();
    let addr = match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if a < b => arg.get(a + 1..b).unwrap_or(""),
        _ => arg.split_whitespace().next().unwrap_or(""),
    };
    addr.to_owned()
}

async fn session(
    sock: tokio::net::TcpStream,
    state: &Mutex<State>,
    count_tx: &watch::Sender<usize>,
) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 127.0.0.1 wederhoor-testkit ESMTP\r\n")
        .await?;
    let mut from = String::new();
    let mut to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        let (verb, arg) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
        let verb = verb.to_ascii_uppercase();
        lock(state).commands.push(verb.clone());
        let answer: String = match verb.as_str() {
            "EHLO" => {
                "250-127.0.0.1 greets you\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SMTPUTF8\r\n"
                    .to_owned()
            }
            "HELO" => "250 127.0.0.1\r\n".to_owned(),
            "AUTH" => {
                let mut parts = arg.split_whitespace();
                match (
                    parts.next().map(str::to_ascii_uppercase).as_deref(),
                    parts.next(),
                ) {
                    (Some("PLAIN"), Some(initial)) => match crate::base64::decode(initial) {
                        Ok(raw) => {
                            let fields: Vec<String> = raw
                                .split(|b| *b == 0)
                                .map(|f| String::from_utf8_lossy(f).into_owned())
                                .collect();
                            match fields.as_slice() {
                                [_, user, pass] => {
                                    lock(state).logins.push((user.clone(), pass.clone()));
                                    "235 2.7.0 Authentication successful\r\n".to_owned()
                                }
                                _ => "501 5.5.2 malformed PLAIN\r\n".to_owned(),
                            }
                        }
                        Err(_) => "501 5.5.2 bad base64\r\n".to_owned(),
                    },
                    _ => "504 5.5.4 only AUTH PLAIN with an initial response\r\n".to_owned(),
                }
            }
            "MAIL" => {
                from = strip_path(arg.split_once(':').map_or("", |(_, a)| a));
                to.clear();
                "250 2.1.0 OK\r\n".to_owned()
            }
            "RCPT" => {
                to.push(strip_path(arg.split_once(':').map_or("", |(_, a)| a)));
                "250 2.1.5 OK\r\n".to_owned()
            }
            "RSET" => {
                from.clear();
                to.clear();
                "250 2.0.0 OK\r\n".to_owned()
            }
            "NOOP" => "250 2.0.0 OK\r\n".to_owned(),
            "DATA" if to.is_empty() => "503 5.5.1 no recipients\r\n".to_owned(),
            "DATA" => {
                w.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 §4.5.2).
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                let data = data.strip_suffix("\r\n").map(str::to_owned).unwrap_or(data);
                let mail = ReceivedMail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                };
                let mut s = lock(state);
                match &s.reject {
                    Some(reply) => format!("{reply}\r\n"),
                    None => {
                        s.messages.push(mail);
                        let n = s.messages.len();
                        drop(s);
                        count_tx.send_replace(n);
                        "250 2.0.0 queued\r\n".to_owned()
                    }
                }
            }
            "QUIT" => {
                w.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.2 not implemented\r\n".to_owned(),
        };
        w.write_all(answer.as_bytes()).await?;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_is_decoded() {
        assert_eq!(
            decode_quoted_printable("https://x.nl/a?token=3D=\r\nabc=3Ddef Zo=C3=AB =XY"),
            "https://x.nl/a?token=abc=def Zoë =XY".as_bytes().to_vec()
        );
        assert_eq!(decode_quoted_printable("a=\nb="), b"ab=".to_vec());
    }

    #[test]
    fn headers_and_bodies_are_read() {
        let mail = ReceivedMail {
            from: "a@x".into(),
            to: vec!["b@x".into()],
            data: "Subject: Hallo\r\n daar\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nZo=C3=AB=\r\n!\r\nregel"
                .into(),
        };
        assert_eq!(mail.header("subject").as_deref(), Some("Hallo daar"));
        assert_eq!(mail.header("To"), None);
        assert_eq!(
            decode_encoded_words("Je link voor =?utf-8?b?SWRlZcOrbg==?= =?utf-8?q?en_Zo=C3=AB?= !"),
            "Je link voor Ideeënen Zoë !"
        );
        assert_eq!(
            decode_encoded_words("gewoon  tekst =?x"),
            "gewoon  tekst =?x"
        );
        assert_eq!(mail.body_text(), "Zoë!\nregel");
    }

    #[tokio::test]
    async fn a_raw_session_is_recorded_with_dots_unstuffed() {
        use tokio::io::AsyncReadExt as _;
        let sink = SmtpSink::start().await;
        let mut sock = tokio::net::TcpStream::connect(("127.0.0.1", sink.port()))
            .await
            .unwrap();
        sock.write_all(
            b"HELO t\r\nMAIL FROM:<a@x.nl>\r\nRCPT TO:<b@y.nl>\r\nRCPT TO:<c@y.nl>\r\nDATA\r\n\
Subject: s\r\n\r\n..punt\r\nregel\r\n.\r\nQUIT\r\n",
        )
        .await
        .unwrap();
        let mails = sink.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].from, "a@x.nl");
        assert_eq!(mails[0].to, vec!["b@y.nl", "c@y.nl"]);
        assert_eq!(mails[0].data, "Subject: s\r\n\r\n.punt\r\nregel");
        let mut rest = String::new();
        sock.read_to_string(&mut rest).await.unwrap();
        assert!(rest.ends_with("221 2.0.0 bye\r\n"), "{rest}");
        assert_eq!(
            sink.commands(),
            vec!["HELO", "MAIL", "RCPT", "RCPT", "DATA", "QUIT"]
        );
        // Nothing more arrives: waiting for a second mail times out with the one we have.
        let none = sink.wait_for(2, Duration::from_millis(50)).await;
        assert_eq!(none.len(), 1);
    }
}
