//! Export and erasure per person, on SQLite always and PostgreSQL when WEDERHOOR_TEST_PG is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use wederhoor_core::*;
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::*;

fn triage(action: Action) -> Triage {
    Triage {
        language: "nl".into(),
        sentiment: Sentiment {
            label: SentimentLabel::Negative,
            score: -0.4,
        },
        abusive: false,
        pii: vec![],
        topics: vec!["cards".into()],
        priority: 1,
        verdict: Verdict {
            action,
            rule: "test-rule".into(),
            reason: "omdat".into(),
            confidence: 1.0,
        },
        evidence: vec![],
    }
}

fn msg(id: &str, handle: &str, minute: u32, text: &str, reply_to: Option<&str>) -> ValidMessage {
    IncomingMessage {
        id: Some(id.into()),
        text: Some(text.into()),
        author: Some(IncomingAuthor {
            handle: Some(handle.into()),
            name: Some(format!("Naam van {handle}")),
            followers: Some(42),
        }),
        in_reply_to: reply_to.map(str::to_owned),
        created_at: Some(format!("2026-11-20T10:{minute:02}:00Z")),
        ..Default::default()
    }
    .parse(jiff::Timestamp::now())
    .unwrap()
}

fn conv(o: &IngestOutcome) -> ConversationId {
    match o {
        IngestOutcome::Stored { conversation, .. } => *conversation,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_person_is_exported_and_erased_and_nobody_else() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let (s, _) = store
            .create_source(&NewSource {
                kind: "webhook".into(),
                name: "Forum".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let lead = store
            .create_agent(
                &NewAgent {
                    username: "lisa".into(),
                    display_name: "Lisa".into(),
                    role: Role::Lead,
                    password_hash: "x".into(),
                },
                None,
            )
            .await
            .unwrap();
        // c1: only Klaas (in review, decided: a precedent on his message), with a reply and a note.
        // c2: Anna starts, Klaas answers. c3: only Anna. c4: Klaas starts, Anna answers.
        let batch = vec![
            (
                msg("a1", "@klaas", 1, "Klaas geheim één", None),
                triage(Action::Review),
            ),
            (
                msg("b1", "@anna", 2, "Anna begint", None),
                triage(Action::Respond),
            ),
            (
                msg("a2", "@klaas", 3, "Klaas geheim twee", Some("b1")),
                triage(Action::Respond),
            ),
            (
                msg("b2", "@anna", 4, "Anna alleen", None),
                triage(Action::Respond),
            ),
            (
                msg("a3", "@klaas", 5, "Klaas geheim drie", None),
                triage(Action::Private),
            ),
            (
                msg("b3", "@anna", 6, "Anna antwoordt", Some("a3")),
                triage(Action::Private),
            ),
        ];
        let out = store.ingest_batch(s.id, &batch, None).await.unwrap();
        let (c1, c2, c3, c4) = (conv(&out[0]), conv(&out[1]), conv(&out[3]), conv(&out[4]));
        assert_eq!(conv(&out[2]), c2, "{backend}");
        assert_eq!(conv(&out[5]), c4, "{backend}");
        store
            .decide_review(c1, Action::Private, "besloten", lead.id)
            .await
            .unwrap();
        store.add_reply(c1, lead.id, "Wij helpen u").await.unwrap();
        store.add_note(c1, lead.id, "notitie één").await.unwrap();
        store.add_note(c2, lead.id, "notitie twee").await.unwrap();
        // A printed card for Klaas: his postal address is his personal data.
        let requested = store
            .request_printed_card(&wederhoor_store::NewPrintedCard {
                conversation: c1,
                agent: lead.id,
                template: "thanks",
                line: "Bedankt voor je geduld",
                recipient: "Klaas Klant",
                address: "Kerkstraat 1\n1234 AB Dorp",
                cost_cents: 250,
                month_start: 0,
                month_end: i64::MAX,
                budget_cents: 1_000,
                now: 1,
            })
            .await
            .unwrap();
        assert!(
            matches!(requested, wederhoor_store::PrintedRequest::Requested(_)),
            "{backend}"
        );

        let export = store.person_export(s.id, "@klaas").await.unwrap();
        assert_eq!(export.printed_cards.len(), 1, "{backend}");
        assert_eq!(
            export.printed_cards[0].address.as_deref(),
            Some("Kerkstraat 1\n1234 AB Dorp"),
            "{backend}"
        );
        assert_eq!(export.authors.len(), 1, "{backend}");
        assert_eq!(
            export.authors[0].name.as_deref(),
            Some("Naam van @klaas"),
            "{backend}"
        );
        let mut texts: Vec<&str> = export
            .messages
            .iter()
            .map(|m| m.message.text.as_str())
            .collect();
        texts.sort_unstable();
        assert_eq!(
            texts,
            ["Klaas geheim drie", "Klaas geheim twee", "Klaas geheim één"],
            "{backend}"
        );
        let ids: Vec<ConversationId> = export.conversations.iter().map(|c| c.id).collect();
        assert_eq!(ids, [c1, c2, c4], "{backend}");
        assert_eq!(export.conversations[0].replies.len(), 1, "{backend}");
        assert_eq!(export.conversations[0].notes.len(), 1, "{backend}");
        assert_eq!(export.precedents.len(), 1, "{backend}");
        let json = serde_json::to_string(&export).unwrap();
        assert!(!json.contains("Anna"), "{backend}: no one else's data");

        let report = store
            .person_erase(s.id, "@klaas", Some(lead.id), "verzoek van de klant")
            .await
            .unwrap();
        assert_eq!(
            report,
            ErasureReport {
                authors_anonymised: 1,
                printed_cards_deleted: 1,
                messages_deleted: 3,
                conversations_deleted: 1,
                conversations_updated: 2,
                replies_deleted: 1,
                notes_deleted: 1,
                precedents_deleted: 1,
                conversations: vec![c1, c2, c4],
            },
            "{backend}"
        );
        assert!(store.conversation(c1).await.unwrap().is_none(), "{backend}");
        let d2 = store.conversation(c2).await.unwrap().unwrap();
        assert_eq!(
            (d2.messages.len(), d2.summary.message_count, d2.notes.len()),
            (1, 1, 1),
            "{backend}"
        );
        let d4 = store.conversation(c4).await.unwrap().unwrap();
        assert_eq!(d4.summary.message_count, 1, "{backend}");
        assert_eq!(d4.summary.snippet, "Anna antwoordt", "{backend}");
        assert!(
            d4.summary
                .author_handle
                .as_deref()
                .is_some_and(|h| h.starts_with("erased-")),
            "{backend}: the author row is anonymised"
        );
        assert_eq!(d4.summary.author_name, None, "{backend}");
        assert_eq!(
            store
                .conversation(c3)
                .await
                .unwrap()
                .unwrap()
                .messages
                .len(),
            1,
            "{backend}"
        );
        assert_eq!(store.message_count().await.unwrap(), 3, "{backend}");
        let anna = store.person_export(s.id, "@anna").await.unwrap();
        assert_eq!(anna.messages.len(), 3, "{backend}: Anna keeps everything");

        let counts = store
            .count_conversations_by_verdict(&ConversationFilter::default())
            .await
            .unwrap();
        let count = |a: Action| {
            counts
                .iter()
                .find(|c| c.verdict == a)
                .map_or(0, |c| c.count)
        };
        assert_eq!(
            (count(Action::Respond), count(Action::Private)),
            (2, 1),
            "{backend}: tallies follow the remaining conversations (c2, c3; c4)"
        );
        assert_eq!(counts.iter().map(|c| c.count).sum::<i64>(), 3, "{backend}");

        let author = export.authors[0].id;
        let trail = store.audit_of("author", author).await.unwrap();
        let erase = trail
            .iter()
            .find(|(_, _, a, _)| a == "person.erase")
            .expect("audited");
        assert!(erase.3.contains("3 messages"), "{backend}: {}", erase.3);
        assert!(!erase.3.contains("geheim"), "{backend}: no content");
        assert!(!erase.3.contains("klaas"), "{backend}: no handle");
        assert_eq!(erase.1.as_deref(), Some("Lisa"), "{backend}");
        let precedent = export.precedents[0].id;
        let trail = store.audit_of("precedent", precedent).await.unwrap();
        assert!(
            trail.iter().any(|(_, _, a, _)| a == "precedent.erase"),
            "{backend}: the precedent leaves an audit line"
        );

        let again = store
            .person_erase(s.id, "@klaas", Some(lead.id), "nog eens")
            .await
            .unwrap();
        assert!(again.nothing_erased(), "{backend}: {again:?}");
        assert!(
            store
                .person_export(s.id, "@klaas")
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn an_export_carries_the_persons_attachments_with_their_bytes() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let (s, _) = store
            .create_source(&NewSource {
                kind: "email".into(),
                name: "Mailbox".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let extras = BatchExtras {
            attachments: vec![
                NewAttachment {
                    external_id: "mail-1".into(),
                    filename: "afschrift.pdf".into(),
                    content_type: "application/pdf".into(),
                    size: 5,
                    content: Some(b"%PDF-".to_vec()),
                },
                NewAttachment {
                    external_id: "mail-1".into(),
                    filename: "groot.zip".into(),
                    content_type: "application/zip".into(),
                    size: 99_000_000,
                    content: None,
                },
            ],
            ..Default::default()
        };
        store
            .ingest_batch_with(
                s.id,
                &[
                    (
                        msg("mail-1", "klaas@voorbeeld.nl", 1, "Zie bijlage", None),
                        triage(Action::Respond),
                    ),
                    (
                        msg("mail-2", "anna@voorbeeld.nl", 2, "Andere mail", None),
                        triage(Action::Respond),
                    ),
                ],
                None,
                &extras,
            )
            .await
            .unwrap();
        let export = store
            .person_export(s.id, "klaas@voorbeeld.nl")
            .await
            .unwrap();
        assert_eq!(export.attachments.len(), 2, "{backend}");
        let pdf = &export.attachments[0];
        assert_eq!(pdf.filename, "afschrift.pdf");
        // base64 of "%PDF-", worked out by hand: "JVBERi0=".
        assert_eq!(pdf.content_base64.as_deref(), Some("JVBERi0="), "{backend}");
        assert_eq!(
            export.attachments[1].content_base64, None,
            "too large: recorded without bytes"
        );
        let anna = store
            .person_export(s.id, "anna@voorbeeld.nl")
            .await
            .unwrap();
        assert!(anna.attachments.is_empty(), "{backend}");
    }
}
