//! Notification mail (sign-in links, updates on ideas a customer follows) over SMTP.
//!
//! The server is named by one URL: `smtp://[user[:password]@]host[:port]` (plain, no TLS; for a
//! loopback or trusted relay; port 25), `smtp+starttls://…` (STARTTLS required; port 587) or
//! `smtps://…` (implicit TLS; port 465). `%XX` escapes in user and password are decoded (write
//! `@` as `%40`, `:` as `%3A`). Without a user no AUTH is done.
//!
//! A permanent SMTP answer (5xx) is a [`DeliveryError::Permanent`]; anything else (network,
//! timeouts, 4xx) is [`DeliveryError::Retryable`], as in the e-mail connector.

use crate::DeliveryError;
use crate::email::{SmtpSecurity, split_url};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::Arc;
use std::time::Duration;

const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

/// One notification mail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient address (`addr` or `Name <addr>`).
    pub to: String,
    pub subject: String,
    /// Plain text.
    pub body: String,
    /// Stable across resends (derive it from an idempotency key), so a duplicate is
    /// recognisable. `<local@domain>` or `local@domain` is used as given; anything else becomes
    /// `<wederhoor.{id}@{domain of from}>` (characters other than letters, digits, `-` and `.`
    /// dropped).
    pub message_id: String,
    /// An HTML alternative to the plain text (the mail is then `multipart/alternative`).
    pub html: Option<String>,
    /// A file attached to the mail (the mail is then `multipart/mixed`).
    pub attachment: Option<MailFile>,
}

/// A file attached to an [`OutgoingMail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    pub filename: String,
    /// A MIME type, e.g. `text/csv; charset=utf-8`.
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Sends [`OutgoingMail`] through one SMTP server. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Arc<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    host: String,
    port: u16,
    security: SmtpSecurity,
}

impl std::fmt::Debug for Mailer {
    // Leaves the credentials out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| "a bad %-escape in the SMTP URL's user or password".to_owned())?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the SMTP URL's user or password is not UTF-8".to_owned())
}

impl Mailer {
    /// A mailer for `smtp_url` (see the module documentation) sending as `from`
    /// (`Name <addr>` or `addr`). Connects only when sending.
    pub fn new(smtp_url: &str, from: &str) -> Result<Mailer, String> {
        let (scheme, userinfo, host, port, path) =
            split_url(smtp_url).map_err(|e| format!("the SMTP URL is not valid ({e})"))?;
        let (security, default_port) = match scheme.as_str() {
            "smtp" => (SmtpSecurity::Plain, 25),
            "smtp+starttls" => (SmtpSecurity::StartTls, 587),
            "smtps" => (SmtpSecurity::Tls, 465),
            other => {
                return Err(format!(
                    "the SMTP URL needs smtp://, smtp+starttls:// or smtps://, not {other}://"
                ));
            }
        };
        if !path.trim_matches('/').is_empty() || host.contains(['?', '#']) {
            return Err(format!(
                "the SMTP URL must not have a path or query (smtp://user:password@host:port), got {smtp_url:?}"
            ));
        }
        if port == Some(0) {
            return Err("the SMTP URL has port 0".into());
        }
        let port = port.unwrap_or(default_port);
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("the sender {from:?} is not an e-mail address ({e})"))?;
        let builder = match security {
            SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host),
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)
                .map_err(|e| format!("STARTTLS setup for {host}: {e}"))?,
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
                .map_err(|e| format!("TLS setup for {host}: {e}"))?,
        };
        let mut builder = builder.port(port).timeout(Some(SMTP_TIMEOUT));
        if !userinfo.is_empty() {
            let (user, password) = userinfo.split_once(':').unwrap_or((&userinfo, ""));
            let user = percent_decode(user)?;
            if user.is_empty() {
                return Err("the SMTP URL has a password but no user".into());
            }
            builder = builder.credentials(Credentials::new(user, percent_decode(password)?));
        }
        Ok(Mailer {
            transport: Arc::new(builder.build()),
            from,
            host,
            port,
            security,
        })
    }

    /// The sender.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// The Message-ID header value `mail` is sent with.
    pub fn message_id(&self, mail: &OutgoingMail) -> String {
        let id = mail.message_id.trim();
        let bare = id
            .strip_prefix('<')
            .and_then(|i| i.strip_suffix('>'))
            .unwrap_or(id);
        let well_formed = bare.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty()
                && !d.is_empty()
                && !bare
                    .contains(|c: char| c.is_whitespace() || c.is_control() || "<>\"".contains(c))
        });
        if well_formed {
            return format!("<{bare}>");
        }
        let key: String = id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.')
            .collect();
        format!("<wederhoor.{key}@{}>", self.from.email.domain())
    }

    /// Sends one mail. A bad recipient or a 5xx answer is permanent; the rest is retryable.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), DeliveryError> {
        let to: Mailbox = mail.to.parse().map_err(|e| {
            DeliveryError::Permanent(format!(
                "the recipient {:?} is not an e-mail address ({e})",
                mail.to
            ))
        })?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(self.message_id(mail)));
        let built = if mail.html.is_none() && mail.attachment.is_none() {
            builder
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
        } else {
            let text = match &mail.html {
                Some(html) => MultiPart::alternative_plain_html(mail.body.clone(), html.clone()),
                None => MultiPart::mixed().singlepart(SinglePart::plain(mail.body.clone())),
            };
            match &mail.attachment {
                None => builder.multipart(text),
                Some(file) => {
                    let content_type = ContentType::parse(&file.content_type).map_err(|e| {
                        DeliveryError::Permanent(format!(
                            "the attachment's type {:?} is not a MIME type ({e})",
                            file.content_type
                        ))
                    })?;
                    builder.multipart(
                        MultiPart::mixed().multipart(text).singlepart(
                            Attachment::new(file.filename.clone())
                                .body(file.data.clone(), content_type),
                        ),
                    )
                }
            }
        };
        let message =
            built.map_err(|e| DeliveryError::Permanent(format!("building the mail: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(DeliveryError::Permanent(format!("SMTP: {e}"))),
            Err(e) => Err(DeliveryError::Retryable {
                message: format!("SMTP: {e}"),
                retry_after: None,
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_with_clear_messages() {
        let m = Mailer::new("smtp://127.0.0.1:2525", "Wederhoor <noreply@x.nl>").unwrap();
        assert_eq!(
            (m.host.as_str(), m.port, m.security),
            ("127.0.0.1", 2525, SmtpSecurity::Plain)
        );
        let m = Mailer::new("smtps://u%40x.nl:p%3Aw@smtp.x.nl", "noreply@x.nl").unwrap();
        assert_eq!((m.port, m.security), (465, SmtpSecurity::Tls));
        let m = Mailer::new("smtp+starttls://u:pw@smtp.x.nl", "noreply@x.nl").unwrap();
        assert_eq!((m.port, m.security), (587, SmtpSecurity::StartTls));
        assert!(!format!("{m:?}").contains("pw"));

        let err = Mailer::new("http://smtp.x.nl", "a@x.nl").unwrap_err();
        assert!(err.contains("smtp://") && err.contains("http://"), "{err}");
        let err = Mailer::new("smtp.x.nl", "a@x.nl").unwrap_err();
        assert!(err.contains("not valid"), "{err}");
        let err = Mailer::new("smtp://smtp.x.nl:port", "a@x.nl").unwrap_err();
        assert!(err.contains("port"), "{err}");
        let err = Mailer::new("smtp://smtp.x.nl/mail", "a@x.nl").unwrap_err();
        assert!(err.contains("path"), "{err}");
        let err = Mailer::new("smtp://smtp.x.nl", "geen adres").unwrap_err();
        assert!(err.contains("sender"), "{err}");
        let err = Mailer::new("smtp://:pw@smtp.x.nl", "a@x.nl").unwrap_err();
        assert!(err.contains("no user"), "{err}");
        let err = Mailer::new("smtp://u%zz@smtp.x.nl", "a@x.nl").unwrap_err();
        assert!(err.contains("%-escape"), "{err}");
    }

    #[test]
    fn message_ids_are_stable() {
        let m = Mailer::new("smtp://127.0.0.1", "Wederhoor <noreply@feedback.x.nl>").unwrap();
        let mail = |id: &str| OutgoingMail {
            to: "a@b.nl".into(),
            subject: "s".into(),
            body: "b".into(),
            message_id: id.into(),
            ..OutgoingMail::default()
        };
        assert_eq!(
            m.message_id(&mail("login-42")),
            "<wederhoor.login-42@feedback.x.nl>"
        );
        assert_eq!(
            m.message_id(&mail("login 42/x")),
            "<wederhoor.login42x@feedback.x.nl>"
        );
        assert_eq!(m.message_id(&mail("abc@x.nl")), "<abc@x.nl>");
        assert_eq!(m.message_id(&mail("<abc@x.nl>")), "<abc@x.nl>");
        assert_eq!(
            m.message_id(&mail("<a b@x.nl>")),
            "<wederhoor.abx.nl@feedback.x.nl>"
        );
    }
}
