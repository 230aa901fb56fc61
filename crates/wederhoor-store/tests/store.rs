//! The store suite: runs against SQLite always and PostgreSQL when WEDERHOOR_TEST_PG is set.
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
        topics: vec!["cards".into(), "fees".into()],
        priority: 1,
        verdict: Verdict {
            action,
            rule: "test-rule".into(),
            reason: "omdat".into(),
            confidence: 1.0,
        },
        evidence: vec!["geblokkeerd".into()],
    }
}

fn msg(id: &str, text: &str, reply_to: Option<&str>) -> ValidMessage {
    IncomingMessage {
        id: Some(id.into()),
        text: Some(text.into()),
        author: Some(IncomingAuthor {
            handle: Some("@klant".into()),
            name: Some("Klaas Klant".into()),
            followers: Some(10),
        }),
        in_reply_to: reply_to.map(str::to_owned),
        created_at: Some(format!("2026-11-2{}T10:00:00Z", id.len() % 5)),
        ..Default::default()
    }
    .parse(jiff::Timestamp::now())
    .unwrap()
}

async fn source(store: &Store) -> Source {
    store
        .create_source(&NewSource {
            kind: "webhook".into(),
            name: "Forum".into(),
            delivery_kind: DeliveryKind::Manual,
            delivery_url: None,
            delivery_secret: None,
        })
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn ingest_is_idempotent_and_threads_replies() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let s = source(&store).await;
        let batch = vec![
            (
                msg("a1", "Mijn pas is geblokkeerd", None),
                triage(Action::Respond),
            ),
            (
                msg("a2", "Nog steeds geblokkeerd!", Some("a1")),
                triage(Action::Escalate),
            ),
            (msg("b1", "Andere vraag", None), triage(Action::Ignore)),
            (
                msg("a1", "dubbel in dezelfde batch", None),
                triage(Action::Respond),
            ),
        ];
        let out = store.ingest_batch(s.id, &batch, None).await.unwrap();
        let conv = |o: &IngestOutcome| match o {
            IngestOutcome::Stored { conversation, .. } => *conversation,
            other => panic!("{backend}: expected stored, got {other:?}"),
        };
        assert_eq!(
            conv(&out[0]),
            conv(&out[1]),
            "{backend}: reply joins its parent's conversation"
        );
        assert_ne!(conv(&out[0]), conv(&out[2]), "{backend}");
        assert!(
            matches!(out[3], IngestOutcome::Duplicate { .. }),
            "{backend}: {:?}",
            out[3]
        );

        // A second run stores nothing new.
        let again = store.ingest_batch(s.id, &batch, None).await.unwrap();
        assert!(
            again
                .iter()
                .all(|o| matches!(o, IngestOutcome::Duplicate { .. })),
            "{backend}"
        );
        assert_eq!(store.message_count().await.unwrap(), 3, "{backend}");

        // A later batch continues the thread: a reply to a stored message, and a reply to
        // that reply within the same batch, both join the first conversation.
        let later = vec![
            (msg("a3", "Hallo?", Some("a2")), triage(Action::Respond)),
            (msg("a4", "Iemand??", Some("a3")), triage(Action::Escalate)),
        ];
        let out2 = store.ingest_batch(s.id, &later, None).await.unwrap();
        assert_eq!(conv(&out2[0]), conv(&out[0]), "{backend}");
        assert_eq!(conv(&out2[1]), conv(&out[0]), "{backend}");

        let detail = store.conversation(conv(&out[0])).await.unwrap().unwrap();
        assert_eq!(detail.messages.len(), 4, "{backend}");
        assert_eq!(detail.summary.message_count, 4, "{backend}");
        assert_eq!(
            detail.summary.verdict,
            Action::Escalate,
            "{backend}: newest message decides"
        );
        assert_eq!(detail.summary.topics, vec!["cards", "fees"], "{backend}");
        assert_eq!(detail.messages[0].rule, "test-rule", "{backend}");
        assert_eq!(
            detail.messages[0].evidence,
            vec!["geblokkeerd"],
            "{backend}"
        );
        assert_eq!(
            detail.summary.author_name.as_deref(),
            Some("Klaas Klant"),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn filters_and_counts_narrow_the_inbox() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let s = source(&store).await;
        let agent = store
            .create_agent(
                &NewAgent {
                    username: "sanne".into(),
                    display_name: "Sanne".into(),
                    role: Role::Agent,
                    password_hash: "x".into(),
                },
                None,
            )
            .await
            .unwrap();
        let batch: Vec<_> = (0..30)
            .map(|i| {
                let action = if i % 3 == 0 {
                    Action::Private
                } else {
                    Action::Respond
                };
                (msg(&format!("m{i}"), "tekst", None), triage(action))
            })
            .collect();
        let out = store.ingest_batch(s.id, &batch, None).await.unwrap();
        let IngestOutcome::Stored { conversation, .. } = out[0] else {
            panic!()
        };
        store
            .assign(conversation, Some(agent.id), agent.id)
            .await
            .unwrap();

        let all = ConversationFilter::default();
        let counts = store.count_conversations_by_verdict(&all).await.unwrap();
        let count = |a: Action| {
            counts
                .iter()
                .find(|c| c.verdict == a)
                .map_or(0, |c| c.count)
        };
        assert_eq!(
            (count(Action::Private), count(Action::Respond)),
            (10, 20),
            "{backend}"
        );

        let private = ConversationFilter {
            verdict: Some(Action::Private),
            ..Default::default()
        };
        let page = store.list_conversations(&private, 0, 50).await.unwrap();
        assert_eq!(page.len(), 10, "{backend}");
        assert!(
            page.iter().all(|c| c.verdict == Action::Private),
            "{backend}"
        );

        let mine = ConversationFilter {
            owner: Some(agent.id),
            ..Default::default()
        };
        let page = store.list_conversations(&mine, 0, 50).await.unwrap();
        assert_eq!(
            page.iter().map(|c| c.id).collect::<Vec<_>>(),
            vec![conversation],
            "{backend}"
        );
        assert_eq!(
            page[0].state,
            CaseState::Open,
            "{backend}: assigning opens a new case"
        );
        let unassigned = ConversationFilter {
            unassigned: true,
            ..Default::default()
        };
        assert_eq!(
            store
                .list_conversations(&unassigned, 0, 50)
                .await
                .unwrap()
                .len(),
            29,
            "{backend}"
        );

        let topic = ConversationFilter {
            topic: Some("fees".into()),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_conversations(&topic, 0, 100)
                .await
                .unwrap()
                .len(),
            30,
            "{backend}"
        );
        let topic = ConversationFilter {
            topic: Some("fee".into()),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_conversations(&topic, 0, 100)
                .await
                .unwrap()
                .len(),
            0,
            "{backend}"
        );

        // Pagination: pages do not overlap and together hold everything.
        let p1 = store.list_conversations(&all, 0, 20).await.unwrap();
        let p2 = store.list_conversations(&all, 20, 20).await.unwrap();
        assert_eq!((p1.len(), p2.len()), (20, 10), "{backend}");
        assert!(
            p1.iter().all(|a| p2.iter().all(|b| a.id != b.id)),
            "{backend}"
        );

        // A list page is one query however long it is.
        let before = store.query_count();
        store.list_conversations(&all, 0, 30).await.unwrap();
        assert_eq!(store.query_count() - before, 1, "{backend}");
    }
}

#[tokio::test]
async fn replies_go_through_the_outbox_with_an_audit_trail() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let s = source(&store).await;
        store
            .set_source_delivery(
                s.id,
                DeliveryKind::Webhook,
                Some("http://127.0.0.1:9/hook"),
                Some("geheim"),
            )
            .await
            .unwrap();
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
        let out = store
            .ingest_batch(
                s.id,
                &[(msg("q1", "Vraag", None), triage(Action::Respond))],
                None,
            )
            .await
            .unwrap();
        let IngestOutcome::Stored { conversation, .. } = out[0] else {
            panic!()
        };
        let reply = store
            .add_reply(conversation, agent.id, "Hoi, groet Mehmet")
            .await
            .unwrap();

        let due = store.due_replies(10).await.unwrap();
        assert_eq!(due.len(), 1, "{backend}");
        assert_eq!(due[0].reply, reply, "{backend}");
        assert_eq!(due[0].in_reply_to.as_deref(), Some("q1"), "{backend}");
        assert_eq!(
            store
                .conversation_summary(conversation)
                .await
                .unwrap()
                .unwrap()
                .state,
            CaseState::Waiting
        );

        // A failure with a retry time in the future leaves it queued but not due.
        let later = jiff::Timestamp::now().as_millisecond() + 60_000;
        store
            .mark_reply_failed(reply, "HTTP 503", Some(later))
            .await
            .unwrap();
        assert!(store.due_replies(10).await.unwrap().is_empty(), "{backend}");
        store
            .mark_reply_failed(reply, "HTTP 503", None)
            .await
            .unwrap();
        let d = store.conversation(conversation).await.unwrap().unwrap();
        assert_eq!(d.replies[0].state, DeliveryState::Failed, "{backend}");
        assert_eq!(d.replies[0].attempts, 2, "{backend}");
        assert_eq!(
            d.replies[0].last_error.as_deref(),
            Some("HTTP 503"),
            "{backend}"
        );

        store.retry_reply(reply, agent.id).await.unwrap();
        assert_eq!(store.due_replies(10).await.unwrap().len(), 1, "{backend}");
        store.mark_reply_sent(reply, None).await.unwrap();
        assert!(
            store.mark_reply_sent(reply, None).await.is_err(),
            "{backend}: sent once only"
        );

        let trail: Vec<String> = store
            .audit_of("reply", reply.0)
            .await
            .unwrap()
            .into_iter()
            .map(|(_, _, action, _)| action)
            .collect();
        assert_eq!(
            trail,
            vec![
                "reply.retry_later",
                "reply.failed",
                "reply.requeue",
                "reply.sent"
            ],
            "{backend}"
        );
    }
}

#[tokio::test]
async fn sessions_expire_with_a_new_password_and_tokens_are_hashed() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let agent = store
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
        let token = store.create_session(agent.id).await.unwrap();
        let session = store.session(&token).await.unwrap().unwrap();
        assert_eq!(session.agent.role, Role::Lead, "{backend}");
        assert!(
            store.session(&hash_token(&token)).await.unwrap().is_none(),
            "{backend}"
        );
        store.set_password("lisa", "y").await.unwrap();
        assert!(store.session(&token).await.unwrap().is_none(), "{backend}");
        let dup = NewAgent {
            username: "lisa".into(),
            display_name: "L".into(),
            role: Role::Agent,
            password_hash: "z".into(),
        };
        assert!(
            matches!(
                store.create_agent(&dup, None).await,
                Err(StoreError::Conflict(_))
            ),
            "{backend}"
        );
    }
}

/// The counts come from tallies kept by triggers; after every kind of change they must equal
/// what counting the listed conversations gives.
#[tokio::test]
async fn verdict_counts_follow_every_change() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let s = source(&store).await;
        let agent = store
            .create_agent(
                &NewAgent {
                    username: "joost".into(),
                    display_name: "Joost".into(),
                    role: Role::Agent,
                    password_hash: "x".into(),
                },
                None,
            )
            .await
            .unwrap();
        let actions = [
            Action::Respond,
            Action::Private,
            Action::Ignore,
            Action::Alert,
        ];
        let batch: Vec<_> = (0..40)
            .map(|i| (msg(&format!("t{i}"), "tekst", None), triage(actions[i % 4])))
            .collect();
        let out = store.ingest_batch(s.id, &batch, None).await.unwrap();
        let convs: Vec<ConversationId> = out
            .iter()
            .map(|o| match o {
                IngestOutcome::Stored { conversation, .. } => *conversation,
                other => panic!("{other:?}"),
            })
            .collect();
        for c in convs.iter().take(7) {
            store.assign(*c, Some(agent.id), agent.id).await.unwrap();
        }
        for c in convs.iter().skip(5).take(6) {
            store
                .set_state(*c, CaseState::Closed, agent.id)
                .await
                .unwrap();
        }
        store.assign(convs[0], None, agent.id).await.unwrap();
        // A reply in a thread changes the conversation's verdict.
        store
            .ingest_batch(
                s.id,
                &[(
                    msg("t0-re", "nog iets", Some("t0")),
                    triage(Action::Escalate),
                )],
                None,
            )
            .await
            .unwrap();

        let filters = [
            ConversationFilter::default(),
            ConversationFilter {
                state: Some(CaseState::Closed),
                ..Default::default()
            },
            ConversationFilter {
                state: Some(CaseState::Open),
                ..Default::default()
            },
            ConversationFilter {
                owner: Some(agent.id),
                ..Default::default()
            },
            ConversationFilter {
                unassigned: true,
                ..Default::default()
            },
            ConversationFilter {
                unassigned: true,
                state: Some(CaseState::New),
                ..Default::default()
            },
            ConversationFilter {
                source: Some(s.id),
                language: Some("nl".into()),
                ..Default::default()
            },
            ConversationFilter {
                topic: Some("cards".into()),
                owner: Some(agent.id),
                ..Default::default()
            },
        ];
        for f in filters {
            let listed = store.list_conversations(&f, 0, 1000).await.unwrap();
            let counts = store.count_conversations_by_verdict(&f).await.unwrap();
            for a in Action::ALL {
                let expected = listed.iter().filter(|c| c.verdict == *a).count() as i64;
                let got = counts
                    .iter()
                    .find(|c| c.verdict == *a)
                    .map_or(0, |c| c.count);
                assert_eq!(got, expected, "{backend}: {a} under {f:?}");
            }
        }
        // Spot check by hand: 7 assigned, then one unassigned again → 6 owned by Joost.
        let mine = ConversationFilter {
            owner: Some(agent.id),
            ..Default::default()
        };
        let total: i64 = store
            .count_conversations_by_verdict(&mine)
            .await
            .unwrap()
            .iter()
            .map(|c| c.count)
            .sum();
        assert_eq!(total, 6, "{backend}");
    }
}

/// Opening a store runs the migrations; opening it again applies nothing twice and keeps data.
#[tokio::test]
async fn reopening_applies_migrations_once_and_keeps_data() {
    let dir = std::env::temp_dir().join(format!("wederhoor-reopen-{}", &random_token()[..12]));
    std::fs::create_dir_all(&dir).unwrap();
    let mut urls = vec![("sqlite", format!("sqlite://{}", dir.join("w.db").display()))];
    if let Ok(base) = std::env::var("WEDERHOOR_TEST_PG") {
        urls.push((
            "postgres",
            wederhoor_store::testing::postgres_schema_url(&base)
                .await
                .unwrap(),
        ));
    }
    for (backend, url) in urls {
        let store = Store::open(&url).await.unwrap();
        assert_eq!(store.schema_version().await.unwrap(), 25, "{backend}");
        let s = source(&store).await;
        store
            .ingest_batch(
                s.id,
                &[(msg("r1", "blijft", None), triage(Action::Respond))],
                None,
            )
            .await
            .unwrap();
        drop(store);
        let again = Store::open(&url).await.unwrap();
        assert_eq!(again.schema_version().await.unwrap(), 25, "{backend}");
        assert_eq!(again.message_count().await.unwrap(), 1, "{backend}");
        let counts = again
            .count_conversations_by_verdict(&ConversationFilter::default())
            .await
            .unwrap();
        assert_eq!(
            counts.iter().map(|c| c.count).sum::<i64>(),
            1,
            "{backend}: tallies survive reopening"
        );
    }
}

/// A connector's checkpoint is stored with its batch; settings and health round-trip.
#[tokio::test]
async fn checkpoints_settings_and_health() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let s = source(&store).await;
        assert_eq!(store.checkpoint(s.id).await.unwrap(), None, "{backend}");
        let extras = BatchExtras {
            checkpoint: Some("etag-1".into()),
            matched_query: Some("pinpas".into()),
            ..BatchExtras::default()
        };
        let out = store
            .ingest_batch_with(
                s.id,
                &[(msg("c1", "pinpas kwijt", None), triage(Action::Respond))],
                None,
                &extras,
            )
            .await
            .unwrap();
        let IngestOutcome::Stored { message, .. } = out[0] else {
            panic!("{backend}")
        };
        assert_eq!(
            store.checkpoint(s.id).await.unwrap().as_deref(),
            Some("etag-1"),
            "{backend}"
        );
        assert_eq!(
            store.matched_queries(message).await.unwrap(),
            vec![(s.id, "pinpas".to_owned())],
            "{backend}"
        );
        // An empty batch can still move the checkpoint (a poll with nothing new).
        let extras = BatchExtras {
            checkpoint: Some("etag-2".into()),
            matched_query: None,
            ..BatchExtras::default()
        };
        store
            .ingest_batch_with(s.id, &[], None, &extras)
            .await
            .unwrap();
        assert_eq!(
            store.checkpoint(s.id).await.unwrap().as_deref(),
            Some("etag-2"),
            "{backend}"
        );

        let mut settings = SourceSettings::from(&s);
        settings.url = Some("https://blog.example/feed".into());
        settings.listening_query = Some("zuiderbank AND pinpas".into());
        settings.retention_days = Some(30);
        settings.owned = false;
        store
            .update_source_settings(s.id, &settings, None)
            .await
            .unwrap();
        let again = store.source(s.id).await.unwrap().unwrap();
        assert_eq!(SourceSettings::from(&again), settings, "{backend}");

        store.record_source_success(s.id, 3, 1).await.unwrap();
        assert_eq!(
            store.record_source_error(s.id, "HTTP 503").await.unwrap(),
            1,
            "{backend}"
        );
        assert_eq!(
            store.record_source_error(s.id, "HTTP 503").await.unwrap(),
            2,
            "{backend}"
        );
        let h = store.source_health().await.unwrap();
        assert_eq!(h.len(), 1, "{backend}");
        assert_eq!(
            (
                h[0].messages_total,
                h[0].skipped_total,
                h[0].consecutive_failures
            ),
            (3, 1, 2),
            "{backend}"
        );
        assert_eq!(h[0].last_error.as_deref(), Some("HTTP 503"), "{backend}");
        store.record_source_success(s.id, 0, 0).await.unwrap();
        assert_eq!(
            store.source_health().await.unwrap()[0].consecutive_failures,
            0,
            "{backend}"
        );
    }
}

/// Retention deletes old messages of non-owned sources (and conversations left empty), keeps
/// owned sources, recent messages and precedents' messages, and writes an audit entry.
#[tokio::test]
async fn retention_deletes_only_what_has_expired() {
    let aged = |id: &str, days_ago: i64, reply_to: Option<&str>| {
        let mut m = msg(id, "oud bericht", reply_to);
        m.created_at = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(24 * days_ago))
            .unwrap();
        m
    };
    for (backend, store) in fresh_stores().await.unwrap() {
        let listened = source(&store).await;
        let mut settings = SourceSettings::from(&listened);
        settings.owned = false;
        settings.retention_days = Some(30);
        store
            .update_source_settings(listened.id, &settings, None)
            .await
            .unwrap();
        let (owned, _) = store
            .create_source(&NewSource {
                kind: "webhook".into(),
                name: "Eigen account".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let batch = vec![
            (aged("a1", 60, None), triage(Action::Respond)),
            (aged("a2", 59, Some("a1")), triage(Action::Respond)),
            (aged("b1", 45, None), triage(Action::Respond)),
            (aged("b2", 1, Some("b1")), triage(Action::Respond)),
            (aged("c1", 2, None), triage(Action::Respond)),
        ];
        let out = store.ingest_batch(listened.id, &batch, None).await.unwrap();
        let conv = |o: &IngestOutcome| match o {
            IngestOutcome::Stored { conversation, .. } => *conversation,
            other => panic!("{other:?}"),
        };
        store
            .ingest_batch(
                owned.id,
                &[(aged("o1", 400, None), triage(Action::Respond))],
                None,
            )
            .await
            .unwrap();

        assert_eq!(
            store.apply_retention().await.unwrap(),
            3,
            "{backend}: a1, a2, b1"
        );
        assert!(
            store.conversation(conv(&out[0])).await.unwrap().is_none(),
            "{backend}: emptied conversation goes"
        );
        let b = store.conversation(conv(&out[2])).await.unwrap().unwrap();
        assert_eq!(
            (b.messages.len(), b.summary.message_count),
            (1, 1),
            "{backend}"
        );
        assert_eq!(
            store.message_count().await.unwrap(),
            3,
            "{backend}: b2, c1 and the owned o1 remain"
        );
        let counts = store
            .count_conversations_by_verdict(&ConversationFilter::default())
            .await
            .unwrap();
        assert_eq!(
            counts.iter().map(|c| c.count).sum::<i64>(),
            3,
            "{backend}: tallies follow deletions"
        );
        let trail = store.audit_of("source", listened.id.0).await.unwrap();
        assert!(
            trail
                .iter()
                .any(|(_, _, a, d)| a == "retention.delete" && d.starts_with("3 messages")),
            "{backend}"
        );
        assert_eq!(
            store.apply_retention().await.unwrap(),
            0,
            "{backend}: nothing left to delete"
        );
    }
}

#[tokio::test]
async fn concurrent_outbox_workers_claim_each_reply_once() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let s = source(&store).await;
        store
            .set_source_delivery(
                s.id,
                DeliveryKind::Webhook,
                Some("http://127.0.0.1:9/hook"),
                Some("geheim"),
            )
            .await
            .unwrap();
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
        let batch: Vec<_> = (0..30)
            .map(|i| {
                (
                    msg(&format!("c{i}"), "Vraag", None),
                    triage(Action::Respond),
                )
            })
            .collect();
        let mut replies = Vec::new();
        for o in store.ingest_batch(s.id, &batch, None).await.unwrap() {
            let IngestOutcome::Stored { conversation, .. } = o else {
                panic!()
            };
            replies.push(
                store
                    .add_reply(conversation, agent.id, "Antwoord")
                    .await
                    .unwrap(),
            );
        }
        // Three workers (think: three nodes) claim at the same moment.
        let mut tasks = Vec::new();
        for _ in 0..3 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.claim_due_replies(20, 60_000).await.unwrap()
            }));
        }
        let mut claimed = Vec::new();
        for t in tasks {
            claimed.extend(t.await.unwrap().into_iter().map(|i| i.reply));
        }
        claimed.sort();
        let mut unique = claimed.clone();
        unique.dedup();
        assert_eq!(claimed.len(), 30, "{backend}: every reply claimed");
        assert_eq!(unique.len(), 30, "{backend}: none claimed twice");
        // Claimed replies are not due for anyone else until the lease ends.
        assert!(
            store
                .claim_due_replies(20, 60_000)
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );
        assert!(store.due_replies(50).await.unwrap().is_empty());
        // A failed attempt with a retry time now makes it claimable again.
        store
            .mark_reply_failed(replies[0], "HTTP 503", Some(0))
            .await
            .unwrap();
        let again = store.claim_due_replies(20, 60_000).await.unwrap();
        assert_eq!(again.len(), 1, "{backend}");
        assert_eq!(again[0].reply, replies[0]);
        assert_eq!(again[0].attempts, 1);
    }
}

#[tokio::test]
async fn edits_and_deletions_by_the_author_are_kept_and_marked() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let s = source(&store).await;
        let out = store
            .ingest_batch(
                s.id,
                &[(
                    msg("e1", "Mijn pas werkt niet", None),
                    triage(Action::Respond),
                )],
                None,
            )
            .await
            .unwrap();
        let IngestOutcome::Stored { conversation, .. } = out[0] else {
            panic!()
        };
        let mut new_triage = triage(Action::Private);
        new_triage.pii = vec![PiiSpan {
            kind: PiiKind::Iban,
            start: 5,
            end: 23,
        }];
        let edited = store
            .edit_message(
                s.id,
                "e1",
                "Mijn NL91ABNA0417164300 werkt niet",
                &new_triage,
                Some(3),
            )
            .await
            .unwrap();
        assert_eq!(edited.map(|e| e.1), Some(conversation), "{backend}");
        let d = store.conversation(conversation).await.unwrap().unwrap();
        let m = &d.messages[0];
        assert_eq!(m.text, "Mijn NL91ABNA0417164300 werkt niet", "{backend}");
        assert!(m.edited_at.is_some() && m.deleted_at.is_none());
        assert_eq!(m.action, Action::Private, "{backend}: triaged again");
        assert_eq!(m.pii.len(), 1);
        assert!(
            store
                .mark_message_deleted(s.id, "e1")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .mark_message_deleted(s.id, "e1")
                .await
                .unwrap()
                .is_none(),
            "once"
        );
        assert!(
            store
                .mark_message_deleted(s.id, "onbekend")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .edit_message(s.id, "onbekend", "x", &new_triage, None)
                .await
                .unwrap()
                .is_none()
        );
        let d = store.conversation(conversation).await.unwrap().unwrap();
        assert!(
            d.messages[0].deleted_at.is_some(),
            "{backend}: kept, marked"
        );
    }
}

#[tokio::test]
async fn the_audit_chain_finds_a_changed_or_removed_entry() {
    use wederhoor_store::testing::{delete_audit_entry, tamper_audit_detail};
    for (backend, store) in fresh_stores().await.unwrap() {
        let (source, _) = store
            .create_source(&NewSource {
                kind: "rss".into(),
                name: "Keten".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        for _ in 0..4 {
            store.rotate_source_token(source.id, None).await.unwrap();
        }
        let ids: Vec<i64> = (1..=4).collect();
        assert_eq!(
            store.verify_audit_chain().await.unwrap(),
            AuditCheck::Intact {
                entries: 4,
                unchained: 0
            },
            "{backend}"
        );
        // A changed detail breaks that entry.
        tamper_audit_detail(&store, ids[1], "niets gebeurd")
            .await
            .unwrap();
        assert_eq!(
            store.verify_audit_chain().await.unwrap(),
            AuditCheck::Broken { id: ids[1] },
            "{backend}"
        );
        // Put back, the chain holds again; a removed entry breaks the one after it.
        tamper_audit_detail(&store, ids[1], "").await.unwrap();
        assert!(
            matches!(
                store.verify_audit_chain().await.unwrap(),
                AuditCheck::Intact { entries: 4, .. }
            ),
            "{backend}"
        );
        delete_audit_entry(&store, ids[2]).await.unwrap();
        assert_eq!(
            store.verify_audit_chain().await.unwrap(),
            AuditCheck::Broken { id: ids[3] },
            "{backend}"
        );
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("wederhoor-mode-{}", &random_token()[..12]));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("wederhoor.db");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.ping().await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a new database file");
    drop(store);
    // An existing file made by an older version (0644) is narrowed on the next start.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "an existing database file");
}

#[tokio::test]
async fn delivery_secrets_are_sealed_at_rest_and_old_plain_ones_resealed() {
    use wederhoor_store::testing::raw_source_secret;
    for (backend, plain_store) in fresh_stores().await.unwrap() {
        let key = [42u8; 32];
        // A secret written before encryption (a store without a key) is plain text.
        let (old, _) = plain_store
            .create_source(&NewSource {
                kind: "webhook".into(),
                name: "Oud".into(),
                delivery_kind: DeliveryKind::Webhook,
                delivery_url: Some("https://hook.example/r".into()),
                delivery_secret: Some("oud-geheim".into()),
            })
            .await
            .unwrap();
        assert_eq!(
            raw_source_secret(&plain_store, old.id.0)
                .await
                .unwrap()
                .as_deref(),
            Some("oud-geheim"),
            "{backend}"
        );
        let store = plain_store.clone().with_secret_key(key);
        // It still reads, and a new secret is sealed.
        assert_eq!(
            store.source_secret(old.id).await.unwrap().as_deref(),
            Some("oud-geheim"),
            "{backend}"
        );
        let (new, _) = store
            .create_source(&NewSource {
                kind: "mastodon".into(),
                name: "Nieuw".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: Some("mastodon-token-123".into()),
            })
            .await
            .unwrap();
        let raw = raw_source_secret(&store, new.id.0).await.unwrap().unwrap();
        assert!(
            raw.starts_with("v1:") && !raw.contains("mastodon-token"),
            "{backend}: {raw}"
        );
        assert_eq!(
            store.source_secret(new.id).await.unwrap().as_deref(),
            Some("mastodon-token-123"),
            "{backend}"
        );
        // Without the key, or with another, a sealed secret does not open.
        assert!(
            plain_store.source_secret(new.id).await.is_err(),
            "{backend}"
        );
        assert!(
            plain_store
                .clone()
                .with_secret_key([1u8; 32])
                .source_secret(new.id)
                .await
                .is_err(),
            "{backend}"
        );
        // The old plain value is sealed by the next write, and by `reseal_secrets`.
        assert_eq!(store.reseal_secrets().await.unwrap(), 1, "{backend}");
        let raw = raw_source_secret(&store, old.id.0).await.unwrap().unwrap();
        assert!(
            raw.starts_with("v1:") && !raw.contains("oud-geheim"),
            "{backend}"
        );
        assert_eq!(
            store.source_secret(old.id).await.unwrap().as_deref(),
            Some("oud-geheim"),
            "{backend}"
        );
        store
            .set_source_delivery(
                old.id,
                DeliveryKind::Webhook,
                Some("https://hook.example/r"),
                Some("nieuw"),
            )
            .await
            .unwrap();
        let raw = raw_source_secret(&store, old.id.0).await.unwrap().unwrap();
        assert!(
            raw.starts_with("v1:") && !raw.contains("nieuw"),
            "{backend}"
        );
        assert_eq!(store.reseal_secrets().await.unwrap(), 0, "{backend}");
    }
}

#[tokio::test]
async fn the_search_index_follows_edits_deletions_and_masks_personal_data() {
    let find = |words: &str| SearchFilter {
        terms: index_terms(words).split(' ').map(str::to_owned).collect(),
        ..SearchFilter::default()
    };
    for (backend, store) in fresh_stores().await.unwrap() {
        let s = source(&store).await;
        store
            .ingest_batch(
                s.id,
                &[
                    (
                        msg("z1", "Mijn betaling werkt niet", None),
                        triage(Action::Respond),
                    ),
                    (
                        msg("z2", "Storing bij het pinnen", None),
                        triage(Action::Respond),
                    ),
                ],
                None,
            )
            .await
            .unwrap();
        assert_eq!(store.search_documents().await.unwrap(), 2, "{backend}");
        let hits = store.search(&find("betalingen"), 0, 10).await.unwrap();
        assert_eq!(hits.len(), 1, "{backend}");
        assert_eq!(hits[0].author_name.as_deref(), Some("Klaas Klant"));
        assert_eq!(hits[0].kind, HitKind::Message);

        // An edit: the new words are found, the old ones no longer; personal data masked.
        let mut new_triage = triage(Action::Private);
        new_triage.pii = vec![PiiSpan {
            kind: PiiKind::Iban,
            start: 5,
            end: 23,
        }];
        store
            .edit_message(
                s.id,
                "z1",
                "Mijn NL91ABNA0417164300 overboeking",
                &new_triage,
                None,
            )
            .await
            .unwrap()
            .unwrap();
        assert!(
            store
                .search(&find("betaling"), 0, 10)
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );
        let hits = store.search(&find("overboekingen"), 0, 10).await.unwrap();
        assert_eq!(hits.len(), 1, "{backend}");
        assert!(
            !hits[0].text.contains("NL91ABNA"),
            "{backend}: {}",
            hits[0].text
        );
        assert_eq!(store.search_documents().await.unwrap(), 2, "{backend}");

        // Withdrawn by its author: no longer found.
        store
            .mark_message_deleted(s.id, "z2")
            .await
            .unwrap()
            .unwrap();
        assert!(
            store
                .search(&find("storing"), 0, 10)
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );
        assert_eq!(store.search_documents().await.unwrap(), 1, "{backend}");
    }
}
