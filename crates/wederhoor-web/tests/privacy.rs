//! The privacy page: look a person up, download their data, erase it (leads and admins only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::{StatusCode, header};
use common::*;
use serde_json::json;

#[tokio::test]
async fn leads_export_and_erase_a_person_and_agents_cannot() {
    for t in spawn_apps().await {
        let b = t.backend;
        let other = |id: &str, text: &str| json!({ "id": id, "text": text, "author": { "handle": "@ander", "name": "Olga Ander" } });
        t.ingest_ok(&json!([
            msg("k1", "Mijn pas is geblokkeerd, geheim verhaal"),
            msg("k2", "Nog steeds geblokkeerd, geheim"),
            other("o1", "Ik heb ook een vraag over mijn pas"),
        ]))
        .await;
        let source = t.source.id.0.to_string();
        let person = format!("/privacy?source={source}&handle=%40klant");

        let agent = t.login_as(&t.agent).await;
        assert_eq!(
            t.get("/privacy", Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        assert_eq!(
            t.get(
                &format!("/privacy/export?source={source}&handle=%40klant"),
                Some(&agent)
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let erase_fields = |s: &Session| {
            vec![
                ("csrf".to_owned(), s.csrf.clone()),
                ("source".to_owned(), source.clone()),
                ("handle".to_owned(), "@klant".to_owned()),
                ("confirm".to_owned(), "@klant".to_owned()),
                ("reason".to_owned(), "verzoek".to_owned()),
            ]
        };
        let post = |s: Session, fields: Vec<(String, String)>| {
            let t = &t;
            async move {
                let f: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                t.post_form("/privacy/erase", Some(&s), &f).await
            }
        };
        let r = post(agent.clone(), erase_fields(&agent)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(t.message_count().await, 3, "{b}");

        let lead = t.login_as(&t.lead).await;
        let home = t.get("/inbox", Some(&lead)).await.text();
        assert!(home.contains("href=\"/privacy\""), "{b}: header link");
        let page = t.get(&person, Some(&lead)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert!(html.contains("id=\"person-messages\">2<"), "{b}: {html}");
        assert!(html.contains("Mijn pas is geblokkeerd"), "{b}");
        assert!(!html.contains("Olga"), "{b}: nobody else");

        let export = t
            .get(
                &format!("/privacy/export?source={source}&handle=%40klant"),
                Some(&lead),
            )
            .await;
        assert_eq!(export.status, StatusCode::OK, "{b}");
        assert!(export.content_type().starts_with("application/json"), "{b}");
        let disposition = export.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(disposition.starts_with("attachment"), "{b}: {disposition}");
        let json = export.json();
        let texts: Vec<&str> = json["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts.len(), 2, "{b}: {json}");
        assert!(texts.contains(&"Nog steeds geblokkeerd, geheim"), "{b}");
        assert_eq!(json["authors"][0]["name"], "Klaas Klant", "{b}");
        let author = json["authors"][0]["id"].as_i64().unwrap();
        let trail = t.store.audit_of("author", author).await.unwrap();
        assert!(
            trail.iter().any(|(_, _, a, _)| a == "person.export"),
            "{b}: the export is audited"
        );

        // No CSRF token: refused, nothing deleted.
        let mut no_csrf = erase_fields(&lead);
        no_csrf.retain(|(k, _)| k != "csrf");
        let r = post(lead.clone(), no_csrf).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(t.message_count().await, 3, "{b}");

        // The confirmation does not match: 422, nothing deleted.
        let mut wrong = erase_fields(&lead);
        wrong[3].1 = "@klan".to_owned();
        let r = post(lead.clone(), wrong).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("id=\"form-error\""), "{b}");
        assert_eq!(t.message_count().await, 3, "{b}");

        // Confirmed: erased, with the counts shown.
        let r = post(lead.clone(), erase_fields(&lead)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert!(
            r.text().contains("id=\"erased-messages\">2<"),
            "{b}: {}",
            r.text()
        );
        assert_eq!(t.message_count().await, 1, "{b}: the other person's stays");
        let json = t
            .get(
                &format!("/privacy/export?source={source}&handle=%40klant"),
                Some(&lead),
            )
            .await
            .json();
        assert_eq!(json["messages"].as_array().unwrap().len(), 0, "{b}");
        let trail = t.store.audit_of("author", author).await.unwrap();
        let erase = trail
            .iter()
            .find(|(_, _, a, _)| a == "person.erase")
            .unwrap();
        assert_eq!(erase.1.as_deref(), Some("Lars Lead"), "{b}");
        assert!(!erase.3.contains("geheim"), "{b}");

        // Admins may use the page as well.
        let admin = t.login_as(&t.admin).await;
        assert_eq!(
            t.get(&person, Some(&admin)).await.status,
            StatusCode::OK,
            "{b}"
        );
    }
}
