#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Bursts become alerts on the live stream, and a lead makes an incident of one (issue #13):
//! the alerts page, the public warning on `/ideeen`, the suggested reply on matching cases, the
//! timeline and the roles — all through HTTP.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

/// `n` near-identical phishing reports from different people, all within the last ten minutes
/// (relative to now), starting at id `from`.
fn wave(from: usize, n: usize) -> Value {
    let now = jiff::Timestamp::now().as_second();
    let items: Vec<Value> = (from..from + n)
        .map(|i| {
            let at = jiff::Timestamp::from_second(now - 600 + (i as i64 % 20) * 25).unwrap();
            json!({
                "id": format!("wave-{i}"),
                "text": format!("@zuiderbank sms gekregen: uw pas verloopt op {}-12, verleng via https://zuiderbank-verificatie.nl/{i} anders wordt hij geblokkeerd. Is dit echt?", 10 + i % 9),
                "author": {"handle": format!("@klant{i}")},
                "created_at": at.to_string(),
            })
        })
        .collect();
    Value::Array(items)
}

fn ordinary() -> Value {
    json!([
        {"id": "o1", "text": "Hoe laat gaat het kantoor in Gent morgen open?", "author": {"handle": "@piet"}},
        {"id": "o2", "text": "Bedankt voor de snelle hulp met mijn rekening!", "author": {"handle": "@ans"}},
    ])
}

/// The id that follows `marker` in `html` (digits only).
fn number_after(html: &str, marker: &str) -> Option<i64> {
    let at = html.find(marker)? + marker.len();
    let digits: String = html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[tokio::test]
async fn a_wave_raises_an_alert_that_a_lead_turns_into_a_public_incident() {
    for app in spawn_apps().await {
        let b = app.backend;
        let lead = app.login_as(&app.lead).await;
        let agent = app.login_as(&app.agent).await;

        // Ordinary traffic raises nothing.
        app.ingest_ok(&ordinary()).await;
        let page = app.get("/meldingen", Some(&lead)).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(!page.text().contains("class=\"alert-card\""), "{b}");

        // The wave: 20 near-identical messages within ten minutes.
        let report = app.ingest_ok(&wave(0, 20)).await;
        assert_eq!(report["stored"], 20, "{b}");
        let page = app.get("/meldingen", Some(&lead)).await.text();
        let alert =
            number_after(&page, "class=\"alert-card\" id=\"alert-").expect("an alert is listed");
        assert!(page.contains("data-kind=\"phishing\""), "{b}: {page}");
        assert!(
            page.contains("zuiderbank-verificatie.nl"),
            "{b}: sample shown"
        );
        // Every message of the wave belongs to the one alert.
        let stored = app.store.burst_alert(alert).await.unwrap().unwrap();
        assert_eq!(stored.messages, 20, "{b}");
        assert_eq!(stored.authors, 20, "{b}");
        assert_eq!(stored.sources, vec!["Forum".to_owned()], "{b}");
        assert_eq!(
            app.store.burst_alerts("open", 10).await.unwrap().len(),
            1,
            "{b}: one alert per wave"
        );
        // The form comes prefilled with a Dutch phishing warning.
        assert!(page.contains("valse berichten"), "{b}");

        // An agent may not make an incident.
        let fields = [
            ("csrf", agent.csrf.as_str()),
            ("title", "Phishing-sms over de Zuiderpas"),
            (
                "warning",
                "Let op: sms over een verlopen Zuiderpas is nep. Klik niet op de link.",
            ),
            (
                "reply",
                "Dank voor je melding! Die sms is niet van ons: klik niet op de link.",
            ),
            ("public", "1"),
        ];
        let r = app
            .post_form(
                &format!("/meldingen/{alert}/incident"),
                Some(&agent),
                &fields,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        // A lead's incident without a title is refused with a clear message.
        let mut lead_fields = fields;
        lead_fields[0] = ("csrf", lead.csrf.as_str());
        let mut no_title = lead_fields;
        no_title[1] = ("title", "  ");
        let r = app
            .post_form(
                &format!("/meldingen/{alert}/incident"),
                Some(&lead),
                &no_title,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("titel"), "{b}: {}", r.text());

        // The lead makes the incident, public.
        let r = app
            .post_form(
                &format!("/meldingen/{alert}/incident"),
                Some(&lead),
                &lead_fields,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let location = r.location().unwrap().to_owned();
        let incident: i64 = location.trim_start_matches("/incidenten/").parse().unwrap();
        // Not twice.
        let again = app
            .post_form(
                &format!("/meldingen/{alert}/incident"),
                Some(&lead),
                &lead_fields,
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{b}");

        // The public feedback page shows the warning to anyone.
        let public = app.get("/ideeen", None).await;
        assert_eq!(public.status, StatusCode::OK, "{b}");
        assert!(
            public
                .text()
                .contains("sms over een verlopen Zuiderpas is nep"),
            "{b}: banner on /ideeen"
        );
        // The inbox shows it to staff.
        let inbox = app.get("/inbox", Some(&agent)).await.text();
        assert!(
            inbox.contains(&format!("incident-banner-{incident}")),
            "{b}"
        );

        // A case of the wave offers the suggested reply; one click fills the composer.
        let case = conversation_of(&report["results"][3]);
        let page = app.get(&format!("/c/{case}"), Some(&agent)).await.text();
        assert!(page.contains(&format!("suggestion-{incident}")), "{b}");
        assert!(page.contains("Die sms is niet van ons"), "{b}");
        let filled = app
            .get(&format!("/c/{case}?antwoord={incident}"), Some(&agent))
            .await
            .text();
        let composer = filled.split("id=\"reply-text\"").nth(1).unwrap();
        let textarea = composer.split("</textarea>").next().unwrap();
        assert!(
            textarea.contains("Die sms is niet van ons"),
            "{b}: {textarea}"
        );
        // An unrelated case offers nothing.
        let other = app
            .ingest_ok(&json!({"id": "o3", "text": "Mijn pinpas werkt niet meer in de winkel", "author": {"handle": "@kees"}}))
            .await;
        let other_case = conversation_of(&other["results"][0]);
        let page = app
            .get(&format!("/c/{other_case}"), Some(&agent))
            .await
            .text();
        assert!(!page.contains("suggestion-"), "{b}");

        // A later message of the same wave joins the incident and gets the reply too.
        let later = app.ingest_ok(&wave(40, 1)).await;
        let later_case = conversation_of(&later["results"][0]);
        let page = app
            .get(&format!("/c/{later_case}"), Some(&agent))
            .await
            .text();
        assert!(
            page.contains(&format!("suggestion-{incident}")),
            "{b}: later message matches"
        );

        // The incident page: affected contacts and the timeline.
        let page = app.get(&location, Some(&agent)).await.text();
        assert!(page.contains("id=\"incident-affected\">21<"), "{b}: {page}");
        let timeline = page.split("id=\"incident-timeline\"").nth(1).unwrap();
        for kind in ["opened", "made", "published", "joined"] {
            assert!(
                timeline.contains(&format!("data-kind=\"{kind}\"")),
                "{b}: {kind}"
            );
        }

        // An agent may not close it; a lead closes it with the outcome.
        let r = app
            .post_form(
                &format!("/incidenten/{incident}/sluiten"),
                Some(&agent),
                &[("csrf", &agent.csrf), ("outcome", "klaar")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = app
            .post_form(
                &format!("/incidenten/{incident}/sluiten"),
                Some(&lead),
                &[("csrf", &lead.csrf), ("outcome", "")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: outcome required"
        );
        let r = app
            .post_form(
                &format!("/incidenten/{incident}/sluiten"),
                Some(&lead),
                &[
                    ("csrf", &lead.csrf),
                    (
                        "outcome",
                        "Site offline gehaald na melding bij de hostingpartij.",
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let public = app.get("/ideeen", None).await.text();
        assert!(!public.contains("incident-banner"), "{b}: banner gone");
        let inbox = app.get("/inbox", Some(&agent)).await.text();
        assert!(!inbox.contains("incident-banner-"), "{b}");
        let page = app.get(&format!("/c/{case}"), Some(&agent)).await.text();
        assert!(
            !page.contains("suggestion-"),
            "{b}: no suggestion after closing"
        );
        let page = app.get(&location, Some(&lead)).await.text();
        let timeline = page.split("id=\"incident-timeline\"").nth(1).unwrap();
        assert!(timeline.contains("data-kind=\"closed\""), "{b}");
        assert!(
            timeline.contains("Site offline gehaald"),
            "{b}: outcome in the timeline"
        );
    }
}

#[tokio::test]
async fn an_alert_can_be_dismissed_and_the_same_wave_is_not_stored_twice() {
    for app in spawn_apps().await {
        let b = app.backend;
        let lead = app.login_as(&app.lead).await;
        app.ingest_ok(&wave(0, 6)).await;
        let alerts = app.store.burst_alerts("open", 10).await.unwrap();
        assert_eq!(alerts.len(), 1, "{b}");
        let alert = alerts[0].id;
        // A restart rebuilds the detector from the stored messages: the wave finds its row.
        let rebuilt = app
            .state
            .alerts
            .rebuild(&app.store, &wederhoor_app::NoEvents)
            .await
            .unwrap();
        assert!(rebuilt.opened.is_empty(), "{b}: {rebuilt:?}");
        // So does a second node, with a detector of its own, seeing the same wave.
        let other = wederhoor_app::live_alerts::LiveAlerts::default();
        other
            .rebuild(&app.store, &wederhoor_app::NoEvents)
            .await
            .unwrap();
        assert_eq!(
            app.store.burst_alerts("open", 10).await.unwrap().len(),
            1,
            "{b}"
        );
        // The agent may not dismiss; the lead may, once.
        let agent = app.login_as(&app.agent).await;
        let r = app
            .post_form(
                &format!("/meldingen/{alert}/negeren"),
                Some(&agent),
                &[("csrf", &agent.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
        let r = app
            .post_form(
                &format!("/meldingen/{alert}/negeren"),
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let page = app.get("/meldingen", Some(&lead)).await.text();
        assert!(!page.contains(&format!("id=\"alert-{alert}\"")), "{b}");
        let r = app
            .post_form(
                &format!("/meldingen/{alert}/negeren"),
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        let r = app
            .post_form(
                "/meldingen/999999/negeren",
                Some(&lead),
                &[("csrf", &lead.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
    }
}

#[tokio::test]
async fn history_imported_with_old_times_raises_no_alert() {
    for app in spawn_apps().await {
        let b = app.backend;
        // The same wave, but two days ago: stored, not a wave now.
        let mut old = wave(0, 20);
        let two_days = jiff::Timestamp::now().as_second() - 2 * 86_400;
        for (i, m) in old.as_array_mut().unwrap().iter_mut().enumerate() {
            m["created_at"] = json!(
                jiff::Timestamp::from_second(two_days + i as i64 * 20)
                    .unwrap()
                    .to_string()
            );
        }
        let report = app.ingest_ok(&old).await;
        assert_eq!(report["stored"], 20, "{b}");
        assert!(
            app.store.burst_alerts("open", 10).await.unwrap().is_empty(),
            "{b}"
        );
    }
}
