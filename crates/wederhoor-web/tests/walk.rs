#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Defects found by walking through the demo as a new user, each pinned through HTTP: pages
//! carry no inline `style` the content security policy (`style-src 'self'`) would block (the
//! report charts grew to the full page width because of it); a refused incident form comes back
//! with its reason and the typed text instead of an error page; and a broadcast nobody can be
//! reached by offers no "send to 0 customers" button.

mod common;

use axum::http::{StatusCode, header};
use common::*;
use serde_json::{Value, json};

/// Near-identical phishing reports from `@klant{i}` in the last ten minutes.
fn wave(n: usize) -> Value {
    let now = jiff::Timestamp::now().as_second();
    Value::Array(
        (0..n)
            .map(|i| {
                let at = jiff::Timestamp::from_second(now - 600 + (i as i64) * 25).unwrap();
                json!({
                    "id": format!("walk-{i}"),
                    "text": format!("@zuiderbank sms gekregen: uw pas verloopt op {}-12, verleng via https://zuiderbank-verificatie.nl/{i} anders wordt hij geblokkeerd. Is dit echt?", 10 + i),
                    "author": {"handle": format!("@klant{i}")},
                    "created_at": at.to_string(),
                })
            })
            .collect(),
    )
}

#[tokio::test]
async fn pages_carry_no_inline_style_that_the_csp_blocks() {
    for app in spawn_apps().await {
        let b = app.backend;
        let r = app
            .ingest(&msg("m1", "@zuiderbank mijn pas werkt niet"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let lead = app.login_as(&app.lead).await;
        for path in ["/rapporten", "/rapporten/wand"] {
            let page = app.get(path, Some(&lead)).await;
            assert_eq!(page.status, StatusCode::OK, "{b} {path}");
            let html = page.text();
            assert!(html.contains("<svg class=\"chart"), "{b} {path}: {html}");
            assert!(!html.contains("style="), "{b} {path}: {html}");
        }
        let page = app
            .get_with_cookies(
                "/account/registreren",
                &format!("wederhoor_pcsrf={VISITOR_CSRF}"),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(!page.text().contains("style="), "{b}: {}", page.text());
    }
}

#[tokio::test]
async fn staff_pages_start_with_a_skip_link_to_their_content() {
    // The walk counted 18 Tabs before the inbox filters; the first Tab now offers the content.
    for app in spawn_apps().await {
        let b = app.backend;
        let lead = app.login_as(&app.lead).await;
        for path in ["/inbox", "/rapporten", "/escalaties"] {
            let page = app.get(path, Some(&lead)).await;
            assert_eq!(page.status, StatusCode::OK, "{b} {path}");
            let html = page.text();
            let skip = html.find("<a class=\"skip\" href=\"#main\">Naar de inhoud</a>");
            let nav = html.find("<nav>");
            assert!(
                matches!((skip, nav), (Some(s), Some(n)) if s < n),
                "{b} {path}: the skip link must come before the navigation: {html}"
            );
            assert!(html.contains("<main id=\"main\""), "{b} {path}");
        }
    }
}

#[tokio::test]
async fn a_refused_incident_keeps_its_text_and_a_broadcast_to_nobody_has_no_send_button() {
    for app in spawn_apps().await {
        let b = app.backend;
        // The test source's replies go by hand: nobody is reachable through Wederhoor.
        let request = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/ingest")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(wave(8).to_string()))
            .unwrap();
        assert_eq!(app.send(request).await.status, StatusCode::OK, "{b}");
        let lead = app.login_as(&app.lead).await;
        let alerts = app.store.burst_alerts("open", 10).await.unwrap();
        assert_eq!(alerts.len(), 1, "{b}: one alert for the wave");
        // A refused incident form comes back with its reason and what the lead typed.
        let r = app
            .post_form(
                &format!("/meldingen/{}/incident", alerts[0].id),
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("title", "   "),
                    ("warning", "Mijn eigen waarschuwing over de sms."),
                    ("reply", "Mijn eigen antwoord."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text();
        assert!(html.contains("id=\"form-error\""), "{b}: {html}");
        assert!(
            html.contains("<details class=\"make-incident\" open>"),
            "{b}: {html}"
        );
        assert!(
            html.contains(">Mijn eigen waarschuwing over de sms.</textarea>"),
            "{b}: {html}"
        );
        assert!(
            html.contains(">Mijn eigen antwoord.</textarea>"),
            "{b}: {html}"
        );
        let r = app
            .post_form(
                &format!("/meldingen/{}/incident", alerts[0].id),
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("title", "Phishing-sms"),
                    ("warning", "Sms over een verlopen pas is nep."),
                    ("reply", "Die sms is niet van ons: klik niet op de link."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let path = format!("{}/rondzending", r.location().unwrap());
        let r = app
            .post_form(
                &path,
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    ("text", "De sms over een verlopen pas is nep."),
                    ("action", "dry"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        let html = r.text();
        assert!(
            html.contains("id=\"broadcast-reachable\" data-count=\"0\""),
            "{b}: {html}"
        );
        assert!(!html.contains("id=\"broadcast-send\""), "{b}: {html}");
        assert!(html.contains("id=\"broadcast-nobody\""), "{b}: {html}");
        assert!(html.contains("met de hand"), "{b}: {html}");
    }
}
