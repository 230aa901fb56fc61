#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `wederhoor summary` (issue #12, seed 004): a day's messages counted by their time in
//! Europe/Amsterdam from an imported file, as JSON and as Dutch or English text; a bad date is a
//! clear error; and the daily summary mail reaches customer service through the mail outbox.

mod common;

use common::Target;
use serde_json::{Value, json};
use std::time::Duration;
use wederhoor_testkit::SmtpSink;

fn line(id: &str, text: &str, at: &str) -> String {
    format!(
        "{}\n",
        json!({"id": id, "text": text, "author": {"handle": format!("@klant_{id}")}, "created_at": at})
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_counts_an_amsterdam_day_of_imported_messages() {
    for t in Target::all("summary").await {
        // 15 July 2026 in Amsterdam (summer time) is 14 Jul 22:00 UTC up to 15 Jul 22:00 UTC.
        let file = t.data_dir.join("in.jsonl");
        let mut text = String::new();
        text += &line(
            "a",
            "@zuiderbank mijn pas is kwijt, wat nu?",
            "2026-07-14T21:59:00Z",
        );
        text += &line(
            "b",
            "@zuiderbank mijn pas is kwijt, help",
            "2026-07-14T22:00:00Z",
        );
        text += &line(
            "c",
            "@zuiderbank de app doet het niet",
            "2026-07-15T12:00:00Z",
        );
        text += &line("d", "oranje is lelijk", "2026-07-15T21:59:59Z");
        text += &line("e", "@zuiderbank nog een vraag", "2026-07-15T22:00:00Z");
        std::fs::write(&file, text).unwrap();
        let out = t.run(
            &["import", file.to_str().unwrap(), "--source", "orange"],
            "",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );

        let out = t.run(&["summary", "--date", "2026-07-15", "--format", "json"], "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(s["messages"], 3, "{}: {s}", t.backend());
        assert_eq!(s["by_source"], json!({"orange": 3}), "{s}");
        let verdicts: i64 = s["by_verdict"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_i64().unwrap())
            .sum();
        assert_eq!(verdicts, 3, "{s}");
        assert_eq!(s["date"], "2026-07-15");
        assert_eq!(s["time_zone"], "Europe/Amsterdam");
        // Each message is its own case, none answered and long past any target: every case
        // that expects an answer (not `ignore` or `no_engage`) is past its service level.
        let expecting: i64 = s["by_verdict"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| !["ignore", "no_engage"].contains(&k.as_str()))
            .map(|(_, v)| v.as_i64().unwrap())
            .sum();
        assert_eq!(s["past_sla"], expecting, "{s}");

        let out = t.run(&["summary", "--date", "2026-07-14", "--format", "json"], "");
        let s: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(s["messages"], 1, "{s}");

        let out = t.run(&["summary", "--date", "2026-07-15"], "");
        let nl = String::from_utf8_lossy(&out.stdout);
        assert!(nl.contains("Berichten binnengekomen: 3"), "{nl}");
        assert!(nl.contains("orange: 3"), "{nl}");
        let out = t.run(&["summary", "--date", "2026-07-15", "--lang", "en"], "");
        let en = String::from_utf8_lossy(&out.stdout);
        assert!(en.contains("Messages received: 3"), "{en}");
        let out = t.run(&["summary", "--date", "2026-07-15", "--format", "csv"], "");
        let csv = String::from_utf8_lossy(&out.stdout);
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows[0], "date,section,item,count", "{csv}");
        assert!(rows.contains(&"2026-07-15,messages,,3"), "{csv}");
        assert!(rows.contains(&"2026-07-15,by_source,orange,3"), "{csv}");
        let out = t.run(&["summary", "--date", "2026-07-15", "--format", "html"], "");
        let html = String::from_utf8_lossy(&out.stdout);
        assert!(html.starts_with("<!doctype html>"), "{html}");
        assert!(
            html.contains("<td>orange</td><td align=\"right\">3</td>"),
            "{html}"
        );

        for bad in ["15-07-2026", "2026-02-30", "gisteren"] {
            let out = t.run(&["summary", "--date", bad], "");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{bad}");
            assert!(err.contains("YYYY-MM-DD") && err.contains(bad), "{err}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_summary_mail_reaches_customer_service() {
    let sink = SmtpSink::start().await;
    let t = Target::sqlite("summary-mail");
    // Yesterday (Amsterdam) at noon, whatever day the test runs.
    let zone = jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap();
    let yesterday = jiff::Timestamp::now()
        .to_zoned(zone.clone())
        .date()
        .yesterday()
        .unwrap();
    let noon = yesterday
        .at(12, 0, 0, 0)
        .to_zoned(zone)
        .unwrap()
        .timestamp()
        .to_string();
    let file = t.data_dir.join("in.jsonl");
    std::fs::write(
        &file,
        line("m1", "@zuiderbank mijn pas is kwijt, wat nu?", &noon)
            + &line("m2", "@zuiderbank waarom zo duur?", &noon),
    )
    .unwrap();
    let out = t.run(&["import", file.to_str().unwrap(), "--source", "Forum"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let _server = t.serve_with_env(
        &[],
        &[
            ("WEDERHOOR_MAIL__SMTP_URL", sink.url().as_str()),
            (
                "WEDERHOOR_SUMMARY__MAIL_TO",
                "klantenservice@zuiderbank.example",
            ),
            ("WEDERHOOR_SUMMARY__SEND_AT", "00:00"),
        ],
    );
    let mails = sink.wait_for(1, Duration::from_secs(30)).await;
    let mail = mails
        .iter()
        .find(|m| {
            m.to.iter()
                .any(|a| a.contains("klantenservice@zuiderbank.example"))
        })
        .unwrap_or_else(|| panic!("no summary mail: {mails:?}"));
    let subject = mail.header_text("subject").unwrap_or_default();
    assert!(
        subject.contains(&format!("Webcare-samenvatting van {yesterday}")),
        "{subject}"
    );
    // Plain text, the same as HTML, and the CSV attached.
    let parts = mail.parts();
    let kinds: Vec<&str> = parts.iter().map(|p| p.content_type.as_str()).collect();
    assert_eq!(kinds, ["text/plain", "text/html", "text/csv"], "{parts:?}");
    let body = &parts[0].text;
    assert!(body.contains("Berichten binnengekomen: 2"), "{body}");
    assert!(body.contains("Forum: 2"), "{body}");
    let html = &parts[1].text;
    assert!(
        html.contains("<h1") && html.contains(&format!("Webcare-samenvatting van {yesterday}")),
        "{html}"
    );
    assert!(
        html.contains("<td>Forum</td><td align=\"right\">2</td>"),
        "{html}"
    );
    let csv = &parts[2];
    assert_eq!(
        csv.filename.as_deref(),
        Some(format!("webcare-{yesterday}.csv").as_str())
    );
    let rows: Vec<&str> = csv.text.lines().collect();
    assert_eq!(rows[0], "date,section,item,count");
    assert!(
        rows.contains(&format!("{yesterday},messages,,2").as_str()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&format!("{yesterday},by_source,Forum,2").as_str()),
        "{rows:?}"
    );
}
