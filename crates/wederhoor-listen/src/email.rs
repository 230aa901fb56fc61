//! The e-mail connector: mails read over IMAP (polled, with a UID checkpoint) and replies sent over
//! SMTP (`DeliveryKind::Email`).
//!
//! **Source.** Kind `email`, URL `imap://user@host:port/MAILBOX` (plain; meant for a loopback or
//! trusted network) or `imaps://user@host:port/MAILBOX` (implicit TLS with rustls and the
//! webpki roots); the port defaults to 143 / 993, the mailbox to `INBOX`, `%40` in the user is `@`.
//! The source's delivery secret is either the bare IMAP password (then replies cannot be sent) or
//! a JSON object:
//! `{"password": "…", "smtp_url": "smtps://user@smtp.example:465", "smtp_password": "…",
//!   "from": "Webcare <webcare@example.nl>"}` — `smtp_url` is `smtp://` (plain, no TLS),
//! `smtp+starttls://` (STARTTLS, required) or `smtps://` (implicit TLS); `smtp_password`
//! defaults to `password`; without a user in `smtp_url` no AUTH is done. [`EmailSecret::parse`]
//! validates it.
//!
//! **Polling.** Each poll: `LOGIN`, `SELECT` (reads `UIDVALIDITY`), `UID SEARCH UID <last+1>:*`,
//! `UID FETCH <uids> RFC822` (at most [`MAX_PER_POLL`] per poll, oldest first), `LOGOUT`. The
//! checkpoint `{"uidvalidity": V, "last_uid": U}` is handed to the [`Sink`] with the batch, so it
//! is stored in the same transaction as the messages. Without a checkpoint the whole mailbox is
//! read. When `UIDVALIDITY` changed (the server renumbered the mailbox) the old UIDs mean
//! nothing: we start over from the newest mail (`UIDNEXT − 1`), fetching nothing of the old
//! mailbox (re-fetching would only give duplicates, since the external id is the Message-ID).
//! IDLE is not used (a poll every source interval).
//!
//! **Mapping** (mail-parser): external id = Message-ID without the angle brackets (fallback
//! `uid:<uidvalidity>:<uid>`); text = the subject as the first line, then the text/plain body (an
//! HTML-only mail is turned into text); author handle = the From address, name = its display
//! name; `in_reply_to` = In-Reply-To, else the last id in References (so a reply mail joins the
//! conversation of the mail it answers); attachments are stored with their message, in the same
//! transaction (bytes up to 10 MB each and 25 MB per mail; bigger ones are recorded without
//! content), and listed as a last line of the text, `[Bijlagen: name (type, N bytes); …]`.
//!
//! **Waiting**: after a poll, when the server advertises `IDLE` (CAPABILITY), the connector
//! waits in IDLE (RFC 2177) for up to the poll interval (at most 29 minutes) and polls as soon as
//! the server reports `EXISTS` (or at once when mail arrived between the poll and the IDLE);
//! without IDLE, or when IDLE fails, it waits the poll interval.
//!
//! **Replies** (lettre, tokio + rustls): To = the author's address, Subject = `Re: <subject>`
//! (the first line of the newest message of the conversation, see [`reply_subject`]), `In-Reply-To` and `References` = the
//! Message-ID answered, `Message-ID` = `<wederhoor.<idempotency key>@<from domain>>` (the same on
//! a resend, so a duplicate is recognisable), body = the reply plus `\n— Agent Name`. A permanent
//! SMTP answer (5xx) fails the reply with the server's reason; anything else is retried.

use crate::poller::poll_interval;
use crate::{Connector, DeliveryError, Sink, SinkReport};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use wederhoor_core::message::MAX_TEXT_BYTES;
use wederhoor_core::{IncomingAuthor, IncomingMessage, ValidMessage};
use wederhoor_store::{NewAttachment, OutboxItem, Source, Store};

/// Most mails fetched in one poll (the rest follow in the next poll).
pub const MAX_PER_POLL: usize = 200;
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// Source kinds this connector reads.
pub fn is_email_kind(kind: &str) -> bool {
    kind.eq_ignore_ascii_case("email")
}

/// An IMAP source URL, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapEndpoint {
    pub tls: bool,
    pub user: String,
    pub host: String,
    pub port: u16,
    pub mailbox: String,
}

/// `scheme://user@host:port/rest` with the scheme among `schemes`.
pub(crate) fn split_url(
    url: &str,
) -> Result<(String, String, String, Option<u16>, String), String> {
    let (scheme, rest) = url
        .trim()
        .split_once("://")
        .ok_or_else(|| format!("not a URL: {url}"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (u.replace("%40", "@"), h),
        None => (String::new(), authority),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (
            h.trim_matches(['[', ']']).to_owned(),
            Some(p.parse::<u16>().map_err(|_| format!("bad port in {url}"))?),
        ),
        _ => (hostport.trim_matches(['[', ']']).to_owned(), None),
    };
    if host.is_empty() {
        return Err(format!("no host in {url}"));
    }
    Ok((
        scheme.to_ascii_lowercase(),
        user,
        host,
        port,
        path.to_owned(),
    ))
}

impl ImapEndpoint {
    pub fn parse(url: &str) -> Result<ImapEndpoint, String> {
        let (scheme, user, host, port, path) = split_url(url)?;
        let tls = match scheme.as_str() {
            "imap" => false,
            "imaps" => true,
            other => {
                return Err(format!(
                    "an e-mail source needs imap:// or imaps://, not {other}://"
                ));
            }
        };
        if user.is_empty() {
            return Err("the IMAP URL has no user (imap://user@host/INBOX)".into());
        }
        let mailbox = path.trim_matches('/');
        Ok(ImapEndpoint {
            tls,
            user,
            host,
            port: port.unwrap_or(if tls { 993 } else { 143 }),
            mailbox: if mailbox.is_empty() {
                "INBOX".into()
            } else {
                mailbox.to_owned()
            },
        })
    }
}

/// How SMTP is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    Plain,
    StartTls,
    Tls,
}

/// The parsed delivery secret of an e-mail source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSecret {
    pub imap_password: String,
    pub smtp: Option<SmtpSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub security: SmtpSecurity,
    pub user: String,
    pub password: String,
    pub host: String,
    pub port: u16,
    pub from: String,
}

impl EmailSecret {
    /// A bare password, or the JSON object described in the module documentation.
    pub fn parse(secret: &str) -> Result<EmailSecret, String> {
        let trimmed = secret.trim();
        if !trimmed.starts_with('{') {
            return Ok(EmailSecret {
                imap_password: secret.to_owned(),
                smtp: None,
            });
        }
        let v: serde_json::Value = serde_json::from_str(trimmed)
            .map_err(|e| format!("the e-mail secret is not valid JSON: {e}"))?;
        let obj = v
            .as_object()
            .ok_or("the e-mail secret must be a JSON object")?;
        for k in obj.keys() {
            if !["password", "smtp_url", "smtp_password", "from"].contains(&k.as_str()) {
                return Err(format!("unknown key `{k}` in the e-mail secret"));
            }
        }
        let field = |k: &str| -> Result<Option<String>, String> {
            match obj.get(k) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("`{k}` in the e-mail secret must be a string")),
            }
        };
        let imap_password = field("password")?.ok_or("the e-mail secret has no `password`")?;
        let smtp = match field("smtp_url")? {
            None => None,
            Some(url) => {
                let (scheme, user, host, port, _) = split_url(&url)?;
                let (security, default_port) = match scheme.as_str() {
                    "smtp" => (SmtpSecurity::Plain, 25),
                    "smtp+starttls" => (SmtpSecurity::StartTls, 587),
                    "smtps" => (SmtpSecurity::Tls, 465),
                    other => {
                        return Err(format!(
                            "smtp_url needs smtp://, smtp+starttls:// or smtps://, not {other}://"
                        ));
                    }
                };
                let from = field("from")?.ok_or("the e-mail secret has smtp_url but no `from`")?;
                from.parse::<lettre::message::Mailbox>()
                    .map_err(|e| format!("`from` is not an address: {e}"))?;
                Some(SmtpSettings {
                    security,
                    user,
                    password: field("smtp_password")?.unwrap_or_else(|| imap_password.clone()),
                    host,
                    port: port.unwrap_or(default_port),
                    from,
                })
            }
        };
        Ok(EmailSecret {
            imap_password,
            smtp,
        })
    }
}

/// Where reading a mailbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub uidvalidity: u32,
    pub last_uid: u32,
}

impl Checkpoint {
    pub fn decode(s: Option<&str>) -> Option<Checkpoint> {
        let v: serde_json::Value = serde_json::from_str(s?).ok()?;
        Some(Checkpoint {
            uidvalidity: u32::try_from(v.get("uidvalidity")?.as_u64()?).ok()?,
            last_uid: u32::try_from(v.get("last_uid")?.as_u64()?).ok()?,
        })
    }

    pub fn encode(&self) -> String {
        serde_json::json!({"uidvalidity": self.uidvalidity, "last_uid": self.last_uid}).to_string()
    }
}

/// What one poll did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EmailPollReport {
    pub fetched: usize,
    pub stored: usize,
    pub duplicates: usize,
    /// Mails that could not be parsed or made into a message.
    pub malformed: usize,
}

fn imap_err(what: &str) -> impl Fn(async_imap::error::Error) -> String + '_ {
    move |e| format!("IMAP {what}: {e}")
}

/// Connects (with TLS for `imaps`) and reads what is new since `checkpoint`.
pub async fn poll_mailbox<S: Sink>(
    sink: &S,
    source: &Source,
    secret: Option<&str>,
    checkpoint: Option<&str>,
) -> Result<EmailPollReport, String> {
    let url = source.url.as_deref().ok_or("the source has no IMAP URL")?;
    let endpoint = ImapEndpoint::parse(url)?;
    let secret = EmailSecret::parse(secret.ok_or("the source has no password (delivery secret)")?)?;
    let tcp = connect_tcp(&endpoint).await?;
    let fetched = if endpoint.tls {
        let tls = tls_stream(&endpoint, tcp).await?;
        fetch_new(tls, &endpoint, &secret.imap_password, checkpoint).await?
    } else {
        fetch_new(tcp, &endpoint, &secret.imap_password, checkpoint).await?
    };
    let Fetched { mails, checkpoint } = fetched;
    let mut report = EmailPollReport {
        fetched: mails.len(),
        ..EmailPollReport::default()
    };
    let now = jiff::Timestamp::now();
    let mut messages = Vec::with_capacity(mails.len());
    let mut files = Vec::new();
    for (uid, raw) in &mails {
        match mail_to_message_with_attachments(raw, checkpoint.uidvalidity, *uid, &source.name, now)
        {
            Some((m, a)) => {
                messages.push(m);
                files.extend(a);
            }
            None => report.malformed += 1,
        }
    }
    let SinkReport { stored, duplicates } = sink
        .store_with_attachments(source, messages, Some(checkpoint.encode()), files)
        .await
        .map_err(|e| format!("storing: {e}"))?;
    report.stored = stored;
    report.duplicates = duplicates;
    Ok(report)
}

async fn connect_tcp(endpoint: &ImapEndpoint) -> Result<TcpStream, String> {
    tokio::time::timeout(
        IO_TIMEOUT,
        TcpStream::connect((endpoint.host.as_str(), endpoint.port)),
    )
    .await
    .map_err(|_| "connecting to the IMAP server timed out".to_owned())?
    .map_err(|e| format!("connecting to the IMAP server: {e}"))
}

async fn tls_stream(
    endpoint: &ImapEndpoint,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS setup: {e}"))?
    .with_root_certificates(tokio_rustls::rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    })
    .with_no_client_auth();
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(endpoint.host.clone())
        .map_err(|e| format!("TLS server name: {e}"))?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS handshake with the IMAP server: {e}"))
}

/// Longest IDLE (RFC 2177: re-issue at least every 29 minutes).
pub const MAX_IDLE: Duration = Duration::from_secs(29 * 60);

/// How a wait for new mail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleOutcome {
    /// The server reported new mail (or it was already there): poll now.
    NewMail,
    /// Waited the whole time without news.
    TimedOut,
    /// The server does not advertise IDLE: wait by the clock instead.
    Unsupported,
}

/// Waits in IMAP IDLE (RFC 2177) for up to `wait` (at most [`MAX_IDLE`]) until the server
/// reports `EXISTS`. Mail that arrived after `checkpoint` (between the poll and the IDLE) is
/// reported at once.
pub async fn wait_for_mail(
    source: &Source,
    secret: Option<&str>,
    checkpoint: Option<&str>,
    wait: Duration,
) -> Result<IdleOutcome, String> {
    let url = source.url.as_deref().ok_or("the source has no IMAP URL")?;
    let endpoint = ImapEndpoint::parse(url)?;
    let secret = EmailSecret::parse(secret.ok_or("the source has no password (delivery secret)")?)?;
    let wait = wait.min(MAX_IDLE);
    let tcp = connect_tcp(&endpoint).await?;
    let checkpoint = Checkpoint::decode(checkpoint);
    if endpoint.tls {
        let tls = tls_stream(&endpoint, tcp).await?;
        idle_session(tls, &endpoint, &secret.imap_password, checkpoint, wait).await
    } else {
        idle_session(tcp, &endpoint, &secret.imap_password, checkpoint, wait).await
    }
}

async fn idle_session<T>(
    stream: T,
    endpoint: &ImapEndpoint,
    password: &str,
    checkpoint: Option<Checkpoint>,
    wait: Duration,
) -> Result<IdleOutcome, String>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let setup = tokio::time::timeout(IO_TIMEOUT * 5, async {
        let mut client = async_imap::Client::new(stream);
        client
            .read_response()
            .await
            .map_err(|e| format!("IMAP greeting: {e}"))?
            .ok_or("the IMAP server closed the connection")?;
        let mut session = client
            .login(&endpoint.user, password)
            .await
            .map_err(|(e, _)| format!("IMAP login: {e}"))?;
        let caps = session
            .capabilities()
            .await
            .map_err(imap_err("CAPABILITY"))?;
        if !caps.has_str("IDLE") {
            drop(session.logout().await);
            return Ok(Err(IdleOutcome::Unsupported));
        }
        let mailbox = session
            .select(&endpoint.mailbox)
            .await
            .map_err(imap_err("SELECT"))?;
        let Some(cp) = checkpoint.filter(|cp| Some(cp.uidvalidity) == mailbox.uid_validity) else {
            drop(session.logout().await);
            return Ok(Err(IdleOutcome::NewMail));
        };
        let newer = session
            .uid_search(format!("UID {}:*", cp.last_uid.saturating_add(1)))
            .await
            .map_err(imap_err("UID SEARCH"))?
            .into_iter()
            .any(|u| u > cp.last_uid);
        if newer {
            drop(session.logout().await);
            return Ok(Err(IdleOutcome::NewMail));
        }
        let mut idle = session.idle();
        idle.init().await.map_err(imap_err("IDLE"))?;
        Ok::<_, String>(Ok(idle))
    })
    .await
    .map_err(|_| "the IMAP server did not answer in time".to_owned())??;
    let mut idle = match setup {
        Ok(idle) => idle,
        Err(outcome) => return Ok(outcome),
    };
    let deadline = tokio::time::Instant::now() + wait;
    let outcome = loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break IdleOutcome::TimedOut;
        }
        let (next, _stop) = idle.wait_with_timeout(left);
        match tokio::time::timeout(left, next).await {
            Err(_) => break IdleOutcome::TimedOut,
            Ok(Err(e)) => return Err(format!("IMAP IDLE: {e}")),
            Ok(Ok(async_imap::extensions::idle::IdleResponse::NewData(data))) => {
                if matches!(
                    data.parsed(),
                    async_imap::imap_proto::Response::MailboxData(
                        async_imap::imap_proto::MailboxDatum::Exists(_)
                    )
                ) {
                    break IdleOutcome::NewMail;
                }
            }
            Ok(Ok(_)) => break IdleOutcome::TimedOut,
        }
    };
    let _ = tokio::time::timeout(IO_TIMEOUT, async {
        if let Ok(mut session) = idle.done().await {
            drop(session.logout().await);
        }
    })
    .await;
    Ok(outcome)
}

struct Fetched {
    mails: Vec<(u32, Vec<u8>)>,
    checkpoint: Checkpoint,
}

async fn fetch_new<T>(
    stream: T,
    endpoint: &ImapEndpoint,
    password: &str,
    checkpoint: Option<&str>,
) -> Result<Fetched, String>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    tokio::time::timeout(IO_TIMEOUT * 5, async {
        let mut client = async_imap::Client::new(stream);
        client
            .read_response()
            .await
            .map_err(|e| format!("IMAP greeting: {e}"))?
            .ok_or("the IMAP server closed the connection")?;
        let mut session = client
            .login(&endpoint.user, password)
            .await
            .map_err(|(e, _)| format!("IMAP login: {e}"))?;
        let mailbox = session
            .select(&endpoint.mailbox)
            .await
            .map_err(imap_err("SELECT"))?;
        let uidvalidity = mailbox.uid_validity.unwrap_or(0);
        let last_uid = match Checkpoint::decode(checkpoint) {
            Some(cp) if cp.uidvalidity == uidvalidity => cp.last_uid,
            None => 0,
            Some(_) => {
                // Renumbered: start over from the newest mail.
                let newest = match mailbox.uid_next {
                    Some(next) => next.saturating_sub(1),
                    None => session
                        .uid_search("ALL")
                        .await
                        .map_err(imap_err("UID SEARCH"))?
                        .into_iter()
                        .max()
                        .unwrap_or(0),
                };
                let _ = session.logout().await;
                return Ok(Fetched {
                    mails: Vec::new(),
                    checkpoint: Checkpoint {
                        uidvalidity,
                        last_uid: newest,
                    },
                });
            }
        };
        let mut uids: Vec<u32> = session
            .uid_search(format!("UID {}:*", last_uid.saturating_add(1)))
            .await
            .map_err(imap_err("UID SEARCH"))?
            .into_iter()
            // `n:*` always includes the newest mail, even when its UID is below n.
            .filter(|u| *u > last_uid)
            .collect();
        uids.sort_unstable();
        uids.truncate(MAX_PER_POLL);
        let mut mails = Vec::with_capacity(uids.len());
        if !uids.is_empty() {
            let set = uids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let mut fetches = session
                .uid_fetch(&set, "RFC822")
                .await
                .map_err(imap_err("UID FETCH"))?;
            while let Some(f) = fetches.next().await {
                let f = f.map_err(imap_err("UID FETCH"))?;
                if let (Some(uid), Some(body)) = (f.uid, f.body())
                    && uids.contains(&uid)
                {
                    mails.push((uid, body.to_vec()));
                }
            }
        }
        drop(session.logout().await);
        mails.sort_by_key(|(uid, _)| *uid);
        let last_uid = uids.last().copied().unwrap_or(last_uid).max(last_uid);
        Ok(Fetched {
            mails,
            checkpoint: Checkpoint {
                uidvalidity,
                last_uid,
            },
        })
    })
    .await
    .map_err(|_| "the IMAP server did not answer in time".to_owned())?
}

fn header_ids(v: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match v {
        mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// One raw mail as a message (`None` when it cannot be parsed or has nothing to store).
pub fn mail_to_message(
    raw: &[u8],
    uidvalidity: u32,
    uid: u32,
    source_name: &str,
    now: jiff::Timestamp,
) -> Option<ValidMessage> {
    mail_to_message_with_attachments(raw, uidvalidity, uid, source_name, now).map(|(m, _)| m)
}

/// Largest attachment whose bytes are kept; a bigger one is recorded without content.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Largest total of attachment bytes kept per mail; attachments past it are recorded without
/// content.
pub const MAX_MAIL_ATTACHMENT_BYTES: usize = 25 * 1024 * 1024;

/// [`mail_to_message`] plus the mail's attachments, to be stored with it. Attachments over
/// [`MAX_ATTACHMENT_BYTES`], or past [`MAX_MAIL_ATTACHMENT_BYTES`] in total, are recorded
/// without their bytes (and the text line says so).
pub fn mail_to_message_with_attachments(
    raw: &[u8],
    uidvalidity: u32,
    uid: u32,
    source_name: &str,
    now: jiff::Timestamp,
) -> Option<(ValidMessage, Vec<NewAttachment>)> {
    use mail_parser::MimeHeaders;
    let mail = mail_parser::MessageParser::default().parse(raw)?;
    let id = mail
        .message_id()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("uid:{uidvalidity}:{uid}"));
    let in_reply_to = header_ids(mail.in_reply_to())
        .into_iter()
        .next()
        .or_else(|| header_ids(mail.references()).pop());
    let subject = mail.subject().unwrap_or("").trim().to_owned();
    let body = mail
        .body_text(0)
        .map(|b| b.trim().to_owned())
        .unwrap_or_default();
    let mut text = match (subject.is_empty(), body.is_empty()) {
        (false, false) => format!("{subject}\n{body}"),
        (false, true) => subject,
        (true, _) => body,
    };
    let mut kept_total = 0usize;
    let mut files: Vec<NewAttachment> = Vec::new();
    let attachments: Vec<String> = mail
        .attachments()
        .map(|a| {
            let name = a.attachment_name().unwrap_or("(zonder naam)");
            let ctype = a
                .content_type()
                .map(|c| match c.subtype() {
                    Some(sub) => format!("{}/{}", c.ctype(), sub),
                    None => c.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".into())
                .to_ascii_lowercase();
            let bytes = a.contents();
            let keep = bytes.len() <= MAX_ATTACHMENT_BYTES
                && kept_total + bytes.len() <= MAX_MAIL_ATTACHMENT_BYTES;
            if keep {
                kept_total += bytes.len();
            }
            files.push(NewAttachment {
                external_id: String::new(),
                filename: name.to_owned(),
                content_type: ctype.clone(),
                size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                content: keep.then(|| bytes.to_vec()),
            });
            let note = if keep { "" } else { ", te groot, niet bewaard" };
            format!("{name} ({ctype}, {} bytes{note})", bytes.len())
        })
        .collect();
    let suffix = if attachments.is_empty() {
        String::new()
    } else {
        format!("\n[Bijlagen: {}]", attachments.join("; "))
    };
    let room = MAX_TEXT_BYTES.saturating_sub(suffix.len());
    if text.len() > room {
        let mut cut = room;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text.push_str(&suffix);
    let from = mail.from().and_then(|a| a.first());
    let created_at = mail
        .date()
        .and_then(|d| jiff::Timestamp::from_second(d.to_timestamp()).ok())
        .map(|t| t.to_string());
    let message = IncomingMessage {
        id: Some(serde_json::Value::String(id)),
        text: Some(text),
        source: Some(source_name.to_owned()),
        author: Some(IncomingAuthor {
            handle: from.and_then(|f| f.address()).map(str::to_owned),
            name: from.and_then(|f| f.name()).map(str::to_owned),
            followers: None,
        }),
        created_at,
        metrics: None,
        in_reply_to,
    }
    .parse(now)
    .ok()?;
    for f in &mut files {
        f.external_id = message.external_id.clone();
    }
    Some((message, files))
}

/// The subject of a reply: `Re: <subject>` of the mail answered (its first text line), without
/// stacking `Re:`s.
pub fn reply_subject(original_first_line: Option<&str>, source_name: &str) -> String {
    match original_first_line.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.len() >= 3 && s[..3].eq_ignore_ascii_case("re:") => s.to_owned(),
        Some(s) => format!("Re: {s}"),
        None => format!("Re: uw bericht aan {source_name}"),
    }
}

/// The Message-ID of a reply, derived from its idempotency key (the same on every attempt).
pub fn reply_message_id(idempotency_key: &str, from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty())
        .unwrap_or("wederhoor.invalid");
    let key: String = idempotency_key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
        .collect();
    format!("<wederhoor.{key}@{domain}>")
}

/// Sends e-mail replies over SMTP.
#[derive(Debug, Clone, Default)]
pub struct EmailConnector;

impl EmailConnector {
    pub fn new() -> EmailConnector {
        EmailConnector
    }
}

fn permanent(e: impl std::fmt::Display) -> DeliveryError {
    DeliveryError::Permanent(e.to_string())
}

impl Connector for EmailConnector {
    async fn deliver(&self, item: &OutboxItem, secret: Option<&str>) -> Result<(), DeliveryError> {
        use lettre::message::header::ContentType;
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
        let secret = EmailSecret::parse(
            secret
                .ok_or_else(|| permanent("the source has no e-mail settings (delivery secret)"))?,
        )
        .map_err(permanent)?;
        let smtp = secret
            .smtp
            .ok_or_else(|| permanent("the source's e-mail secret has no smtp_url"))?;
        let to: lettre::message::Mailbox = item
            .author_handle
            .as_deref()
            .ok_or_else(|| permanent("the conversation has no author address"))?
            .parse()
            .map_err(|e| permanent(format!("the author is not an e-mail address: {e}")))?;
        let from: lettre::message::Mailbox = smtp.from.parse().map_err(permanent)?;
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(reply_subject(
                item.in_reply_to_text
                    .as_deref()
                    .and_then(|t| t.lines().next()),
                &item.source_name,
            ))
            .message_id(Some(reply_message_id(&item.idempotency_key, &smtp.from)));
        if let Some(id) = item
            .in_reply_to
            .as_deref()
            .filter(|i| !i.starts_with("uid:"))
        {
            builder = builder
                .in_reply_to(format!("<{id}>"))
                .references(format!("<{id}>"));
        }
        let mail = builder
            .header(ContentType::TEXT_PLAIN)
            .body(format!("{}\n— {}", item.text, item.agent_name))
            .map_err(permanent)?;
        let transport = match smtp.security {
            SmtpSecurity::Plain => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
            }
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
                    .map_err(permanent)?
            }
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host).map_err(permanent)?
            }
        };
        let mut transport = transport.port(smtp.port).timeout(Some(IO_TIMEOUT));
        if !smtp.user.is_empty() {
            transport =
                transport.credentials(lettre::transport::smtp::authentication::Credentials::new(
                    smtp.user.clone(),
                    smtp.password.clone(),
                ));
        }
        match transport.build().send(mail).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(format!("SMTP: {e}"))),
            Err(e) => Err(DeliveryError::Retryable {
                message: format!("SMTP: {e}"),
                retry_after: None,
            }),
        }
    }
}

// ---------------------------------------------------------------- the poller

/// Settings of the e-mail poller.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// How often the source list is re-read.
    pub refresh: Duration,
    /// Shortest poll interval honoured.
    pub min_interval: Duration,
    /// This node and its source leases (one node runs a source at a time).
    pub leases: crate::supervise::Leases,
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            refresh: Duration::from_secs(30),
            min_interval: Duration::from_secs(1),
            leases: crate::supervise::Leases::default(),
        }
    }
}

fn wanted(s: &Source) -> bool {
    s.enabled && is_email_kind(&s.kind) && s.url.as_deref().is_some_and(|u| !u.trim().is_empty())
}

/// One task per enabled `email` source; the list is re-read every `refresh` (like the feed
/// poller). Runs until `shutdown` turns true.
pub async fn run_email<S: Sink + 'static>(
    store: Store,
    sink: Arc<S>,
    config: EmailConfig,
    shutdown: watch::Receiver<bool>,
) {
    let task_store = store.clone();
    crate::supervise::supervise(
        store,
        "email",
        config.refresh,
        config.leases.clone(),
        wanted,
        shutdown,
        move |rx, stop| {
            run_mailbox(
                task_store.clone(),
                sink.clone(),
                rx,
                stop,
                config.min_interval,
            )
        },
    )
    .await;
}

async fn run_mailbox<S: Sink>(
    store: Store,
    sink: Arc<S>,
    mut source_rx: watch::Receiver<Source>,
    mut shutdown: watch::Receiver<bool>,
    min_interval: Duration,
) {
    let mut failures: u32 = 0;
    loop {
        let source = source_rx.borrow_and_update().clone();
        let interval = poll_interval(&source, min_interval);
        let outcome = tokio::select! {
            _ = shutdown.wait_for(|s| *s) => return,
            r = poll_email_and_record(&store, sink.as_ref(), &source) => r,
        };
        let delay = match outcome {
            Ok(_) => {
                failures = 0;
                // Wait in IDLE when the server offers it; by the clock otherwise.
                let idled = tokio::select! {
                    _ = shutdown.wait_for(|s| *s) => return,
                    changed = source_rx.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        continue;
                    }
                    r = idle_wait(&store, &source, interval) => r,
                };
                if idled {
                    continue;
                }
                interval
            }
            Err(_) => {
                failures = failures.saturating_add(1);
                crate::supervise::backoff(source.id, interval, failures, None)
            }
        };
        if !crate::supervise::pause(&mut shutdown, &mut source_rx, delay).await {
            return;
        }
    }
}

/// Waits for new mail in IDLE; `false` when that is not possible (no IDLE, an error), so the
/// caller waits by the clock.
async fn idle_wait(store: &Store, source: &Source, interval: Duration) -> bool {
    let (Ok(cp), Ok(secret)) = (
        store.checkpoint(source.id).await,
        store.source_secret(source.id).await,
    ) else {
        return false;
    };
    match wait_for_mail(source, secret.as_deref(), cp.as_deref(), interval).await {
        Ok(IdleOutcome::NewMail | IdleOutcome::TimedOut) => true,
        Ok(IdleOutcome::Unsupported) => false,
        Err(e) => {
            tracing::debug!(source = %source.name, error = %e, "IMAP IDLE failed; polling by the clock");
            false
        }
    }
}

/// One poll with its bookkeeping: checkpoint and secret in, health out.
pub async fn poll_email_and_record<S: Sink>(
    store: &Store,
    sink: &S,
    source: &Source,
) -> Result<EmailPollReport, String> {
    let result = async {
        let cp = store
            .checkpoint(source.id)
            .await
            .map_err(|e| format!("reading the checkpoint: {e}"))?;
        let secret = store
            .source_secret(source.id)
            .await
            .map_err(|e| format!("reading the secret: {e}"))?;
        poll_mailbox(sink, source, secret.as_deref(), cp.as_deref()).await
    }
    .await;
    match &result {
        Ok(report) => {
            tracing::debug!(source = %source.name, ?report, "mailbox polled");
            let stored = i64::try_from(report.stored).unwrap_or(i64::MAX);
            let skipped = i64::try_from(report.duplicates + report.malformed).unwrap_or(i64::MAX);
            if let Err(e) = store
                .record_source_success(source.id, stored, skipped)
                .await
            {
                tracing::error!(source = %source.name, error = %e, "recording mailbox health");
            }
        }
        Err(err) => {
            tracing::warn!(source = %source.name, error = %err, "mailbox poll failed");
            if let Err(e) = store.record_source_error(source.id, err).await {
                tracing::error!(source = %source.name, error = %e, "recording mailbox health");
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_secrets() {
        let e = ImapEndpoint::parse("imaps://webcare%40bank.nl@imap.bank.nl/Support").unwrap();
        assert!(e.tls);
        assert_eq!(e.user, "webcare@bank.nl");
        assert_eq!((e.host.as_str(), e.port), ("imap.bank.nl", 993));
        assert_eq!(e.mailbox, "Support");
        let e = ImapEndpoint::parse("imap://u@127.0.0.1:1143").unwrap();
        assert_eq!((e.tls, e.port, e.mailbox.as_str()), (false, 1143, "INBOX"));
        assert!(ImapEndpoint::parse("https://u@x/INBOX").is_err());
        assert!(ImapEndpoint::parse("imap://x/INBOX").is_err());

        assert_eq!(EmailSecret::parse("pw").unwrap().smtp, None);
        let s = EmailSecret::parse(
            r#"{"password":"pw","smtp_url":"smtps://u@smtp.x:2465","from":"Webcare <w@x.nl>"}"#,
        )
        .unwrap();
        let smtp = s.smtp.unwrap();
        assert_eq!(smtp.security, SmtpSecurity::Tls);
        assert_eq!((smtp.port, smtp.password.as_str()), (2465, "pw"));
        assert!(EmailSecret::parse(r#"{"password":"pw","smtp_url":"smtp://x"}"#).is_err());
        assert!(EmailSecret::parse(r#"{"password":"pw","colour":"red"}"#).is_err());
        assert!(EmailSecret::parse(r#"{"smtp_url":"smtp://x","from":"a@b"}"#).is_err());
    }

    #[test]
    fn checkpoints_round_trip_and_ids_are_stable() {
        let cp = Checkpoint {
            uidvalidity: 7,
            last_uid: 42,
        };
        assert_eq!(Checkpoint::decode(Some(&cp.encode())), Some(cp));
        assert_eq!(Checkpoint::decode(Some("garbage")), None);
        assert_eq!(
            reply_message_id("abc-123", "Webcare <w@bank.nl>"),
            "<wederhoor.abc-123@bank.nl>"
        );
        assert_eq!(reply_subject(Some("Re: pas"), "x"), "Re: pas");
        assert_eq!(reply_subject(Some("pas kwijt"), "x"), "Re: pas kwijt");
    }

    #[test]
    fn a_mail_becomes_a_message_with_attachments_listed() {
        let raw = b"From: Klaas Klant <klaas@example.nl>\r\n\
Message-ID: <b@example.nl>\r\n\
In-Reply-To: <a@example.nl>\r\n\
Subject: Pas kwijt\r\n\
Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"XX\"\r\n\
\r\n\
--XX\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Mijn pas is weg.\r\n\
--XX\r\n\
Content-Type: image/png\r\n\
Content-Disposition: attachment; filename=\"foto.png\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
AAECAw==\r\n\
--XX--\r\n";
        let m = mail_to_message(raw, 1, 5, "mail", jiff::Timestamp::now()).unwrap();
        assert_eq!(m.external_id, "b@example.nl");
        assert_eq!(m.in_reply_to.as_deref(), Some("a@example.nl"));
        assert_eq!(m.author_handle, "klaas@example.nl");
        assert_eq!(m.author_name.as_deref(), Some("Klaas Klant"));
        assert_eq!(
            m.text,
            "Pas kwijt\nMijn pas is weg.\n[Bijlagen: foto.png (image/png, 4 bytes)]"
        );
    }
}
