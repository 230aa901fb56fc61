//! `serve --demo` shows service levels (issue #12): every open case has its target computed,
//! one promise to a customer is snoozed until tomorrow and one is overdue for the lead, and a
//! missed service level reached the escalations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use wederhoor_core::EscalationKind;
use wederhoor_store::Store;

#[tokio::test]
async fn the_demo_has_timers_a_snoozed_promise_and_an_overdue_one() {
    let dir = common::data_dir("demo-service-levels");
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    let target = Target {
        data_dir: dir.clone(),
        database_url: Some(url.clone()),
    };
    let _server = target.serve_with(&["--demo"]);
    let store = Store::open(&url).await.unwrap();

    assert!(
        store.cases_needing_due(10).await.unwrap().is_empty(),
        "every open case has its target"
    );
    let now = jiff::Timestamp::now().as_millisecond();
    let promises = store.promises(10).await.unwrap();
    assert_eq!(promises.len(), 2, "{promises:?}");
    assert!(promises.iter().any(|p| p.until <= now && p.note.is_some()));
    assert!(promises.iter().any(|p| p.until > now && p.note.is_some()));
    let escalations = store.escalations(false, 500).await.unwrap();
    assert!(
        escalations
            .iter()
            .any(|e| e.kind == EscalationKind::ServiceLevel),
        "a missed service level is escalated"
    );
}
