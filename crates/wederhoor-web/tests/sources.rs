#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Listening sources over HTTP: the admin page, the public list `/bronnen` and manual capture,
//! every test against every store (SQLite always, PostgreSQL when WEDERHOOR_TEST_PG is set).

mod common;

use axum::http::StatusCode;
use common::*;
use wederhoor_core::DeliveryKind;
use wederhoor_store::{NewSource, Source, SourceSettings};

/// Adds a source straight in the store with the given settings.
async fn add_source(
    t: &TestApp,
    name: &str,
    kind: &str,
    f: impl FnOnce(&mut SourceSettings),
) -> Source {
    let (s, _token) = t
        .store
        .create_source(&NewSource {
            kind: kind.into(),
            name: name.into(),
            delivery_kind: DeliveryKind::Manual,
            delivery_url: None,
            delivery_secret: None,
        })
        .await
        .unwrap();
    let mut settings = SourceSettings::from(&s);
    f(&mut settings);
    t.store
        .update_source_settings(s.id, &settings, None)
        .await
        .unwrap();
    t.store.source(s.id).await.unwrap().unwrap()
}

fn amsterdam(ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
    jiff::Timestamp::from_millisecond(ms)
        .unwrap()
        .to_zoned(tz)
        .strftime("%d-%m-%Y %H:%M")
        .to_string()
}

// ----- the public list -----

#[tokio::test]
async fn public_list_shows_enabled_sources_without_secrets() {
    for t in spawn_apps().await {
        let b = t.backend;
        // The test source replies through a webhook with a secret: neither may leak.
        t.store
            .set_source_delivery(
                t.source.id,
                DeliveryKind::Webhook,
                Some("https://hooks.example/geheime-haak"),
                Some("hmac-geheim-123"),
            )
            .await
            .unwrap();
        let kassa = add_source(&t, "Kassa forum", "consumer_site", |s| {
            s.url = Some("https://kassa.example/forum".into());
            s.owned = false;
        })
        .await;
        add_source(&t, "Oude feed", "rss", |s| {
            s.url = Some("https://oud.example/feed.xml".into());
            s.enabled = false;
        })
        .await;
        add_source(&t, "Sleutelfeed", "rss", |s| {
            s.url = Some("https://feeds.example/rss?api_key=supergeheim".into());
        })
        .await;

        let r = t.get("/bronnen", None).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        // minijinja escapes '/' as well; read the page as a browser would.
        let html = r.text().replace("&#x2f;", "/");
        assert!(html.contains("<html lang=\"nl\""), "{b}");
        assert!(html.contains("Bronnen die we volgen"), "{b}");
        assert!(html.contains("Kassa forum"), "{b}");
        assert!(html.contains("Consumentensite"), "{b}: kind label");
        assert!(html.contains("https://kassa.example/forum"), "{b}");
        assert!(
            html.contains(&amsterdam(kassa.created_at)),
            "{b}: since date"
        );
        assert!(html.contains("sinds"), "{b}");
        assert!(html.contains("Forum"), "{b}: the owned test source");
        assert!(html.contains("Sleutelfeed"), "{b}");
        assert!(
            !html.contains("Oude feed"),
            "{b}: a disabled source is not listed"
        );
        for secret in [
            t.token.as_str(),
            "hooks.example",
            "geheime-haak",
            "hmac-geheim-123",
            "supergeheim",
            "api_key",
        ] {
            assert!(!html.contains(secret), "{b}: {secret} leaked");
        }

        let r = t.get("/bronnen?lang=en", None).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        assert!(html.contains("<html lang=\"en\""), "{b}");
        assert!(html.contains("Sources we monitor"), "{b}");
        assert!(html.contains("Consumer site"), "{b}");
        assert!(html.contains("since"), "{b}");

        // Nothing enabled: an empty state, still 200.
        for s in t.store.list_sources().await.unwrap() {
            let mut settings = SourceSettings::from(&s);
            settings.enabled = false;
            t.store
                .update_source_settings(s.id, &settings, None)
                .await
                .unwrap();
        }
        let r = t.get("/bronnen", None).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(
            r.text().contains("We volgen op dit moment geen bronnen."),
            "{b}"
        );
    }
}

// ----- the admin page -----

fn edit_fields<'a>(csrf: &'a str, overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("csrf", csrf),
        ("name", "Forum NL"),
        ("kind", "forum"),
        ("url", "https://forum.example/zuiderbank"),
        ("listening_query", "zuiderbank AND (pas OR pinpas*)"),
        ("poll_interval_secs", "600"),
        ("retention_days", "90"),
        ("checkboxes", "1"),
        ("enabled", "1"),
    ];
    for (k, v) in overrides {
        fields.retain(|(f, _)| f != k);
        fields.push((k, v));
    }
    fields
}

#[tokio::test]
async fn admin_edits_sources_with_validation_and_roles() {
    for t in spawn_apps().await {
        let b = t.backend;
        let id = t.source.id;
        let path = format!("/admin/sources/{id}");
        let agent = t.login_as(&t.agent).await;
        let lead = t.login_as(&t.lead).await;
        let admin = t.login_as(&t.admin).await;

        // Roles: an agent sees nothing, a lead reads but does not edit.
        assert_eq!(
            t.get("/admin/sources", Some(&agent)).await.status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let r = t
            .post_form(&path, Some(&agent), &edit_fields(&agent.csrf, &[]))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = t.get("/admin/sources", Some(&lead)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(r.text().contains("Forum"), "{b}");
        assert!(
            !r.text().contains(&format!("action=\"{path}\"")),
            "{b}: no edit form for a lead"
        );
        let r = t
            .post_form(&path, Some(&lead), &edit_fields(&lead.csrf, &[]))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        assert_eq!(
            t.get("/admin/sources", None).await.location(),
            Some("/login"),
            "{b}"
        );
        // The admin page links to it; the nav too.
        let r = t.get("/admin", Some(&lead)).await;
        assert!(r.text().contains("href=\"/admin/sources\""), "{b}");
        assert!(
            t.get("/inbox", Some(&agent))
                .await
                .text()
                .contains("href=\"/capture\""),
            "{b}"
        );
        assert!(
            !t.get("/inbox", Some(&agent))
                .await
                .text()
                .contains("href=\"/admin/sources\""),
            "{b}"
        );

        // CSRF is required.
        for bad in ["", "garbage", lead.csrf.as_str()] {
            let r = t
                .post_form(&path, Some(&admin), &edit_fields(bad, &[]))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: csrf {bad:?}");
        }
        assert_eq!(
            t.store.source(id).await.unwrap().unwrap().name,
            "Forum",
            "{b}"
        );

        // Invalid forms: 422 with a clear message, nothing stored.
        let r = t
            .post_form(
                &path,
                Some(&admin),
                &edit_fields(
                    &admin.csrf,
                    &[("listening_query", "zuiderbank AND (pas OR")],
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text();
        assert!(html.contains("column"), "{b}: the parser's column: {html}");
        assert!(html.contains("id=\"form-error\""), "{b}");
        assert!(
            html.contains("value=\"zuiderbank AND (pas OR\""),
            "{b}: the typed query is kept"
        );
        let r = t
            .post_form(
                &path,
                Some(&admin),
                &edit_fields(&admin.csrf, &[("kind", "rss"), ("url", "")]),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("RSS-bron heeft een URL nodig"), "{b}");
        for bad in [
            ("name", ""),
            ("name", &*"x".repeat(101)),
            ("kind", "twitter"),
            ("url", "ftp://forum.example/"),
            ("url", "javascript:alert(1)"),
            ("poll_interval_secs", "29"),
            ("poll_interval_secs", "86401"),
            ("poll_interval_secs", "vaak"),
            ("retention_days", "0"),
            ("retention_days", "3651"),
        ] {
            let r = t
                .post_form(&path, Some(&admin), &edit_fields(&admin.csrf, &[bad]))
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {bad:?}");
        }
        let unchanged = t.store.source(id).await.unwrap().unwrap();
        assert_eq!(
            (unchanged.name.as_str(), unchanged.kind.as_str()),
            ("Forum", "webhook"),
            "{b}"
        );

        // A valid edit is stored (owned unticked: a source we only listen to).
        let r = t
            .post_form(&path, Some(&admin), &edit_fields(&admin.csrf, &[]))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let s = t.store.source(id).await.unwrap().unwrap();
        assert_eq!(s.name, "Forum NL", "{b}");
        assert_eq!(s.kind, "forum", "{b}");
        assert_eq!(
            s.url.as_deref(),
            Some("https://forum.example/zuiderbank"),
            "{b}"
        );
        assert_eq!(
            s.listening_query.as_deref(),
            Some("zuiderbank AND (pas OR pinpas*)"),
            "{b}"
        );
        assert_eq!(
            (s.poll_interval_secs, s.retention_days),
            (600, Some(90)),
            "{b}"
        );
        assert!(s.enabled && !s.owned, "{b}");
        let r = t.get(r.location().unwrap(), Some(&admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        let html = r.text();
        assert!(
            html.contains("Forum NL") && html.contains("zuiderbank AND (pas OR pinpas*)"),
            "{b}"
        );
        assert!(html.contains("Bron opgeslagen."), "{b}");
        // Empty retention means kept; disabling works through the unticked box.
        let r = t
            .post_form(
                &path,
                Some(&admin),
                &[
                    ("csrf", admin.csrf.as_str()),
                    ("name", "Forum NL"),
                    ("kind", "forum"),
                    ("poll_interval_secs", "30"),
                    ("retention_days", ""),
                    ("checkboxes", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let s = t.store.source(id).await.unwrap().unwrap();
        assert_eq!(
            (s.retention_days, s.enabled, s.poll_interval_secs, s.url),
            (None, false, 30, None),
            "{b}"
        );
        assert_eq!(
            t.post_form(
                "/admin/sources/999999",
                Some(&admin),
                &edit_fields(&admin.csrf, &[])
            )
            .await
            .status,
            StatusCode::NOT_FOUND,
            "{b}"
        );

        // Adding a source with the new fields; its token is shown once.
        let r = t
            .post_form(
                "/admin/sources",
                Some(&admin),
                &edit_fields(
                    &admin.csrf,
                    &[
                        ("name", "Zuiderbank blog"),
                        ("kind", "rss"),
                        ("url", "https://blog.example/feed.xml"),
                    ],
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        assert!(r.text().contains("<code id=\"new-token\">"), "{b}");
        let s = t
            .store
            .source_by_name("Zuiderbank blog")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.kind.as_str(), s.url.as_deref(), s.poll_interval_secs),
            ("rss", Some("https://blog.example/feed.xml"), 600),
            "{b}"
        );
        let r = t
            .post_form(
                "/admin/sources",
                Some(&admin),
                &edit_fields(
                    &admin.csrf,
                    &[("name", "Leeg"), ("kind", "rss"), ("url", "")],
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            t.store.source_by_name("Leeg").await.unwrap().is_none(),
            "{b}"
        );
    }
}

#[tokio::test]
async fn admin_sources_page_runs_the_same_queries_for_2_and_12_sources() {
    for t in spawn_apps().await {
        let b = t.backend;
        let admin = t.login_as(&t.admin).await;
        let (t, admin) = (&t, &admin);
        let measure = || async move {
            let before = t.store.query_count();
            let r = t.get("/admin/sources", Some(admin)).await;
            let after = t.store.query_count();
            assert_eq!(r.status, StatusCode::OK, "{b}");
            (after - before, r.text())
        };
        let second = add_source(t, "Bron 1", "rss", |s| {
            s.url = Some("https://x.example/1".into())
        })
        .await;
        t.store
            .record_source_error(second.id, "HTTP 503 van de feed")
            .await
            .unwrap();
        let (few, html) = measure().await;
        assert_eq!(html.matches("<tr id=\"row-").count(), 2, "{b}");
        assert!(
            html.contains("verstoord") && html.contains("HTTP 503 van de feed"),
            "{b}: degraded badge"
        );
        for i in 2..12 {
            let s = add_source(t, &format!("Bron {i}"), "forum", |_| {}).await;
            t.store.record_source_success(s.id, 3, 1).await.unwrap();
        }
        let (many, html) = measure().await;
        assert_eq!(html.matches("<tr id=\"row-").count(), 12, "{b}");
        assert_eq!(
            few, many,
            "{b}: the page's query count grows with the sources"
        );
        assert!(few <= 4, "{b}: {few} queries");
    }
}

// ----- manual capture -----

#[tokio::test]
async fn capture_makes_a_triaged_message_once() {
    for t in spawn_apps().await {
        let b = t.backend;
        let s = t.login_as(&t.agent).await;
        let source = t.source.id.to_string();
        let url = "https://kassa.example/forum/t/123";
        let text = "Al drie dagen kan ik niet inloggen in de app van de Zuiderbank. Belachelijk!";

        let r = t.get("/capture", Some(&s)).await;
        assert_eq!(r.status, StatusCode::OK, "{b}");
        assert!(r.text().contains("action=\"/capture\""), "{b}");
        assert_eq!(
            t.get("/capture", None).await.location(),
            Some("/login"),
            "{b}"
        );

        // CSRF is required.
        let r = t
            .post_form(
                "/capture",
                Some(&s),
                &[
                    ("csrf", "garbage"),
                    ("source", &source),
                    ("url", url),
                    ("text", text),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        // Missing text, bad URL: 422, nothing stored, what was typed is shown escaped.
        let r = t
            .post_form(
                "/capture",
                Some(&s),
                &[
                    ("csrf", &s.csrf),
                    ("source", &source),
                    ("url", url),
                    ("author", "<b>klant</b>"),
                    ("text", "  "),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(
            r.text().contains("&lt;b&gt;klant&lt;&#x2f;b&gt;")
                && !r.text().contains("<b>klant</b>"),
            "{b}"
        );
        for bad in [
            "",
            "kassa.example/forum",
            "ftp://kassa.example/x",
            "https://kassa .example/x",
        ] {
            let r = t
                .post_form(
                    "/capture",
                    Some(&s),
                    &[
                        ("csrf", &s.csrf),
                        ("source", &source),
                        ("url", bad),
                        ("text", text),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}: {bad:?}");
        }
        let long = "a".repeat(64 * 1024 + 1);
        let r = t
            .post_form(
                "/capture",
                Some(&s),
                &[
                    ("csrf", &s.csrf),
                    ("source", &source),
                    ("url", url),
                    ("text", &long),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(t.message_count().await, 0, "{b}");

        // A good capture: a message in a conversation, triaged, with the URL as its id.
        let r = t
            .post_form(
                "/capture",
                Some(&s),
                &[
                    ("csrf", &s.csrf),
                    ("source", &source),
                    ("url", url),
                    ("author", "@boze_klant"),
                    ("text", text),
                    ("time", "2026-11-20T09:15"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let location = r.location().unwrap().to_owned();
        assert!(location.starts_with("/c/"), "{b}: {location}");
        let page = t.get(&location, Some(&s)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        let html = page.text();
        assert!(html.contains("Al drie dagen kan ik niet inloggen"), "{b}");
        assert!(html.contains("class=\"badge v-"), "{b}: a triage badge");
        assert!(html.contains("@boze_klant"), "{b}");
        assert!(
            html.contains("20-11-2026 09:15"),
            "{b}: the given Amsterdam time"
        );
        assert_eq!(t.message_count().await, 1, "{b}");

        // The same URL again: said clearly, no second message.
        let r = t
            .post_form(
                "/capture",
                Some(&s),
                &[
                    ("csrf", &s.csrf),
                    ("source", &source),
                    ("url", url),
                    ("text", text),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        assert!(r.text().contains("al vastgelegd"), "{b}: {}", r.text());
        assert!(
            r.text()
                .contains(&format!("href=\"{location}\" id=\"existing\"")),
            "{b}: links to the conversation that has it"
        );
        assert_eq!(t.message_count().await, 1, "{b}");

        // A new consumer site: a non-owned source, not public until an admin enables it.
        let r = t
            .post_form(
                "/capture",
                Some(&s),
                &[
                    ("csrf", &s.csrf),
                    ("source", "new"),
                    ("new_name", "Klachtenkijker"),
                    ("url", "https://klachten.example/zuiderbank/77"),
                    ("text", "Mijn pinpas is geblokkeerd en niemand helpt me."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let site = t
            .store
            .source_by_name("Klachtenkijker")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(site.kind, "consumer_site", "{b}");
        assert!(!site.owned && !site.enabled, "{b}");
        assert_eq!(site.url.as_deref(), Some("https://klachten.example"), "{b}");
        assert_eq!(t.message_count().await, 2, "{b}");
        assert!(
            !t.get("/bronnen", None)
                .await
                .text()
                .contains("Klachtenkijker"),
            "{b}: an agent's capture publishes no source"
        );
        // The admin confirms it by enabling it; then it is on the public list.
        let admin = t.login_as(&t.admin).await;
        let r = t
            .post_form(
                &format!("/admin/sources/{}", site.id),
                Some(&admin),
                &[
                    ("csrf", &admin.csrf),
                    ("name", "Klachtenkijker"),
                    ("kind", "consumer_site"),
                    ("url", "https://klachten.example"),
                    ("poll_interval_secs", "300"),
                    ("retention_days", ""),
                    ("listening_query", ""),
                    ("checkboxes", "1"),
                    ("enabled", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert!(
            t.get("/bronnen", None)
                .await
                .text()
                .contains("Klachtenkijker"),
            "{b}"
        );
        let r = t
            .post_form(
                "/capture",
                Some(&s),
                &[
                    ("csrf", &s.csrf),
                    ("source", "new"),
                    ("new_name", ""),
                    ("url", url),
                    ("text", text),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    }
}
