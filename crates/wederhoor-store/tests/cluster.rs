//! Several nodes on one database: migrations under a lock, source leases, active versions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use wederhoor_core::DeliveryKind;
use wederhoor_store::testing::{fresh_stores, postgres_schema_url};
use wederhoor_store::{ActiveVersions, NewSource, Store};

/// Three nodes start at once on an empty PostgreSQL schema: every one opens its store (the
/// migrations run once, one node after the other, under the advisory lock) and sees the whole
/// schema. Without the lock, concurrent `CREATE TABLE` / `CREATE OR REPLACE FUNCTION` fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_stores_open_at_once_on_an_empty_postgres_schema() {
    let Ok(base) = std::env::var("WEDERHOOR_TEST_PG") else {
        eprintln!("WEDERHOOR_TEST_PG is not set: the concurrent-start test is skipped");
        return;
    };
    for round in 0..3 {
        let url = postgres_schema_url(&base).await.unwrap();
        let (a, b, c) = tokio::join!(Store::open(&url), Store::open(&url), Store::open(&url));
        let stores: Vec<Store> = [a, b, c]
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.unwrap_or_else(|e| panic!("round {round}: node {i} failed: {e}")))
            .collect();
        let versions: Vec<i64> = futures_versions(&stores).await;
        assert!(
            versions.iter().all(|v| *v == versions[0] && *v >= 7),
            "{versions:?}"
        );
        // The schema works from every node: one writes, the others read.
        let (source, _) = stores[0].create_source(&new_source("Forum")).await.unwrap();
        for s in &stores[1..] {
            assert_eq!(
                s.source_by_name("Forum").await.unwrap().map(|x| x.id),
                Some(source.id)
            );
        }
    }
}

async fn futures_versions(stores: &[Store]) -> Vec<i64> {
    let mut out = Vec::new();
    for s in stores {
        out.push(s.schema_version().await.unwrap());
    }
    out
}

fn new_source(name: &str) -> NewSource {
    NewSource {
        kind: "rss".into(),
        name: name.into(),
        delivery_kind: DeliveryKind::Manual,
        delivery_url: None,
        delivery_secret: None,
    }
}

#[tokio::test]
async fn a_source_lease_has_one_holder_until_it_expires_or_is_released() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let (source, _) = store.create_source(&new_source("Blog")).await.unwrap();
        let (other, _) = store.create_source(&new_source("Nieuws")).await.unwrap();
        let t0 = 1_800_000_000_000i64;
        let ttl = 30_000;
        assert!(
            store
                .claim_source_lease_at(source.id, "a", t0, ttl)
                .await
                .unwrap(),
            "{backend}"
        );
        // Held by a: b cannot take it, not even a millisecond before it expires.
        assert!(
            !store
                .claim_source_lease_at(source.id, "b", t0 + 1, ttl)
                .await
                .unwrap(),
            "{backend}"
        );
        assert!(
            !store
                .claim_source_lease_at(source.id, "b", t0 + ttl, ttl)
                .await
                .unwrap(),
            "{backend}"
        );
        // a renews: the expiry moves on, so b still cannot take it at the old expiry.
        assert!(
            store
                .claim_source_lease_at(source.id, "a", t0 + 10_000, ttl)
                .await
                .unwrap(),
            "{backend}"
        );
        assert_eq!(
            store.source_lease(source.id).await.unwrap(),
            Some(("a".into(), t0 + 10_000 + ttl))
        );
        assert!(
            !store
                .claim_source_lease_at(source.id, "b", t0 + ttl + 1, ttl)
                .await
                .unwrap(),
            "{backend}"
        );
        // a stops renewing: once expired, b takes it, and then a cannot take it back.
        let later = t0 + 10_000 + ttl + 1;
        assert!(
            store
                .claim_source_lease_at(source.id, "b", later, ttl)
                .await
                .unwrap(),
            "{backend}"
        );
        assert!(
            !store
                .claim_source_lease_at(source.id, "a", later + 1, ttl)
                .await
                .unwrap(),
            "{backend}"
        );
        assert_eq!(
            store.source_lease(source.id).await.unwrap().map(|l| l.0),
            Some("b".into())
        );
        // Leases are per source.
        assert!(
            store
                .claim_source_lease_at(other.id, "a", later, ttl)
                .await
                .unwrap(),
            "{backend}"
        );
        // b stops cleanly: its leases go at once, a's stay.
        assert!(
            !store.release_source_lease(other.id, "b").await.unwrap(),
            "{backend}"
        );
        assert!(
            store.release_source_lease(source.id, "b").await.unwrap(),
            "{backend}"
        );
        assert!(
            store
                .claim_source_lease_at(source.id, "a", later + 2, ttl)
                .await
                .unwrap(),
            "{backend}"
        );
        assert_eq!(
            store.source_lease(other.id).await.unwrap().map(|l| l.0),
            Some("a".into())
        );
    }
}

/// Many claimants race for one free lease at once: exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_have_one_winner() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let (source, _) = store.create_source(&new_source("Blog")).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .claim_source_lease(
                        source.id,
                        &format!("node-{i}"),
                        std::time::Duration::from_secs(30),
                    )
                    .await
                    .unwrap()
            }));
        }
        let mut winners = 0;
        for t in tasks {
            winners += usize::from(t.await.unwrap());
        }
        assert_eq!(winners, 1, "{backend}");
    }
}

#[tokio::test]
async fn active_versions_follow_a_rules_save() {
    for (backend, store) in fresh_stores().await.unwrap() {
        assert_eq!(
            store.active_versions().await.unwrap(),
            ActiveVersions::default(),
            "{backend}"
        );
        let v1 = store.save_rules_version("", None, "een").await.unwrap();
        assert_eq!(
            store.active_versions().await.unwrap().rules,
            Some(v1),
            "{backend}"
        );
        let v2 = store.save_rules_version("", None, "twee").await.unwrap();
        assert_eq!(
            store.active_versions().await.unwrap(),
            ActiveVersions {
                rules: Some(v2),
                model: None
            },
            "{backend}"
        );
    }
}
