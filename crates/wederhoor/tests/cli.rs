//! The command line, through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Target;
use std::io::Write;

#[test]
fn triage_answers_every_line_in_order_and_reports_bad_lines() {
    let t = Target::sqlite("triage");
    let input = concat!(
        "{\"id\":\"a\",\"text\":\"Mijn IBAN is NL91ABNA0417164300, graag terugstorten\"}\n",
        "dit is geen json\n",
        "{\"id\":\"c\"}\n",
        "{\"id\":7,\"text\":\"Bedankt voor de snelle hulp vandaag!\",\"author\":{\"handle\":\"@anna\",\"name\":\"Anna\",\"followers\":12}}\n",
    );
    let out = t.run(&["triage"], input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "one output line per input line");
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["verdict"]["action"], "private", "{}", lines[0]);
    let pii = &lines[0]["pii"][0];
    assert_eq!(pii["kind"], "iban");
    // "Mijn IBAN is " is 13 bytes; the IBAN is 18.
    assert_eq!(
        (pii["start"].as_u64(), pii["end"].as_u64()),
        (Some(13), Some(31))
    );
    assert!(
        lines[1]["id"].is_null() && lines[1]["error"].is_string(),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["id"], "c");
    assert!(
        lines[2]["error"].as_str().unwrap().contains("text"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3]["id"], 7);
    for key in [
        "language",
        "sentiment",
        "abusive",
        "pii",
        "topics",
        "priority",
        "verdict",
    ] {
        assert!(lines[3].get(key).is_some(), "missing {key} in {}", lines[3]);
    }
}

#[test]
fn triage_with_an_invalid_rules_file_names_line_and_column() {
    let t = Target::sqlite("rules");
    let file = t.data_dir.join("rules.toml");
    std::fs::write(&file, "[[rule]]\nid = \"x\"\naction = \n").unwrap();
    let out = t.run(&["rules", "check", file.to_str().unwrap()], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn import_reports_bad_lines_with_numbers_and_reruns_store_nothing_twice() {
    let t = Target::sqlite("import");
    let file = t.data_dir.join("messages.jsonl");
    let mut f = std::fs::File::create(&file).unwrap();
    for i in 0..2500 {
        writeln!(f, "{{\"id\":\"m{i}\",\"text\":\"Bericht nummer {i} over mijn pinpas\",\"source\":\"Forum\"}}").unwrap();
        if i == 10 {
            writeln!(f, "{{\"id\":\"kapot\"").unwrap(); // line 12: not JSON
        }
        if i == 20 {
            writeln!(f, "{{\"id\":\"leeg\",\"text\":\"\"}}").unwrap(); // line 23: empty text
        }
    }
    drop(f);
    let out = t.run(&["import", file.to_str().unwrap()], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "rejected lines give exit code 3; {stderr}"
    );
    assert!(
        stdout.contains("2500 stored") && stdout.contains("2 rejected"),
        "{stdout}"
    );
    assert!(
        stderr.contains("messages.jsonl:12: rejected: not valid JSON"),
        "{stderr}"
    );
    assert!(
        stderr.contains("messages.jsonl:23: rejected: field `text` is empty"),
        "{stderr}"
    );

    let again = t.run(&["import", file.to_str().unwrap()], "");
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains("0 stored") && stdout.contains("2500 duplicates"),
        "{stdout}"
    );
}

/// A bulk import pipelines its batches (triage ahead, stores in file order): a reply joins its
/// parent's conversation whether the parent is in the same batch of 1,000 lines, in the one
/// before it, or several batches back, and a second run stores nothing.
#[tokio::test]
async fn import_threads_replies_within_and_across_batches_and_reruns_are_duplicates() {
    for t in Target::all("import-threads").await {
        let b = t.backend();
        let file = t.data_dir.join("threads.jsonl");
        let mut f = std::fs::File::create(&file).unwrap();
        // Which line (index) each message's conversation started with.
        let mut root: Vec<usize> = Vec::new();
        let total = 4200;
        for i in 0..total {
            // Threads of seven lines, so threads run over the batch boundaries; from line 1,500
            // on, every seventh line (3 mod 7) answers a message 1,400 lines back instead.
            let parent = match i % 7 {
                0 => None,
                3 if i >= 1500 => Some(i - 1400),
                _ => Some(i - 1),
            };
            root.push(parent.map_or(i, |p| root[p]));
            let reply = parent
                .map(|p| format!(",\"in_reply_to\":\"t{p}\""))
                .unwrap_or_default();
            writeln!(
                f,
                "{{\"id\":\"t{i}\",\"text\":\"Bericht {i} over mijn pinpas\",\"author\":{{\"handle\":\"@klant{}\"}}{reply}}}",
                i % 97
            )
            .unwrap();
        }
        drop(f);
        let out = t.run(&["import", file.to_str().unwrap(), "--source", "Draad"], "");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains(&format!("{total} stored")), "{b}: {stdout}");

        let url = t
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", t.data_dir.join("wederhoor.db").display()));
        let store = wederhoor_store::Store::open(&url).await.unwrap();
        let source = store.source_by_name("Draad").await.unwrap().unwrap();
        let filter = wederhoor_store::ConversationFilter {
            source: Some(source.id),
            ..Default::default()
        };
        let listed = store.list_conversations(&filter, 0, 10_000).await.unwrap();
        let mut found: Vec<Vec<usize>> = Vec::new();
        for c in &listed {
            let detail = store.conversation(c.id).await.unwrap().unwrap();
            let mut lines: Vec<usize> = detail
                .messages
                .iter()
                .map(|m| m.external_id.trim_start_matches('t').parse().unwrap())
                .collect();
            lines.sort_unstable();
            assert_eq!(
                c.message_count,
                lines.len() as i64,
                "{b}: message count of conversation {}",
                c.id
            );
            found.push(lines);
        }
        found.sort();
        let mut expected: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for (i, r) in root.iter().enumerate() {
            expected.entry(*r).or_default().push(i);
        }
        let expected: Vec<Vec<usize>> = expected.into_values().collect();
        assert_eq!(found.len(), expected.len(), "{b}: number of conversations");
        assert_eq!(found, expected, "{b}: conversations");
        let counts = store.count_conversations_by_verdict(&filter).await.unwrap();
        assert_eq!(
            counts.iter().map(|c| c.count).sum::<i64>(),
            expected.len() as i64,
            "{b}: the inbox counts match the conversations"
        );
        drop(store);

        let again = t.run(&["import", file.to_str().unwrap(), "--source", "Draad"], "");
        let stdout = String::from_utf8_lossy(&again.stdout);
        assert!(
            again.status.success() && stdout.contains(&format!("0 stored, {total} duplicates")),
            "{b}: {stdout}"
        );
    }
}

#[test]
fn unknown_configuration_keys_are_refused_clearly() {
    let t = Target::sqlite("config");
    let out = t
        .command()
        .arg("migrate")
        .env("WEDERHOOR_SERVER__LISTN", "x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown field") && err.contains("listn"),
        "{err}"
    );

    let file = t.data_dir.join("wederhoor.toml");
    std::fs::write(
        &file,
        "[server]\nlisten = \"127.0.0.1:9\"\n[outbox]\nmax_attempts = 0\n",
    )
    .unwrap();
    let out = t
        .command()
        .arg("--config")
        .arg(&file)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("outbox.max_attempts"));
}

#[test]
fn users_are_added_listed_and_need_a_real_password() {
    let t = Target::sqlite("users");
    t.add_user("sanne", "Sanne Jansen", "agent", "lang-genoeg-wachtwoord");
    let short = t.run(&["user", "add", "kort", "--name", "Kort"], "abc\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10"));
    let bad_role = t.run(
        &["user", "add", "x", "--name", "X", "--role", "baas"],
        "lang-genoeg-wachtwoord\n",
    );
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role"));
    let list = t.run(&["user", "list"], "");
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.contains("sanne\tagent\tSanne Jansen"), "{list}");
    assert!(!list.contains("kort"));
}

/// The default rules plus one rule that sends every message with "blauwvoet" to `alert`.
fn draft_with_alert_word(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("draft.toml");
    std::fs::write(
        &file,
        format!(
            "{}\n[[rule]]\nid = \"blauwvoet-alarm\"\naction = \"alert\"\nreason = \"Test.\"\nwhen = {{ phrase = \"blauwvoet\" }}\n",
            wederhoor_triage::DEFAULT_RULES
        ),
    )
    .unwrap();
    file
}

#[tokio::test]
async fn rules_test_lists_exactly_the_changed_verdicts_and_bad_lines() {
    for t in Target::all("rulestest").await {
        let b = t.backend();
        let draft = draft_with_alert_word(&t.data_dir);
        let messages = t.data_dir.join("messages.jsonl");
        std::fs::write(
            &messages,
            concat!(
                "{\"id\":\"w1\",\"text\":\"Ik zag een blauwvoet bij de Zuiderbank\"}\n",
                "{\"id\":\"w2\",\"text\":\"Mijn pas werkt niet in de winkel\"}\n",
                "{\"id\":\"w3\",\"text\":\"Bedankt Zuiderbank voor de snelle hulp!\",\"author\":{\"handle\":\"@anna\",\"name\":\"Anna\",\"followers\":12}}\n",
                "{\"id\":\"kapot\"\n",
                "\n",
                "{\"id\":\"w6\",\"text\":\"Weer een BLAUWVOET, wat is dat?\",\"source\":\"Forum\",\"metrics\":{\"reposts\":1}}\n",
            ),
        )
        .unwrap();
        let out = t.run(
            &[
                "rules",
                "test",
                draft.to_str().unwrap(),
                "--against",
                messages.to_str().unwrap(),
            ],
            "",
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{b}: {stderr}");
        let changed: Vec<&str> = stdout.lines().filter(|l| l.contains(" → ")).collect();
        assert_eq!(changed.len(), 2, "{b}: {stdout}");
        assert!(changed[0].starts_with("w1: "), "{b}: {stdout}");
        assert!(changed[1].starts_with("w6: "), "{b}: {stdout}");
        for line in &changed {
            assert!(line.ends_with("→ alert (blauwvoet-alarm)"), "{b}: {line}");
        }
        assert!(
            stdout.contains("4 messages, 2 verdicts change"),
            "{b}: {stdout}"
        );
        assert!(
            stderr.contains("messages.jsonl:4: skipped"),
            "{b}: {stderr}"
        );

        // Against the stored messages: import them, then only the two with the word change.
        let out = t.run(&["import", messages.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(3), "{b}: one line is rejected");
        let out = t.run(
            &["rules", "test", draft.to_str().unwrap(), "--against-store"],
            "",
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{b}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut ids: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains(" → "))
            .filter_map(|l| l.split(':').next())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, ["w1", "w6"], "{b}: {stdout}");
        assert!(
            stdout.contains("4 messages, 2 verdicts change"),
            "{b}: {stdout}"
        );

        // An invalid draft: exit code 1 and the line of the mistake.
        let bad = t.data_dir.join("bad.toml");
        std::fs::write(
            &bad,
            "[[rule]]\nid = \"x\"\naction = \"alert\"\nreason = \"r\"\nwhen = { phrase = \"a\", kleur = \"oranje\" }\n",
        )
        .unwrap();
        let out = t.run(
            &[
                "rules",
                "test",
                bad.to_str().unwrap(),
                "--against",
                messages.to_str().unwrap(),
            ],
            "",
        );
        assert_eq!(out.status.code(), Some(1), "{b}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("line 5"), "{b}: {stderr}");
        assert!(out.stdout.is_empty(), "{b}");
    }
}

#[test]
fn a_team_can_bring_its_own_topic_taxonomy() {
    let t = Target::sqlite("topics");
    let topics = t.data_dir.join("topics.toml");
    std::fs::write(
        &topics,
        "[[topic]]\nname = \"energie\"\nphrases = [\"stroomstoring\"]\nstems = [\"energierekening\"]\n",
    )
    .unwrap();
    let input = "{\"id\":\"t1\",\"text\":\"Weer een stroomstoring in Utrecht\"}\n";
    let topics_arg = topics.to_str().unwrap();
    // The default rules name bank topics that this taxonomy lacks: a clear error, not a guess.
    let out = t.run(&["triage", "--topics", topics_arg], input);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("topic"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // With rules that fit the taxonomy, its topics are found.
    let rules = t.data_dir.join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"storing\"\naction = \"alert\"\nreason = \"Storing.\"\nwhen = { topic = \"energie\" }\n",
    )
    .unwrap();
    let out = t.run(
        &[
            "triage",
            "--topics",
            topics_arg,
            "--rules",
            rules.to_str().unwrap(),
        ],
        input,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["topics"], serde_json::json!(["energie"]));
    assert_eq!(line["verdict"]["rule"], "storing");
}

#[tokio::test]
async fn retention_command_deletes_expired_messages_of_listened_sources() {
    let t = Target::sqlite("retention");
    let file = t.data_dir.join("old.jsonl");
    std::fs::write(
        &file,
        concat!(
            "{\"id\":\"o1\",\"text\":\"Oud bericht over de pinpas\",\"source\":\"Blog\",\"created_at\":\"2025-01-01T10:00:00Z\"}\n",
            "{\"id\":\"o2\",\"text\":\"Nog een oud bericht\",\"source\":\"Blog\",\"created_at\":\"2025-02-01T10:00:00Z\"}\n",
            "{\"id\":\"n1\",\"text\":\"Nieuw bericht\",\"source\":\"Blog\"}\n",
        ),
    )
    .unwrap();
    assert!(
        t.run(&["import", file.to_str().unwrap()], "")
            .status
            .success()
    );
    {
        let url = format!("sqlite://{}", t.data_dir.join("wederhoor.db").display());
        let store = wederhoor_store::Store::open(&url).await.unwrap();
        let blog = store.source_by_name("Blog").await.unwrap().unwrap();
        let mut settings = wederhoor_store::SourceSettings::from(&blog);
        settings.owned = false;
        settings.retention_days = Some(90);
        store
            .update_source_settings(blog.id, &settings, None)
            .await
            .unwrap();
    }
    let out = t.run(&["retention"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2 expired messages deleted"
    );
    let again = t.run(&["retention"], "");
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "0 expired messages deleted"
    );
}

#[test]
fn a_sources_file_creates_updates_and_reports_bad_entries() {
    let t = Target::sqlite("sources-file");
    let file = t.data_dir.join("sources.toml");
    std::fs::write(
        &file,
        concat!(
            "[[source]]\nname = \"Zuiderblog\"\nkind = \"rss\"\nurl = \"https://blog.example/feed.xml\"\n",
            "listening_query = \"zuiderbank AND pinpas*\"\nretention_days = 90\nowned = false\n\n",
            "[[source]]\nname = \"Kapot\"\nkind = \"rss\"\n\n", // line 9: rss without a URL
            "[[source]]\nname = \"Query\"\nkind = \"forum\"\nlistening_query = \"(pas\"\n",
        ),
    )
    .unwrap();
    let out = t.run(&["source", "sync", file.to_str().unwrap()], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "refused entries make the command fail"
    );
    assert!(
        stdout.contains("source Zuiderblog created; ingest token"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sources.toml:9: source \"Kapot\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("source \"Query\"") && stdout.contains("column"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 created, 0 updated, 0 unchanged, 2 refused"),
        "{stdout}"
    );

    std::fs::write(
        &file,
        "[[source]]\nname = \"Zuiderblog\"\nkind = \"rss\"\nurl = \"https://blog.example/feed.xml\"\nretention_days = 30\nowned = false\n",
    )
    .unwrap();
    let out = t.run(&["source", "sync", file.to_str().unwrap()], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("0 created, 1 updated, 0 unchanged, 0 refused")
    );
    let again = t.run(&["source", "sync", file.to_str().unwrap()], "");
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 created, 0 updated, 1 unchanged"));
    let list = t.run(&["source", "list"], "");
    assert!(String::from_utf8_lossy(&list.stdout).contains("Zuiderblog\trss"));
}

#[tokio::test]
async fn audit_verify_finds_a_changed_entry_and_the_files_are_private() {
    let t = Target::sqlite("audit-verify");
    t.add_user("sanne", "Sanne Jansen", "agent", "lang-genoeg-wachtwoord");
    let out = t.run(&["user", "disable", "sanne"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = t.run(&["audit", "verify"], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("audit log intact: 2 chained entries"),
        "{stdout}"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in ["wederhoor.db", "secret.key"] {
            let mode = std::fs::metadata(t.data_dir.join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
    }

    // Somebody with access to the database rewrites the first entry.
    let url = format!("sqlite://{}", t.data_dir.join("wederhoor.db").display());
    let store = wederhoor_store::Store::open(&url).await.unwrap();
    wederhoor_store::testing::tamper_audit_detail(&store, 1, "iemand anders")
        .await
        .unwrap();
    drop(store);
    let out = t.run(&["audit", "verify"], "");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("entry 1 does not match"), "{stderr}");
}

#[test]
fn the_demo_keeps_its_data_in_the_given_data_directory_and_never_overwrites_one() {
    let t = Target::sqlite("demo-data-dir");
    let db = t.data_dir.join("wederhoor.db");
    assert!(!db.exists());
    let mut server = t.serve_with(&["--demo"]);
    assert!(
        db.exists(),
        "the demo's database is in {}",
        t.data_dir.display()
    );
    // The demo team is in that store: the CLI pointed at the same directory lists it.
    let list = t.run(&["user", "list"], "");
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.contains("sanne\t"), "{list}");
    server.kill();
    // A second demo in the same directory would overwrite (or mix with) the data: refused.
    let again = t
        .command()
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already holds a database"), "{stderr}");
    let list = t.run(&["user", "list"], "");
    assert!(String::from_utf8_lossy(&list.stdout).contains("sanne\t"));
}
