//! `wederhoor person export|erase`, through the real binary, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;

#[tokio::test]
async fn a_person_is_exported_erased_and_then_gone() {
    for t in Target::all("person").await {
        let b = t.backend();
        let file = t.data_dir.join("people.jsonl");
        std::fs::write(
            &file,
            concat!(
                "{\"id\":\"p1\",\"text\":\"Mijn pas doet het niet, groet Piet\",\"author\":{\"handle\":\"@piet\",\"name\":\"Piet Puk\"}}\n",
                "{\"id\":\"p2\",\"text\":\"Nog steeds niet\",\"author\":{\"handle\":\"@piet\"},\"in_reply_to\":\"p1\"}\n",
                "{\"id\":\"q1\",\"text\":\"Bij mij werkt de app niet\",\"author\":{\"handle\":\"@quinta\"}}\n",
            ),
        )
        .unwrap();
        let out = t.run(&["import", file.to_str().unwrap(), "--source", "forum"], "");
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let export = |handle: &str| {
            let out = t.run(
                &["person", "export", "--source", "forum", "--handle", handle],
                "",
            );
            assert!(
                out.status.success(),
                "{b}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
        };
        let json = export("@piet");
        let texts: Vec<&str> = json["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            texts,
            ["Mijn pas doet het niet, groet Piet", "Nog steeds niet"],
            "{b}"
        );
        assert_eq!(json["conversations"].as_array().unwrap().len(), 1, "{b}");
        assert_eq!(json["authors"][0]["name"], "Piet Puk", "{b}");

        let out = t.run(
            &[
                "person", "erase", "--source", "forum", "--handle", "@piet", "--reason", "verzoek",
            ],
            "",
        );
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("messages deleted: 2"), "{b}: {stdout}");
        assert!(stdout.contains("conversations deleted: 1"), "{b}: {stdout}");

        let json = export("@piet");
        assert_eq!(json["messages"].as_array().unwrap().len(), 0, "{b}: {json}");
        assert_eq!(json["authors"].as_array().unwrap().len(), 0, "{b}: {json}");
        assert_eq!(
            export("@quinta")["messages"].as_array().unwrap().len(),
            1,
            "{b}: the other person stays"
        );

        let out = t.run(
            &[
                "person", "erase", "--source", "forum", "--handle", "@piet", "--reason", "nogmaals",
            ],
            "",
        );
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{b}");
        assert!(stdout.contains("nothing to erase"), "{b}: {stdout}");
        assert!(stdout.contains("messages deleted: 0"), "{b}: {stdout}");

        let out = t.run(
            &[
                "person", "export", "--source", "nergens", "--handle", "@piet",
            ],
            "",
        );
        assert!(!out.status.success(), "{b}: unknown source is an error");
    }
}
