//! The daily summary on both backends: a day is a calendar day in Europe/Amsterdam (winter and
//! summer time, the 23-hour day), by_source and by_verdict add up to the messages, and the
//! team's work of the day (cases, replies per agent, first response, closes) is counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::tz::TimeZone;
use wederhoor_app::summary::{Language, daily_summary, render_text};
use wederhoor_core::*;
use wederhoor_store::testing::fresh_stores;
use wederhoor_store::*;

fn triage(action: Action, topics: &[&str], pii: Vec<PiiSpan>) -> Triage {
    Triage {
        language: "nl".into(),
        sentiment: Sentiment {
            label: SentimentLabel::Negative,
            score: -0.4,
        },
        abusive: false,
        pii,
        topics: topics.iter().map(|t| t.to_string()).collect(),
        priority: 1,
        verdict: Verdict {
            action,
            rule: "test-rule".into(),
            reason: "omdat".into(),
            confidence: 1.0,
        },
        evidence: vec![],
    }
}

fn msg(id: &str, text: &str, created_at: &str) -> ValidMessage {
    IncomingMessage {
        id: Some(id.into()),
        text: Some(text.into()),
        author: Some(IncomingAuthor {
            handle: Some(format!("@klant{id}")),
            name: None,
            followers: Some(10),
        }),
        created_at: Some(created_at.into()),
        ..Default::default()
    }
    .parse(jiff::Timestamp::now())
    .unwrap()
}

async fn source(store: &Store, name: &str) -> Source {
    store
        .create_source(&NewSource {
            kind: "webhook".into(),
            name: name.into(),
            delivery_kind: DeliveryKind::Manual,
            delivery_url: None,
            delivery_secret: None,
        })
        .await
        .unwrap()
        .0
}

fn amsterdam() -> TimeZone {
    TimeZone::get("Europe/Amsterdam").unwrap()
}

/// A fixed-offset zone in which it is noon now, so that "the last two hours" lie within one
/// day whenever the test runs.
fn noon_zone(now: jiff::Timestamp) -> TimeZone {
    let since_midnight_utc = now.as_second().rem_euclid(86_400);
    let mut offset = 12 * 3600 - since_midnight_utc;
    if offset >= 12 * 3600 {
        offset -= 86_400;
    }
    TimeZone::fixed(jiff::tz::Offset::from_seconds(offset as i32).unwrap())
}

fn sum(m: &std::collections::BTreeMap<String, i64>) -> i64 {
    m.values().sum()
}

#[tokio::test]
async fn a_day_is_an_amsterdam_calendar_day_in_winter_and_summer() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let forum = source(&store, "Forum").await;
        let mail = source(&store, "Mail").await;
        let r = |a| triage(a, &["kaart"], vec![]);
        // Winter: 15 January runs from 14 Jan 23:00 UTC to 15 Jan 23:00 UTC.
        // Summer: 15 July runs from 14 Jul 22:00 UTC to 15 Jul 22:00 UTC.
        // 29 March 2026 (clocks forward) runs from 28 Mar 23:00 UTC to 29 Mar 22:00 UTC.
        let forum_batch = vec![
            (
                msg("w0", "14 jan 23:59", "2026-01-14T22:59:00Z"),
                r(Action::Respond),
            ),
            (
                msg("w1", "15 jan 00:01", "2026-01-14T23:01:00Z"),
                r(Action::Respond),
            ),
            (
                msg("w2", "15 jan 13:00", "2026-01-15T12:00:00Z"),
                r(Action::Ignore),
            ),
            (
                msg("w4", "16 jan 00:00", "2026-01-15T23:00:00Z"),
                r(Action::Respond),
            ),
            (
                msg("s0", "14 jul 23:59", "2026-07-14T21:59:00Z"),
                r(Action::Respond),
            ),
            (
                msg("s1", "15 jul 00:30", "2026-07-14T22:30:00Z"),
                r(Action::NoEngage),
            ),
            (
                msg("s3", "16 jul 00:00", "2026-07-15T22:00:00Z"),
                r(Action::Respond),
            ),
            (
                msg("d1", "29 mrt 00:30", "2026-03-28T23:30:00Z"),
                r(Action::Respond),
            ),
            (
                msg("d2", "30 mrt 00:30", "2026-03-29T22:30:00Z"),
                r(Action::Respond),
            ),
        ];
        store
            .ingest_batch(forum.id, &forum_batch, None)
            .await
            .unwrap();
        let mail_batch = vec![
            (
                msg("w3", "15 jan 23:59", "2026-01-15T22:59:00Z"),
                r(Action::Private),
            ),
            (
                msg("s2", "15 jul 23:59", "2026-07-15T21:59:00Z"),
                r(Action::Respond),
            ),
        ];
        store
            .ingest_batch(mail.id, &mail_batch, None)
            .await
            .unwrap();

        let winter = daily_summary(&store, "2026-01-15".parse().unwrap(), &amsterdam())
            .await
            .unwrap();
        assert_eq!(winter.messages, 3, "{backend}: {winter:?}");
        assert_eq!(winter.by_source["Forum"], 2, "{backend}");
        assert_eq!(winter.by_source["Mail"], 1, "{backend}");
        assert_eq!(winter.by_verdict["respond"], 1, "{backend}");
        assert_eq!(winter.by_verdict["ignore"], 1, "{backend}");
        assert_eq!(winter.by_verdict["private"], 1, "{backend}");
        assert_eq!(winter.not_answered.ignore, 1, "{backend}");
        assert_eq!(winter.cases.opened, 3, "{backend}");
        assert_eq!(winter.start, "2026-01-14T23:00:00Z");
        assert_eq!(winter.top_topics[0].topic, "kaart");
        assert_eq!(winter.top_topics[0].messages, 3);

        let summer = daily_summary(&store, "2026-07-15".parse().unwrap(), &amsterdam())
            .await
            .unwrap();
        assert_eq!(summer.messages, 2, "{backend}: {summer:?}");
        assert_eq!(summer.by_verdict["no_engage"], 1, "{backend}");
        assert_eq!(summer.not_answered.no_engage, 1, "{backend}");
        assert_eq!(summer.start, "2026-07-14T22:00:00Z");

        let spring = daily_summary(&store, "2026-03-29".parse().unwrap(), &amsterdam())
            .await
            .unwrap();
        assert_eq!(spring.messages, 1, "{backend}: {spring:?}");
        assert_eq!(spring.end, "2026-03-29T22:00:00Z");

        for s in [&winter, &summer, &spring] {
            assert_eq!(sum(&s.by_source), s.messages, "{backend} {}", s.date);
            assert_eq!(sum(&s.by_verdict), s.messages, "{backend} {}", s.date);
        }
        let empty = daily_summary(&store, "2026-02-01".parse().unwrap(), &amsterdam())
            .await
            .unwrap();
        assert_eq!(empty.messages, 0);
        assert!(empty.by_source.is_empty() && empty.by_verdict.is_empty());
        assert_eq!(empty.first_response_median_secs, None);
    }
}

#[tokio::test]
async fn the_teams_day_replies_closes_first_response_and_masked_samples() {
    for (backend, store) in fresh_stores().await.unwrap() {
        let forum = source(&store, "Forum").await;
        let sanne = store
            .create_agent(
                &NewAgent {
                    username: "sanne".into(),
                    display_name: "Sanne".into(),
                    role: Role::Agent,
                    password_hash: "x".into(),
                },
                None,
            )
            .await
            .unwrap();
        let now = jiff::Timestamp::now();
        let at =
            |minutes_ago: i64| (now - jiff::SignedDuration::from_mins(minutes_ago)).to_string();
        let text = "Bel me op 0612345678, jullie app lekt";
        let phone = text.find("0612345678").unwrap();
        let batch = vec![
            (
                msg("q1", "Waar blijft mijn pas?", &at(90)),
                triage(Action::Respond, &["kaart"], vec![]),
            ),
            (
                msg("q2", "Waarom zo duur?", &at(30)),
                triage(Action::Respond, &["kosten"], vec![]),
            ),
            (
                msg("e1", text, &at(10)),
                triage(
                    Action::Escalate,
                    &["app"],
                    vec![PiiSpan {
                        kind: PiiKind::Phone,
                        start: phone,
                        end: phone + 10,
                    }],
                ),
            ),
        ];
        let out = store.ingest_batch(forum.id, &batch, None).await.unwrap();
        let conv = |i: usize| match out[i] {
            IngestOutcome::Stored { conversation, .. } => conversation,
            _ => panic!("not stored"),
        };
        store
            .add_reply(conv(0), sanne.id, "Hij is onderweg, Sanne")
            .await
            .unwrap();
        store
            .add_reply(conv(0), sanne.id, "En nog iets, Sanne")
            .await
            .unwrap();
        store
            .add_reply(conv(1), sanne.id, "Zo zit het, Sanne")
            .await
            .unwrap();
        store
            .set_state(conv(1), CaseState::Closed, sanne.id)
            .await
            .unwrap();

        let zone = noon_zone(now);
        let day = now.to_zoned(zone.clone()).date();
        let s = daily_summary(&store, day, &zone).await.unwrap();
        assert_eq!(s.replies_by_agent["Sanne"], 3, "{backend}: {s:?}");
        assert_eq!(s.answered, 2, "{backend}");
        assert_eq!(s.cases.answered, 2, "{backend}");
        assert_eq!(s.cases.closed, 1, "{backend}");
        // First responses: 90 and 30 minutes; the lower middle of two is 30 minutes.
        let median = s.first_response_median_secs.unwrap();
        assert!((1800..1900).contains(&median), "{backend}: {median}");
        assert_eq!(s.samples.len(), 1, "{backend}");
        assert_eq!(s.samples[0].verdict, "escalate");
        assert!(
            !s.samples[0].text.contains("0612345678"),
            "{:?}",
            s.samples[0]
        );
        assert!(s.samples[0].text.contains("••••"), "{:?}", s.samples[0]);

        let nl = render_text(&s, Language::Dutch);
        assert!(nl.contains("Antwoorden per medewerker"), "{nl}");
        assert!(nl.contains("Sanne: 3"), "{nl}");
        assert!(!nl.contains("0612345678"), "{nl}");
        let en = render_text(&s, Language::English);
        assert!(en.contains("Replies per agent"), "{en}");
    }
}
