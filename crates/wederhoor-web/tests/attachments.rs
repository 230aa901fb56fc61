//! E-mail attachments: stored with their message, listed on the conversation page (one query for
//! all of them), downloadable by agents only, always as a download.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::*;
use wederhoor_core::{Triage, ValidMessage};
use wederhoor_listen::email::mail_to_message_with_attachments;
use wederhoor_store::{BatchExtras, IngestOutcome};
use wederhoor_triage::Engine;
use wederhoor_web::triage_message;

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for j in 0..4 {
            if j <= chunk.len() {
                out.push(A[((n >> (18 - 6 * j)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn mail_with(id: &str, reply_to: Option<&str>, name: &str, ctype: &str, bytes: &[u8]) -> Vec<u8> {
    let reply = reply_to
        .map(|r| format!("In-Reply-To: <{r}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: Klaas <klaas@klant.example>\r\nTo: webcare@zuiderbank.example\r\nMessage-ID: <{id}>\r\n{reply}\
         Subject: Afschrift\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nZie bijlage.\r\n--XX\r\n\
         Content-Type: {ctype}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX--\r\n",
        base64(bytes)
    )
    .into_bytes()
}

async fn ingest_mail(t: &TestApp, raw: &[u8], uid: u32) -> wederhoor_core::ConversationId {
    let (m, files) =
        mail_to_message_with_attachments(raw, 1, uid, &t.source.name, jiff::Timestamp::now())
            .unwrap();
    let triage: Triage = triage_message(&Engine::default_engine(), &m, &t.source.name, false);
    let items: Vec<(ValidMessage, Triage)> = vec![(m, triage)];
    let out = t
        .store
        .ingest_batch_with(
            t.source.id,
            &items,
            None,
            &BatchExtras {
                attachments: files,
                ..BatchExtras::default()
            },
        )
        .await
        .unwrap();
    let IngestOutcome::Stored { conversation, .. } = out[0] else {
        panic!("not stored")
    };
    conversation
}

#[tokio::test]
async fn attachments_are_listed_and_downloaded_safely() {
    for t in spawn_apps().await {
        let b = t.backend;
        let png: Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
        let conv = ingest_mail(
            &t,
            &mail_with("a1@klant", None, "scan.png", "image/png", &png),
            1,
        )
        .await;
        let stored = t.store.conversation_attachments(conv).await.unwrap();
        assert_eq!(stored.len(), 1, "{b}");
        assert_eq!(
            (
                stored[0].filename.as_str(),
                stored[0].content_type.as_str(),
                stored[0].size
            ),
            ("scan.png", "image/png", 512),
            "{b}"
        );

        // Page: name, type and size; measured before and after a second message with a file.
        let s = t.login_as(&t.agent).await;
        let page = |s: Session| {
            let t = &t;
            async move {
                let before = t.store.query_count();
                let r = t.get(&format!("/c/{conv}"), Some(&s)).await;
                assert_eq!(r.status, StatusCode::OK);
                (t.store.query_count() - before, r.text())
            }
        };
        let (few, html) = page(s.clone()).await;
        assert!(
            html.contains(&format!("href=\"/attachments/{}\"", stored[0].id)),
            "{b}: {html}"
        );
        assert!(
            html.contains("scan.png") && html.contains("image&#x2f;png, 512 bytes"),
            "{b}: {html}"
        );
        let html_file = b"<script>alert(1)</script>".to_vec();
        let conv2 = ingest_mail(
            &t,
            &mail_with(
                "a2@klant",
                Some("a1@klant"),
                "café.html",
                "text/html",
                &html_file,
            ),
            2,
        )
        .await;
        assert_eq!(conv2, conv, "{b}: the reply mail joins the conversation");
        let (many, html) = page(s.clone()).await;
        assert_eq!(few, many, "{b}: the page's query count grows per message");
        assert!(html.contains("text&#x2f;html, 25 bytes"), "{b}");
        let all = t.store.conversation_attachments(conv).await.unwrap();
        assert_eq!(all.len(), 2, "{b}");

        // Download: the bytes, as an attachment, nosniff; an image keeps its type.
        let r = t
            .get(&format!("/attachments/{}", all[0].id), Some(&s))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert_eq!(r.body, png, "{b}");
        assert_eq!(r.content_type(), "image/png", "{b}");
        assert_eq!(r.headers["x-content-type-options"], "nosniff", "{b}");
        assert_eq!(
            r.headers["content-disposition"], "attachment; filename=\"scan.png\"",
            "{b}"
        );
        // HTML is never served as HTML.
        let r = t
            .get(&format!("/attachments/{}", all[1].id), Some(&s))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert_eq!(r.body, html_file, "{b}");
        assert_eq!(r.content_type(), "application/octet-stream", "{b}");
        assert_eq!(r.headers["x-content-type-options"], "nosniff", "{b}");
        assert_eq!(
            r.headers["content-disposition"], "attachment; filename=\"caf_.html\"",
            "{b}"
        );
        // Without a login: no bytes.
        let r = t.get(&format!("/attachments/{}", all[0].id), None).await;
        assert!(
            r.status == StatusCode::UNAUTHORIZED || r.status.is_redirection(),
            "{b}: {}",
            r.status
        );
        assert_ne!(r.body, png, "{b}");
        // Unknown id.
        let r = t.get("/attachments/999999", Some(&s)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
    }
}

#[test]
fn oversized_attachments_are_recorded_without_content() {
    let big = vec![7u8; wederhoor_listen::email::MAX_ATTACHMENT_BYTES + 1];
    let raw = mail_with("big@klant", None, "groot.pdf", "application/pdf", &big);
    let (m, files) =
        mail_to_message_with_attachments(&raw, 1, 1, "mail", jiff::Timestamp::now()).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].size, big.len() as i64);
    assert_eq!(files[0].content, None);
    assert_eq!(files[0].external_id, m.external_id);
    assert!(
        m.text
            .contains("groot.pdf (application/pdf, 10485761 bytes, te groot, niet bewaard)"),
        "{}",
        m.text
    );
}
