#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The auditor's page: admins read the audit log with filters and paging, see whether the hash
//! chain is intact, and export the selection as CSV; leads may not.

mod common;

use axum::http::StatusCode;
use common::spawn_app;
use wederhoor_core::Role;
use wederhoor_store::NewAgent;
use wederhoor_store::testing::{fresh_stores, tamper_audit_detail};

fn rows(html: &str) -> usize {
    html.matches("<tr class=\"audit-row\">").count()
}

#[tokio::test]
async fn admins_filter_page_verify_and_export_the_audit_log() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let t = spawn_app(backend, store).await;
        let b = t.backend;
        // 60 agents created by the admin: 60 `agent.create` entries with an actor.
        for i in 0..60 {
            t.store
                .create_agent(
                    &NewAgent {
                        username: format!("extra{i:02}"),
                        display_name: format!("Extra {i}"),
                        role: Role::Agent,
                        password_hash: "x".into(),
                    },
                    Some(t.admin.id),
                )
                .await
                .unwrap();
        }
        t.store.set_agent_disabled("extra00", true).await.unwrap();
        let bea = t.login_as(&t.admin).await;
        let lars = t.login_as(&t.lead).await;
        assert_eq!(
            t.get("/admin/audit", Some(&lars)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            t.get("/admin/audit.csv", Some(&lars)).await.status,
            StatusCode::FORBIDDEN
        );

        let all = t.get("/admin/audit", Some(&bea)).await;
        assert_eq!(all.status, StatusCode::OK, "{b}: {}", all.text());
        let html = all.text();
        assert!(html.contains("data-intact=\"1\""), "{b}");
        assert_eq!(rows(&html), 50, "{b}: one page");
        assert!(html.contains("id=\"audit-next\""));
        let second = t.get("/admin/audit?page=2", Some(&bea)).await.text();
        assert!(rows(&second) > 10, "{b}");
        assert!(second.contains("id=\"audit-prev\""));

        // By action, by actor, by period.
        let disabled = t
            .get("/admin/audit?action=agent.disable", Some(&bea))
            .await
            .text();
        assert_eq!(rows(&disabled), 1, "{b}");
        assert!(disabled.contains("extra00"));
        let by_bea = t
            .get("/admin/audit?actor=bea&action=agent.create", Some(&bea))
            .await
            .text();
        assert_eq!(rows(&by_bea), 50, "{b}");
        assert!(by_bea.contains("<span id=\"audit-total\">60</span>"), "{b}");
        let system = t
            .get("/admin/audit?actor=-&action=agent.create", Some(&bea))
            .await
            .text();
        // The three agents of the test app were created without an actor.
        assert!(system.contains("<span id=\"audit-total\">3</span>"), "{b}");
        let today = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap())
            .date();
        let tomorrow = today.tomorrow().unwrap();
        let yesterday = today.yesterday().unwrap();
        let future = t
            .get(&format!("/admin/audit?from={tomorrow}"), Some(&bea))
            .await
            .text();
        assert_eq!(rows(&future), 0, "{b}");
        let span = t
            .get(
                &format!("/admin/audit?from={yesterday}&until={today}&action=agent.disable"),
                Some(&bea),
            )
            .await
            .text();
        assert_eq!(rows(&span), 1, "{b}");
        let bad = t.get("/admin/audit?from=gisteren", Some(&bea)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{b}");

        // CSV of a selection: a header and one line per entry.
        let csv = t
            .get("/admin/audit.csv?actor=bea&action=agent.create", Some(&bea))
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.content_type().starts_with("text/csv"), "{b}");
        let text = csv.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "id,at,actor,action,object_kind,object_id,detail,hash"
        );
        assert_eq!(lines.len(), 61, "{b}");
        assert!(
            lines[1].contains(",bea,agent.create,agent,"),
            "{}",
            lines[1]
        );

        // Tampering shows on the page.
        let newest = t
            .store
            .audit_entries(&Default::default(), 1, 0)
            .await
            .unwrap()
            .0;
        let victim = newest[0].id - 5;
        tamper_audit_detail(&t.store, victim, "niets gebeurd")
            .await
            .unwrap();
        let html = t.get("/admin/audit", Some(&bea)).await.text();
        assert!(html.contains("data-intact=\"0\""), "{b}");
        assert!(html.contains(&format!("#{victim}")), "{b}");
    }
}
