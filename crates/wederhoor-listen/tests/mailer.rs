#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The notification mailer against the testkit's SMTP sink.

use std::time::Duration;
use wederhoor_listen::DeliveryError;
use wederhoor_listen::mailer::{Mailer, OutgoingMail};
use wederhoor_testkit::SmtpSink;

const WAIT: Duration = Duration::from_secs(10);

fn sign_in_mail(url: &str) -> OutgoingMail {
    OutgoingMail {
        to: "Zoë Klant <zoe@klant.example>".into(),
        subject: "Je inloglink voor Zuiderbank Ideeën".into(),
        body: format!(
            "Hallo Zoë,\n\nKlik op deze link om in te loggen (een kwartier geldig):\n{url}\n\n\
             Heb je niets aangevraagd? Dan kun je deze mail negeren.\n"
        ),
        message_id: "signin-7f3a9c".into(),
        ..OutgoingMail::default()
    }
}

#[tokio::test]
async fn a_mail_arrives_with_recipient_subject_and_an_intact_link() {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::new(&sink.url(), "Zuiderbank Ideeën <ideeen@zuiderbank.example>").unwrap();
    let token =
        "Q2hlY2tNYXRlLUFkdmVudHVyZXMtMTIzNDU2Nzg5MC1hYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ei0tLQ";
    let url = format!(
        "https://ideeen.zuiderbank.example/account/inloggen/bevestigen?token={token}&next=%2Fideeen%2F42%3Fsort%3Dnew"
    );
    assert!(url.len() > 100);
    mailer.send(&sign_in_mail(&url)).await.unwrap();

    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "ideeen@zuiderbank.example");
    assert_eq!(mail.to, vec!["zoe@klant.example"]);
    // Non-ASCII subjects are RFC 2047 encoded; decoded they are what was sent.
    assert_eq!(
        mail.header_text("Subject").as_deref(),
        Some("Je inloglink voor Zuiderbank Ideeën")
    );
    assert_eq!(
        mail.header("Message-ID").as_deref(),
        Some("<wederhoor.signin-7f3a9c@zuiderbank.example>")
    );
    // The non-ASCII body is transfer-encoded, and the long line would be folded: the URL only
    // survives through decoding.
    let encoding = mail.header("Content-Transfer-Encoding").unwrap_or_default();
    assert!(
        ["quoted-printable", "base64"].contains(&encoding.as_str()),
        "{encoding}"
    );
    assert!(!mail.data.contains(&url), "{}", mail.data);
    let body = mail.body_text();
    assert!(
        body.contains(&url),
        "the link was mangled:\n{body}\n--- raw:\n{}",
        mail.data
    );
    assert!(body.contains("Hallo Zoë,"), "{body}");
    assert!(body.contains(&format!("?token={token}&")), "{body}");
}

#[tokio::test]
async fn an_ascii_subject_is_sent_verbatim_and_credentials_are_used() {
    let sink = SmtpSink::start().await;
    let url = format!(
        "smtp://notify%40x.example:geheim%3A1@127.0.0.1:{}",
        sink.port()
    );
    let mailer = Mailer::new(&url, "noreply@x.example").unwrap();
    let mail = OutgoingMail {
        to: "klant@x.example".into(),
        subject: "Nieuwe reactie op je idee".into(),
        body: "Kijk op https://x.example/ideas/1?token=abc".into(),
        message_id: "<update-1@x.example>".into(),
        ..OutgoingMail::default()
    };
    mailer.send(&mail).await.unwrap();
    mailer.clone().send(&mail).await.unwrap();
    let mails = sink.wait_for(2, WAIT).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(
        mails[0].header("Subject").as_deref(),
        Some("Nieuwe reactie op je idee")
    );
    // The same Message-ID on a resend.
    assert_eq!(
        mails[0].header("Message-ID").as_deref(),
        Some("<update-1@x.example>")
    );
    assert_eq!(mails[1].header("Message-ID"), mails[0].header("Message-ID"));
    assert!(
        mails[1]
            .body_text()
            .contains("https://x.example/ideas/1?token=abc")
    );
    assert_eq!(
        sink.logins().first().cloned(),
        Some(("notify@x.example".to_owned(), "geheim:1".to_owned()))
    );
}

#[tokio::test]
async fn a_554_is_permanent_and_nothing_is_kept() {
    let sink = SmtpSink::start().await;
    sink.reject_with(Some("554 5.7.1 message refused"));
    let mailer = Mailer::new(&sink.url(), "noreply@x.example").unwrap();
    let err = mailer
        .send(&sign_in_mail("https://x.example/?token=t"))
        .await
        .unwrap_err();
    match &err {
        DeliveryError::Permanent(msg) => assert!(msg.contains("message refused"), "{msg}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
    assert!(sink.messages().is_empty());
    assert!(sink.commands().contains(&"DATA".to_owned()));

    // A 4xx is worth another try.
    sink.reject_with(Some("451 4.3.0 try again later"));
    let err = mailer
        .send(&sign_in_mail("https://x.example/?token=t"))
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Retryable { .. }), "{err:?}");

    sink.reject_with(None);
    mailer
        .send(&sign_in_mail("https://x.example/?token=t"))
        .await
        .unwrap();
    assert_eq!(sink.wait_for(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn a_bad_recipient_is_permanent_and_no_server_is_retryable() {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::new(&sink.url(), "noreply@x.example").unwrap();
    let mut mail = sign_in_mail("https://x.example/?token=t");
    mail.to = "geen adres".into();
    assert!(matches!(
        mailer.send(&mail).await,
        Err(DeliveryError::Permanent(_))
    ));
    assert!(
        sink.commands().is_empty(),
        "nothing was sent: {:?}",
        sink.commands()
    );

    // A port nobody listens on: a connection error, retryable.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{closed}"), "noreply@x.example").unwrap();
    let err = mailer
        .send(&sign_in_mail("https://x.example/?token=t"))
        .await
        .unwrap_err();
    assert!(matches!(err, DeliveryError::Retryable { .. }), "{err:?}");
}
