//! `wederhoor alerts replay` (issue #13): a wave of near-duplicate phishing messages in a stream of
//! ordinary ones opens one alert, later wave messages update it; bad lines are reported and skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use serde_json::{Value, json};

#[test]
fn a_phishing_wave_in_a_replayed_stream_opens_one_alert() {
    let t = Target::sqlite("alerts");
    let ordinary = [
        "mijn internet valt steeds weg sinds gisteren avond",
        "wanneer komt de technieker eindelijk langs voor de installatie",
        "bedankt voor de snelle hulp met mijn abonnement vandaag",
        "waarom is mijn factuur deze maand zo hoog geworden",
        "ik wil graag overstappen naar een ander tarief met meer data",
    ];
    // A fixed day in the past: the replay only knows the times in the file.
    let at = |minute: i64| {
        jiff::Timestamp::from_second(1_700_000_000 + minute * 60)
            .unwrap()
            .to_string()
    };
    let mut file = String::new();
    for i in 0..40i64 {
        let m = json!({"id": format!("o{i}"), "text": format!("@zuiderbank {}", ordinary[i as usize % 5]),
            "author": {"handle": format!("@klant{i}")}, "created_at": at(i * 7)});
        file.push_str(&format!("{m}\n"));
        if i == 20 {
            file.push_str("dit is geen json\n");
            for w in 0..5i64 {
                let m = json!({"id": format!("wave{w}"),
                    "text": format!("@zuiderbank sms gekregen: uw rekening van EUR {w}2,50 is niet betaald, betaal via https://zuiderbank-betaal.com/{w} om blokkering te vermijden. Phishing?"),
                    "author": {"handle": format!("@ontvanger{w}")}, "created_at": at(i * 7 + w)});
                file.push_str(&format!("{m}\n"));
            }
        }
    }
    let stream = t.data_dir.join("stream.jsonl");
    std::fs::write(&stream, file).unwrap();
    let out = t.run(&["alerts", "replay", stream.to_str().unwrap()], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("line 22: not a message"), "{err}");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let opened: Vec<&Value> = lines.iter().filter(|l| l["event"] == "opened").collect();
    assert_eq!(opened.len(), 1, "{lines:?}");
    let a = opened[0];
    assert_eq!(a["message_ids"], json!(["wave0", "wave1", "wave2"]), "{a}");
    assert_eq!(a["opened_at"], at(20 * 7 + 2), "{a}");
    assert_eq!(a["kind"], "phishing", "{a}");
    let updates: Vec<&Value> = lines.iter().filter(|l| l["event"] == "update").collect();
    assert_eq!(updates.len(), 2, "{lines:?}");
    assert!(updates.iter().all(|u| u["alert"] == a["alert"]));
    assert!(updates.iter().all(|u| u.get("opened_at").is_none()));
}
