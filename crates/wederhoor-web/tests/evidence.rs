//! The inbox shows why a rule fired: the rule's terms found in the message are marked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[tokio::test]
async fn the_conversation_marks_the_terms_of_the_winning_rule() {
    for t in spawn_apps().await {
        let b = t.backend;
        let report = t
            .ingest_ok(&msg(
                "e1",
                "Zuiderbank hoofdsponsor van het WK korfbal, de koers stijgt",
            ))
            .await;
        let conv = conversation_of(&report["results"][0]);
        let detail = t.detail(conv).await;
        assert_eq!(detail.messages[0].rule, "sponsoring-koers-negeren", "{b}");
        assert_eq!(
            detail.messages[0].evidence,
            vec!["hoofdsponsor", "koers"],
            "{b}"
        );
        let s = t.login_as(&t.agent).await;
        let page = t.get(&format!("/c/{conv}"), Some(&s)).await;
        let html = page.text();
        assert!(
            html.contains(r#"<mark class="evidence" title="Gevonden">hoofdsponsor</mark>"#),
            "{b}: {html}"
        );
        assert!(
            html.contains(r#"<mark class="evidence" title="Gevonden">koers</mark>"#),
            "{b}"
        );
    }
}
