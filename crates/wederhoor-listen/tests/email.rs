//! The e-mail connector against fake IMAP and SMTP servers on 127.0.0.1:0.
//!
//! The fake IMAP server speaks the subset of RFC 3501 / RFC 9051 the connector uses: the `* OK`
//! greeting; `LOGIN`; `SELECT` (answers `EXISTS`, `FLAGS`, `OK [UIDVALIDITY n]`,
//! `OK [UIDNEXT n]`, tagged `OK [READ-WRITE]`); `UID SEARCH UID a:*` (the UIDs ≥ a, or the newest
//! one when none is, as RFC 3501 §6.4.4 / §9 `seq-range` says); `UID FETCH <uid,…> RFC822`
//! (`* n FETCH (UID u RFC822 {len}` + literal + `)`); `LOGOUT` (`* BYE`, tagged `OK`). Anything
//! else gets a tagged `BAD`.
//!
//! The fake SMTP server speaks the subset of RFC 5321 lettre uses without TLS or AUTH: the `220`
//! greeting, `EHLO`, `MAIL FROM`, `RCPT TO`, `DATA` (`354`, the data up to `<CRLF>.<CRLF>`, then
//! `250`, or a configured `5xx`), `RSET`/`NOOP` (`250`), `QUIT` (`221`); anything else `502`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use wederhoor_core::*;
use wederhoor_listen::email::{EmailConnector, poll_email_and_record};
use wederhoor_listen::{OutboxConfig, Sink, SinkError, SinkReport, run_outbox_once};
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::{
    BatchExtras, NewAgent, NewAttachment, NewSource, Source, SourceSettings, Store,
};

// ---------------------------------------------------------------- fake IMAP

#[derive(Default)]
struct Mailbox {
    uidvalidity: u32,
    mails: Vec<(u32, Vec<u8>)>,
    commands: Vec<String>,
    /// Advertise and accept IDLE.
    idle: bool,
    /// Signalled when the test adds a mail (an IDLE in progress pushes `* N EXISTS`).
    arrived: Arc<tokio::sync::Notify>,
}

async fn start_imap(state: Arc<Mutex<Mailbox>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"* OK [CAPABILITY IMAP4rev1] fake ready\r\n")
                    .await
                    .unwrap();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let l = line.trim_end().to_owned();
                    let (tag, cmd) = l.split_once(' ').unwrap_or((l.as_str(), ""));
                    let upper = cmd.to_ascii_uppercase();
                    state.lock().unwrap().commands.push(
                        upper
                            .split(' ')
                            .take(if upper.starts_with("UID") { 2 } else { 1 })
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                    let out: Vec<u8> = if upper == "CAPABILITY" {
                        let idle = if state.lock().unwrap().idle {
                            " IDLE"
                        } else {
                            ""
                        };
                        format!("* CAPABILITY IMAP4rev1{idle}\r\n{tag} OK CAPABILITY completed\r\n")
                            .into_bytes()
                    } else if upper == "IDLE" && state.lock().unwrap().idle {
                        if w.write_all(b"+ idling\r\n").await.is_err() {
                            return;
                        }
                        let arrived = state.lock().unwrap().arrived.clone();
                        loop {
                            line.clear();
                            tokio::select! {
                                n = r.read_line(&mut line) => {
                                    if n.unwrap_or(0) == 0 {
                                        return;
                                    }
                                    break;
                                }
                                _ = arrived.notified() => {
                                    let n = state.lock().unwrap().mails.len();
                                    if w.write_all(format!("* {n} EXISTS\r\n").as_bytes()).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                        if line.trim_end().eq_ignore_ascii_case("DONE") {
                            format!("{tag} OK IDLE terminated\r\n").into_bytes()
                        } else {
                            format!("{tag} BAD expected DONE\r\n").into_bytes()
                        }
                    } else if upper.starts_with("LOGIN ") {
                        format!("{tag} OK LOGIN completed\r\n").into_bytes()
                    } else if upper.starts_with("SELECT ") {
                        let s = state.lock().unwrap();
                        let next = s.mails.iter().map(|m| m.0).max().unwrap_or(0) + 1;
                        format!(
                            "* {} EXISTS\r\n* FLAGS (\\Seen)\r\n* OK [UIDVALIDITY {}] UIDs valid\r\n\
                             * OK [UIDNEXT {next}] Predicted next UID\r\n{tag} OK [READ-WRITE] SELECT completed\r\n",
                            s.mails.len(),
                            s.uidvalidity
                        )
                        .into_bytes()
                    } else if let Some(range) = upper.strip_prefix("UID SEARCH UID ") {
                        let from: u32 = range.trim_end_matches(":*").parse().unwrap();
                        let s = state.lock().unwrap();
                        let mut uids: Vec<u32> =
                            s.mails.iter().map(|m| m.0).filter(|u| *u >= from).collect();
                        if uids.is_empty()
                            && let Some(max) = s.mails.iter().map(|m| m.0).max()
                        {
                            uids.push(max);
                        }
                        let list: Vec<String> = uids.iter().map(u32::to_string).collect();
                        format!(
                            "* SEARCH {}\r\n{tag} OK SEARCH completed\r\n",
                            list.join(" ")
                        )
                        .replace("SEARCH \r\n", "SEARCH\r\n")
                        .into_bytes()
                    } else if let Some(args) = upper.strip_prefix("UID FETCH ") {
                        let set = args.split(' ').next().unwrap();
                        let wanted: Vec<u32> = set.split(',').map(|u| u.parse().unwrap()).collect();
                        let s = state.lock().unwrap();
                        let mut out = Vec::new();
                        for (seq, (uid, raw)) in s.mails.iter().enumerate() {
                            if wanted.contains(uid) {
                                out.extend_from_slice(
                                    format!(
                                        "* {} FETCH (UID {uid} RFC822 {{{}}}\r\n",
                                        seq + 1,
                                        raw.len()
                                    )
                                    .as_bytes(),
                                );
                                out.extend_from_slice(raw);
                                out.extend_from_slice(b")\r\n");
                            }
                        }
                        out.extend_from_slice(format!("{tag} OK FETCH completed\r\n").as_bytes());
                        out
                    } else if upper.starts_with("LOGOUT") {
                        w.write_all(format!("* BYE\r\n{tag} OK LOGOUT completed\r\n").as_bytes())
                            .await
                            .unwrap();
                        return;
                    } else {
                        format!("{tag} BAD unknown command\r\n").into_bytes()
                    };
                    if w.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn mail(id: &str, from: &str, subject: &str, body: &str, in_reply_to: Option<&str>) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: webcare@zuiderbank.example\r\nMessage-ID: <{id}>\r\nSubject: {subject}\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
    );
    if let Some(r) = in_reply_to {
        m.push_str(&format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"));
    }
    m.push_str("Content-Type: text/plain; charset=utf-8\r\n\r\n");
    m.push_str(body);
    m.push_str("\r\n");
    m.into_bytes()
}

// ---------------------------------------------------------------- a sink over the real store

struct StoreSink(Store, Mutex<Vec<ConversationId>>);

impl Sink for StoreSink {
    async fn store(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        matched_query: Option<String>,
    ) -> Result<SinkReport, SinkError> {
        self.store_all(
            source,
            messages,
            BatchExtras {
                checkpoint,
                matched_query,
                ..BatchExtras::default()
            },
        )
        .await
    }

    async fn store_with_attachments(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        checkpoint: Option<String>,
        attachments: Vec<NewAttachment>,
    ) -> Result<SinkReport, SinkError> {
        self.store_all(
            source,
            messages,
            BatchExtras {
                checkpoint,
                attachments,
                ..BatchExtras::default()
            },
        )
        .await
    }
}

impl StoreSink {
    async fn store_all(
        &self,
        source: &Source,
        messages: Vec<ValidMessage>,
        extras: BatchExtras,
    ) -> Result<SinkReport, SinkError> {
        let items: Vec<(ValidMessage, Triage)> =
            messages.into_iter().map(|m| (m, triage())).collect();
        let out = self
            .0
            .ingest_batch_with(source.id, &items, None, &extras)
            .await
            .map_err(|e| SinkError(e.to_string()))?;
        let mut stored = 0;
        for o in &out {
            if let wederhoor_store::IngestOutcome::Stored { conversation, .. } = o {
                stored += 1;
                self.1.lock().unwrap().push(*conversation);
            }
        }
        Ok(SinkReport {
            stored,
            duplicates: out.len() - stored,
        })
    }
}

fn triage() -> Triage {
    Triage {
        language: "nl".into(),
        sentiment: Sentiment {
            label: SentimentLabel::Negative,
            score: -0.4,
        },
        abusive: false,
        pii: vec![],
        topics: vec![],
        priority: 1,
        verdict: Verdict {
            action: Action::Respond,
            rule: "test".into(),
            reason: "test".into(),
            confidence: 1.0,
        },
        evidence: vec![],
    }
}

async fn email_source(store: &Store, url: String, secret: String) -> Source {
    let (s, _) = store
        .create_source(&NewSource {
            kind: "email".into(),
            name: "mail".into(),
            delivery_kind: DeliveryKind::Email,
            delivery_url: None,
            delivery_secret: Some(secret),
        })
        .await
        .unwrap();
    let mut settings = SourceSettings::from(&s);
    settings.url = Some(url);
    store
        .update_source_settings(s.id, &settings, None)
        .await
        .unwrap();
    store
        .list_sources()
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.id == s.id)
        .unwrap()
}

#[tokio::test]
async fn mails_are_read_by_uid_threaded_and_checkpointed() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let state = Arc::new(Mutex::new(Mailbox {
            uidvalidity: 7,
            mails: vec![
                (
                    3,
                    mail(
                        "first@klant.example",
                        "Klaas Klant <klaas@klant.example>",
                        "Pas kwijt",
                        "Mijn pas is weg, wat nu?",
                        None,
                    ),
                ),
                (
                    5,
                    mail(
                        "second@klant.example",
                        "Klaas Klant <klaas@klant.example>",
                        "Re: Pas kwijt",
                        "Nog steeds geen antwoord.",
                        Some("first@klant.example"),
                    ),
                ),
            ],
            ..Mailbox::default()
        }));
        let port = start_imap(state.clone()).await;
        let source = email_source(
            &store,
            format!("imap://webcare@127.0.0.1:{port}/INBOX"),
            "geheim".into(),
        )
        .await;
        let sink = StoreSink(store.clone(), Mutex::new(vec![]));

        let report = poll_email_and_record(&store, &sink, &source).await.unwrap();
        assert_eq!((report.fetched, report.stored), (2, 2), "{backend}");
        assert_eq!(
            store.checkpoint(source.id).await.unwrap().as_deref(),
            Some(r#"{"last_uid":5,"uidvalidity":7}"#),
            "{backend}"
        );
        let page = store
            .list_sources()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.id == source.id)
            .unwrap();
        assert_eq!(page.kind, "email", "{backend}");

        // Both mails in one conversation (the second answers the first), with the right fields.
        let convs = sink.1.lock().unwrap().clone();
        assert_eq!(convs.len(), 2, "{backend}");
        assert_eq!(
            convs[0], convs[1],
            "{backend}: the reply mail joins the conversation"
        );
        let conv = convs[0];
        let detail = store.conversation(conv).await.unwrap().unwrap();
        assert_eq!(detail.messages.len(), 2, "{backend}");
        let first = &detail.messages[0];
        assert_eq!(first.external_id, "first@klant.example", "{backend}");
        assert_eq!(
            first.text, "Pas kwijt\nMijn pas is weg, wat nu?",
            "{backend}"
        );
        assert_eq!(
            first.author_handle.as_deref(),
            Some("klaas@klant.example"),
            "{backend}"
        );
        assert_eq!(
            first.author_name.as_deref(),
            Some("Klaas Klant"),
            "{backend}"
        );
        assert_eq!(detail.messages[1].external_id, "second@klant.example");

        // Nothing new: nothing fetched.
        let report = poll_email_and_record(&store, &sink, &source).await.unwrap();
        assert_eq!((report.fetched, report.stored), (0, 0), "{backend}");

        // A new mail: exactly that one.
        state.lock().unwrap().mails.push((
            9,
            mail(
                "third@ander.example",
                "ander@ander.example",
                "Storing",
                "De app doet het niet.",
                None,
            ),
        ));
        let report = poll_email_and_record(&store, &sink, &source).await.unwrap();
        assert_eq!((report.fetched, report.stored), (1, 1), "{backend}");
        assert_eq!(
            store.checkpoint(source.id).await.unwrap().as_deref(),
            Some(r#"{"last_uid":9,"uidvalidity":7}"#),
            "{backend}"
        );
        // UIDVALIDITY changed (the mailbox was renumbered): start over from the newest mail.
        state.lock().unwrap().uidvalidity = 8;
        let report = poll_email_and_record(&store, &sink, &source).await.unwrap();
        assert_eq!(report.fetched, 0, "{backend}");
        assert_eq!(
            store.checkpoint(source.id).await.unwrap().as_deref(),
            Some(r#"{"last_uid":9,"uidvalidity":8}"#),
            "{backend}"
        );
        let cmds = state.lock().unwrap().commands.clone();
        assert!(cmds.iter().any(|c| c == "UID SEARCH"), "{cmds:?}");
        assert_eq!(
            cmds.iter().filter(|c| *c == "UID FETCH").count(),
            2,
            "{cmds:?}"
        );
        assert!(cmds.iter().all(|c| !c.contains("BAD")), "{cmds:?}");
    }
}

// ---------------------------------------------------------------- fake SMTP

#[derive(Default)]
struct Smtp {
    /// Answer to the end of DATA (`None`: `250`).
    reject: Option<String>,
    commands: Vec<String>,
    data: Vec<String>,
}

async fn start_smtp(state: Arc<Mutex<Smtp>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let state = state.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.trim_end().to_ascii_uppercase();
                    let verb = upper.split([' ', ':']).next().unwrap_or("").to_owned();
                    state.lock().unwrap().commands.push(verb.clone());
                    let answer = match verb.as_str() {
                        "EHLO" => "250-fake greets you\r\n250 8BITMIME\r\n".to_owned(),
                        "MAIL" | "RCPT" | "RSET" | "NOOP" => "250 OK\r\n".to_owned(),
                        "DATA" => {
                            w.write_all(b"354 go ahead\r\n").await.unwrap();
                            let mut data = Vec::new();
                            let mut buf = [0u8; 1];
                            while !data.ends_with(b"\r\n.\r\n") {
                                if r.read(&mut buf).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                data.push(buf[0]);
                            }
                            let mut s = state.lock().unwrap();
                            s.data.push(String::from_utf8_lossy(&data).into_owned());
                            match &s.reject {
                                Some(r) => format!("{r}\r\n"),
                                None => "250 queued\r\n".to_owned(),
                            }
                        }
                        "QUIT" => {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => "502 not implemented\r\n".to_owned(),
                    };
                    if w.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn replies_are_sent_over_smtp_and_rejections_recorded() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let smtp = Arc::new(Mutex::new(Smtp::default()));
        let port = start_smtp(smtp.clone()).await;
        let secret = serde_json::json!({
            "password": "geheim",
            "smtp_url": format!("smtp://127.0.0.1:{port}"),
            "from": "Zuiderbank Webcare <webcare@zuiderbank.example>",
        })
        .to_string();
        let source = email_source(&store, "imap://webcare@127.0.0.1:1/INBOX".into(), secret).await;
        let agent = store
            .create_agent(
                &NewAgent {
                    username: "mehmet".into(),
                    display_name: "Mehmet".into(),
                    role: Role::Agent,
                    password_hash: "x".into(),
                },
                None,
            )
            .await
            .unwrap();
        let inbound = wederhoor_listen::email::mail_to_message(
            &mail(
                "first@klant.example",
                "Klaas Klant <klaas@klant.example>",
                "Pas kwijt",
                "Mijn pas is weg",
                None,
            ),
            7,
            3,
            "mail",
            jiff::Timestamp::now(),
        )
        .unwrap();
        let out = store
            .ingest_batch(source.id, &[(inbound, triage())], None)
            .await
            .unwrap();
        let wederhoor_store::IngestOutcome::Stored { conversation, .. } = out[0] else {
            panic!()
        };
        let connector = EmailConnector::new();
        let config = OutboxConfig::default();

        let reply = store
            .add_reply(conversation, agent.id, "We blokkeren uw pas.")
            .await
            .unwrap();
        let key = store.due_replies(10).await.unwrap()[0]
            .idempotency_key
            .clone();
        let n = run_outbox_once(&store, &connector, &config, &|_| {})
            .await
            .unwrap();
        assert_eq!(n, 1, "{backend}");
        {
            let s = smtp.lock().unwrap();
            assert_eq!(s.data.len(), 1, "{backend}: {:?}", s.commands);
            let data = &s.data[0];
            assert!(data.contains("To: klaas@klant.example"), "{data}");
            assert!(data.contains("Subject: Re: Pas kwijt\r\n"), "{data}");
            assert!(
                data.contains("In-Reply-To: <first@klant.example>"),
                "{data}"
            );
            assert!(data.contains("References: <first@klant.example>"), "{data}");
            assert!(
                data.contains(&format!("Message-ID: <wederhoor.{key}@zuiderbank.example>")),
                "{data}"
            );
            assert!(data.contains("We blokkeren uw pas."), "{data}");
            for c in ["EHLO", "MAIL", "RCPT", "DATA"] {
                assert!(s.commands.iter().any(|x| x == c), "{:?}", s.commands);
            }
        }
        let detail = store.conversation(conversation).await.unwrap().unwrap();
        let r = detail.replies.iter().find(|r| r.id == reply).unwrap();
        assert_eq!(r.state, DeliveryState::Sent, "{backend}");

        // A 554: failed for good, with the server's reason.
        smtp.lock().unwrap().reject = Some("554 5.7.1 Message rejected as spam".into());
        let reply = store
            .add_reply(conversation, agent.id, "Nog een antwoord")
            .await
            .unwrap();
        run_outbox_once(&store, &connector, &config, &|_| {})
            .await
            .unwrap();
        let detail = store.conversation(conversation).await.unwrap().unwrap();
        let r = detail.replies.iter().find(|r| r.id == reply).unwrap();
        assert_eq!(r.state, DeliveryState::Failed, "{backend}");
        let err = r.last_error.clone().unwrap_or_default();
        assert!(err.contains("rejected as spam"), "{backend}: {err}");
    }
}

fn attachment_mail(id: &str, name: &str, ctype: &str, bytes: &[u8]) -> Vec<u8> {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            b64.push_str("\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for j in 0..4 {
            if j <= chunk.len() {
                b64.push(A[((n >> (18 - 6 * j)) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    format!(
        "From: Klaas <klaas@klant.example>\r\nTo: webcare@zuiderbank.example\r\nMessage-ID: <{id}>\r\n\
         Subject: Afschrift\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nZie bijlage.\r\n--XX\r\n\
         Content-Type: {ctype}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--XX--\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn attachments_are_stored_with_their_message() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let pdf: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let state = Arc::new(Mutex::new(Mailbox {
            uidvalidity: 3,
            mails: vec![(
                1,
                attachment_mail(
                    "att@klant.example",
                    "afschrift.pdf",
                    "application/pdf",
                    &pdf,
                ),
            )],
            ..Mailbox::default()
        }));
        let port = start_imap(state.clone()).await;
        let source = email_source(
            &store,
            format!("imap://webcare@127.0.0.1:{port}/INBOX"),
            "geheim".into(),
        )
        .await;
        let sink = StoreSink(store.clone(), Mutex::new(vec![]));
        let report = poll_email_and_record(&store, &sink, &source).await.unwrap();
        assert_eq!((report.fetched, report.stored), (1, 1), "{backend}");
        let conv = sink.1.lock().unwrap()[0];
        let detail = store.conversation(conv).await.unwrap().unwrap();
        assert!(
            detail.messages[0]
                .text
                .ends_with("[Bijlagen: afschrift.pdf (application/pdf, 1000 bytes)]"),
            "{backend}: {}",
            detail.messages[0].text
        );
        let files = store.conversation_attachments(conv).await.unwrap();
        assert_eq!(files.len(), 1, "{backend}");
        let a = &files[0];
        assert_eq!(a.message, detail.messages[0].id, "{backend}");
        assert_eq!(
            (
                a.filename.as_str(),
                a.content_type.as_str(),
                a.size,
                a.stored
            ),
            ("afschrift.pdf", "application/pdf", 1000, true),
            "{backend}"
        );
        let (info, bytes) = store.attachment(a.id).await.unwrap().unwrap();
        assert_eq!(&info, a, "{backend}");
        assert_eq!(bytes.as_deref(), Some(pdf.as_slice()), "{backend}");
        // Polling again stores nothing twice.
        let report = poll_email_and_record(&store, &sink, &source).await.unwrap();
        assert_eq!(report.stored, 0, "{backend}");
        assert_eq!(
            store.conversation_attachments(conv).await.unwrap().len(),
            1,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn idle_fetches_new_mail_without_waiting_for_the_interval() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let state = Arc::new(Mutex::new(Mailbox {
            uidvalidity: 9,
            mails: vec![(
                1,
                mail("i1@klant.example", "k@klant.example", "Eerste", "een", None),
            )],
            idle: true,
            ..Mailbox::default()
        }));
        let port = start_imap(state.clone()).await;
        let source = email_source(
            &store,
            format!("imap://webcare@127.0.0.1:{port}/INBOX"),
            "geheim".into(),
        )
        .await;
        // An hour between polls: only IDLE can bring the second mail in time.
        let mut settings = SourceSettings::from(&source);
        settings.poll_interval_secs = 3600;
        store
            .update_source_settings(source.id, &settings, None)
            .await
            .unwrap();
        let sink = Arc::new(StoreSink(store.clone(), Mutex::new(vec![])));
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(wederhoor_listen::email::run_email(
            store.clone(),
            sink.clone(),
            wederhoor_listen::email::EmailConfig::default(),
            shutdown,
        ));
        let wait_for = |n: i64| {
            let store = store.clone();
            async move {
                tokio::time::timeout(std::time::Duration::from_secs(20), async {
                    while store.message_count().await.unwrap() < n {
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                })
                .await
                .is_ok()
            }
        };
        assert!(wait_for(1).await, "{backend}: the first poll");
        // Wait until the connector is idling, then deliver a mail.
        let idling = tokio::time::timeout(std::time::Duration::from_secs(20), async {
            while !state.lock().unwrap().commands.iter().any(|c| c == "IDLE") {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(idling.is_ok(), "{backend}: the connector never sent IDLE");
        {
            let mut s = state.lock().unwrap();
            s.mails.push((
                2,
                mail(
                    "i2@klant.example",
                    "k@klant.example",
                    "Tweede",
                    "twee",
                    None,
                ),
            ));
            s.arrived.notify_one();
        }
        assert!(
            wait_for(2).await,
            "{backend}: the new mail was not fetched during IDLE"
        );
        assert_eq!(
            store.checkpoint(source.id).await.unwrap().as_deref(),
            Some(r#"{"last_uid":2,"uidvalidity":9}"#),
            "{backend}"
        );
        let commands = state.lock().unwrap().commands.clone();
        assert!(
            commands.iter().any(|c| c == "CAPABILITY"),
            "{backend}: {commands:?}"
        );
        stop.send_replace(true);
        tokio::time::timeout(std::time::Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
    }
}

#[tokio::test]
async fn without_idle_the_connector_waits_by_the_clock() {
    let state = Arc::new(Mutex::new(Mailbox {
        uidvalidity: 1,
        ..Mailbox::default()
    }));
    let port = start_imap(state.clone()).await;
    let store = fresh_stores().await.unwrap().remove(0).1;
    let source = email_source(
        &store,
        format!("imap://webcare@127.0.0.1:{port}/INBOX"),
        "geheim".into(),
    )
    .await;
    let outcome = wederhoor_listen::email::wait_for_mail(
        &source,
        Some("geheim"),
        Some(r#"{"last_uid":0,"uidvalidity":1}"#),
        std::time::Duration::from_secs(600),
    )
    .await
    .unwrap();
    assert_eq!(outcome, wederhoor_listen::email::IdleOutcome::Unsupported);
    assert!(!state.lock().unwrap().commands.iter().any(|c| c == "IDLE"));
}
