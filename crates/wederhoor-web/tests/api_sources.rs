//! The source registry as JSON: leads read, admins create and change (CSRF header required),
//! the same validation as the admin form, and no token or secret in listings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use serde_json::{Value, json};

fn json_request(method: &str, path: &str, s: &Session, csrf: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", format!("wederhoor_session={}", s.cookie))
        .header("x-csrf-token", csrf)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn sources_api_validates_and_keeps_secrets_out() {
    for t in spawn_apps().await {
        let b = t.backend;
        let admin = t.login_as(&t.admin).await;
        let lead = t.login_as(&t.lead).await;
        let agent = t.login_as(&t.agent).await;
        let blog = json!({"name": "Zuiderblog", "kind": "rss", "url": "https://blog.example/feed.xml",
                          "listening_query": "zuiderbank AND pinpas*", "retention_days": 90, "owned": false});

        let r = t
            .send(json_request(
                "POST",
                "/api/v1/sources",
                &admin,
                "wrong",
                &blog,
            ))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: CSRF header required");
        let r = t
            .send(json_request(
                "POST",
                "/api/v1/sources",
                &lead,
                &lead.csrf,
                &blog,
            ))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: leads do not create");
        let bad = json!({"name": "Kapot", "kind": "rss"});
        let r = t
            .send(json_request(
                "POST",
                "/api/v1/sources",
                &admin,
                &admin.csrf,
                &bad,
            ))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: rss needs a URL"
        );
        let bad_query = json!({"name": "Q", "kind": "forum", "listening_query": "(pas"});
        let r = t
            .send(json_request(
                "POST",
                "/api/v1/sources",
                &admin,
                &admin.csrf,
                &bad_query,
            ))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("column"), "{b}: {}", r.text());

        let r = t
            .send(json_request(
                "POST",
                "/api/v1/sources",
                &admin,
                &admin.csrf,
                &blog,
            ))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b}: {}", r.text());
        let created = r.json();
        assert!(created["ingest_token"].as_str().unwrap().len() >= 32, "{b}");
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["retention_days"], 90, "{b}");
        assert_eq!(created["owned"], false, "{b}");

        let mut changed = blog.clone();
        changed["retention_days"] = json!(30);
        let r = t
            .send(json_request(
                "PUT",
                &format!("/api/v1/sources/{id}"),
                &admin,
                &admin.csrf,
                &changed,
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert_eq!(r.json()["retention_days"], 30, "{b}");

        let r = t.get("/api/v1/sources", Some(&agent)).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{b}: agents do not read the registry"
        );
        let r = t.get("/api/v1/sources", Some(&lead)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let listing = r.text();
        assert!(listing.contains("Zuiderblog"), "{b}");
        assert!(
            !listing.contains(created["ingest_token"].as_str().unwrap()),
            "{b}: no token in listings"
        );
        assert!(
            !listing.contains("token_hash") && !listing.contains("secret"),
            "{b}"
        );
    }
}
