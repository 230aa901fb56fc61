//! The ingest use case through its own interface, on every store: JSON and connector batches,
//! what is announced, and the checkpoint stored with the batch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex, RwLock};
use wederhoor_app::ingest::{Batch, Ingest, ItemResult, ingest_batch};
use wederhoor_app::{ActiveRules, Change, Events, IngestTally};
use wederhoor_core::{ConversationId, DeliveryKind, IncomingMessage};
use wederhoor_listen::Sink;
use wederhoor_store::NewSource;
use wederhoor_store::testing::fresh_stores;

#[derive(Default)]
struct Recorded {
    changed: Mutex<Vec<(ConversationId, Change)>>,
    tallies: Mutex<Vec<IngestTally>>,
}

impl Events for Recorded {
    fn changed(&self, conversation: ConversationId, change: Change) {
        self.changed.lock().unwrap().push((conversation, change));
    }
    fn ingested(&self, tally: IngestTally) {
        self.tallies.lock().unwrap().push(tally);
    }
}

fn rules() -> ActiveRules {
    ActiveRules {
        engine: wederhoor_triage::Engine::new(
            wederhoor_triage::DEFAULT_RULES,
            wederhoor_triage::Brand::demo(),
        )
        .unwrap(),
        version: None,
    }
}

#[tokio::test]
async fn a_json_batch_is_checked_triaged_stored_and_announced_once_per_conversation() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let (source, _) = store
            .create_source(&NewSource {
                kind: "forum".into(),
                name: "Forum".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let events = Recorded::default();
        let rules = rules();
        let ctx = Ingest {
            store: &store,
            rules: &rules,
            events: &events,
            alerts: None,
            reach: &wederhoor_app::ingest::ReachPolicy::default(),
            escalations: &wederhoor_app::escalations::EscalationPolicy::default(),
        };
        let batch = Batch::Json(vec![
            serde_json::json!({"id": "a1", "text": "Mijn pas is geblokkeerd", "author": {"handle": "@klaas"}}),
            serde_json::json!({"id": "a2", "text": "Nog steeds geblokkeerd", "author": {"handle": "@klaas"}, "in_reply_to": "a1"}),
            serde_json::json!({"id": "a3", "author": {"handle": "@piet"}}),
        ]);
        let report = ingest_batch(&ctx, &source, batch).await.unwrap();
        assert_eq!(
            (report.stored, report.duplicates, report.rejected),
            (2, 0, 1),
            "{backend}"
        );
        assert!(
            matches!(report.results[2], ItemResult::Rejected { .. }),
            "{backend}"
        );
        let conversation = match report.results[0] {
            ItemResult::Stored { conversation, .. } => conversation,
            ref other => panic!("{backend}: {other:?}"),
        };
        // The reply joined the thread: one conversation, announced once.
        assert_eq!(
            *events.changed.lock().unwrap(),
            vec![(conversation, Change::Message)],
            "{backend}"
        );
        // Stored with a verdict from the rules.
        let detail = store.conversation(conversation).await.unwrap().unwrap();
        assert_eq!(detail.messages.len(), 2, "{backend}");
        assert!(!detail.messages[0].rule.is_empty(), "{backend}");
        // Sent again: duplicates, nothing announced.
        let again = ingest_batch(
            &ctx,
            &source,
            Batch::Json(vec![serde_json::json!({"id": "a1", "text": "Mijn pas is geblokkeerd", "author": {"handle": "@klaas"}})]),
        )
        .await
        .unwrap();
        assert_eq!((again.stored, again.duplicates), (0, 1), "{backend}");
        assert_eq!(events.changed.lock().unwrap().len(), 1, "{backend}");
        assert_eq!(
            *events.tallies.lock().unwrap(),
            vec![
                IngestTally {
                    stored: 2,
                    duplicates: 0,
                    rejected: 1
                },
                IngestTally {
                    stored: 0,
                    duplicates: 1,
                    rejected: 0
                }
            ],
            "{backend}"
        );
    }
}

/// The connectors' sink is the same use case: messages and checkpoint in one go, triaged with
/// the rules active at that moment (a swapped rules value is used by the next batch).
#[tokio::test]
async fn the_connector_sink_stores_with_the_checkpoint_and_the_current_rules() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let (source, _) = store
            .create_source(&NewSource {
                kind: "rss".into(),
                name: "Blog".into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await
            .unwrap();
        let events = Arc::new(Recorded::default());
        let shared = Arc::new(RwLock::new(rules()));
        let sink = wederhoor_app::ingest::ConnectorSink::new(
            store.clone(),
            shared.clone(),
            events.clone(),
        );
        let now = jiff::Timestamp::now();
        let message = |id: &str| {
            IncomingMessage {
                id: Some(id.into()),
                text: Some("Wat is een blauwvoetalarm?".into()),
                author: Some(wederhoor_core::IncomingAuthor {
                    handle: Some("@lezer".into()),
                    name: None,
                    followers: None,
                }),
                ..Default::default()
            }
            .parse(now)
            .unwrap()
        };
        let report = sink
            .store(&source, vec![message("b1")], Some("etag-1".into()), None)
            .await
            .unwrap();
        assert_eq!((report.stored, report.duplicates), (1, 0), "{backend}");
        assert_eq!(
            store.checkpoint(source.id).await.unwrap().as_deref(),
            Some("etag-1"),
            "{backend}"
        );
        // New rules with a rule for the word: the next batch is judged by them.
        let with_rule = format!(
            "{}\n[[rule]]\nid = \"blauwvoet\"\naction = \"alert\"\nreason = \"Test.\"\nwhen = {{ phrase = \"blauwvoetalarm\" }}\n",
            wederhoor_triage::DEFAULT_RULES
        );
        *shared.write().unwrap() = ActiveRules {
            engine: wederhoor_triage::Engine::new(&with_rule, wederhoor_triage::Brand::demo())
                .unwrap(),
            version: Some(9),
        };
        sink.store(&source, vec![message("b2")], Some("etag-2".into()), None)
            .await
            .unwrap();
        assert_eq!(
            store.checkpoint(source.id).await.unwrap().as_deref(),
            Some("etag-2"),
            "{backend}"
        );
        let changed = events.changed.lock().unwrap().clone();
        assert_eq!(changed.len(), 2, "{backend}");
        let last = store.conversation(changed[1].0).await.unwrap().unwrap();
        assert_eq!(last.messages.last().unwrap().rule, "blauwvoet", "{backend}");
        let first = store.conversation(changed[0].0).await.unwrap().unwrap();
        assert_ne!(
            first.messages.last().unwrap().rule,
            "blauwvoet",
            "{backend}"
        );
    }
}
