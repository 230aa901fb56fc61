//! The public interface: the §7 JSON-lines contract, rules parsing errors, the brand file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use wederhoor_triage::{Action, Brand, DEFAULT_RULES, Engine, RulesError, TriageInput};

fn json(line: &str) -> Value {
    let out = Engine::default_engine().triage_json_line(line);
    assert!(!out.ends_with('\n'));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn default_rules_parse_and_default_engine_works() {
    let e = Engine::new(DEFAULT_RULES, Brand::demo()).unwrap();
    assert!(e.rule_ids().len() >= 10);
    assert_eq!(Engine::default_engine().rule_ids(), e.rule_ids());
}

#[test]
fn engine_is_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Engine>();
    let e = Engine::default_engine();
    let t = std::thread::spawn(move || {
        e.triage(&TriageInput {
            text: "Zuiderbank is een kankerbank",
            ..Default::default()
        })
        .verdict
        .action
    });
    assert_eq!(t.join().unwrap(), Action::NoEngage);
}

#[test]
fn full_line_gives_the_documented_shape() {
    let v = json(
        r#"{"id":"m1","text":"@zuiderbank mijn IBAN is NL91 ABNA 0417 1643 00, waarom is de betaling niet aangekomen?","source":"mastodon","author":{"handle":"@jan","name":"Jan","followers":12},"created_at":"2024-05-01T10:00:00Z","metrics":{"reposts":1,"likes":2},"extra":{"ignored":true}}"#,
    );
    assert_eq!(v["id"], "m1");
    assert_eq!(v["language"], "nl");
    assert_eq!(v["sentiment"]["label"], "neutral");
    assert!(v["sentiment"]["score"].is_number());
    assert_eq!(v["abusive"], false);
    assert_eq!(v["pii"][0]["kind"], "iban");
    assert_eq!(v["pii"][0]["start"], 25);
    assert_eq!(v["pii"][0]["end"], 47);
    assert_eq!(v["topics"], serde_json::json!(["payments"]));
    assert_eq!(v["priority"], 2);
    assert_eq!(v["verdict"]["action"], "private");
    assert_eq!(v["verdict"]["rule"], "persoonsgegevens-prive");
    assert!(v["verdict"]["reason"].as_str().unwrap().contains("privé"));
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 8, "{keys:?}");
}

#[test]
fn minimal_line_and_numeric_id() {
    let v = json(r#"{"id":42,"text":"Dank jullie wel @zuiderbank, top geholpen!"}"#);
    assert_eq!(v["id"], 42);
    assert_eq!(v["verdict"]["action"], "respond");
    assert_eq!(v["priority"], 0);
}

#[test]
fn bad_lines_give_error_lines() {
    let cases = [
        ("{not json", Value::Null, "invalid JSON"),
        ("[1,2]", Value::Null, "object"),
        (r#"{"text":"hoi"}"#, Value::Null, "missing \"id\""),
        (r#"{"id":"a"}"#, Value::from("a"), "missing \"text\""),
        (
            r#"{"id":"a","text":5}"#,
            Value::from("a"),
            "\"text\" must be a string",
        ),
        (r#"{"id":true,"text":"x"}"#, Value::Null, "\"id\" must be"),
        (
            r#"{"id":"b","text":"x","author":{"followers":"veel"}}"#,
            Value::from("b"),
            "author.followers",
        ),
        (
            r#"{"id":"c","text":"x","metrics":{"reposts":1.5}}"#,
            Value::from("c"),
            "metrics.reposts",
        ),
        (
            r#"{"id":"d","text":"x","author":"jan"}"#,
            Value::from("d"),
            "\"author\" must be an object",
        ),
        (
            r#"{"id":"e","text":"x","source":3}"#,
            Value::from("e"),
            "\"source\" must be a string",
        ),
    ];
    for (line, id, needle) in cases {
        let v = json(line);
        assert_eq!(v["id"], id, "{line}");
        let err = v["error"].as_str().unwrap_or_default();
        assert!(err.contains(needle), "{line}: {err}");
        assert_eq!(v.as_object().unwrap().len(), 2, "{line}");
    }
}

#[test]
fn followers_from_json_escalate_without_jumping_the_queue() {
    let v = json(
        r#"{"id":"r","text":"Weer storing bij @zuiderbank, niemand kan betalen!","author":{"handle":"@nos","name":"NOS","followers":2000000}}"#,
    );
    assert_eq!(v["verdict"]["action"], "escalate");
    // Reach brings a lead in; it does not raise the priority above the rule's own (seed 001:
    // every customer is treated the same).
    assert_eq!(v["priority"], 2);
    let c = v["verdict"]["confidence"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&c), "{c}");
}

#[test]
fn invalid_rules_file_mentions_line_and_column() {
    let bad = "[[rule]]\nid = \"a\"\naction = \"respnd\"\nreason = \"x\"\nwhen = { signal = \"question\" }\n";
    let e = Engine::new(bad, Brand::demo()).unwrap_err();
    assert!(
        matches!(
            e,
            RulesError::Invalid {
                line: 3,
                column: 10,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("line 3, column 10: unknown action \"respnd\""),
        "{e}"
    );

    let syntax = "[[rule]]\nid = \"a\"\n  when = { signal = \"question\" \n";
    let e = Engine::new(syntax, Brand::demo()).unwrap_err();
    assert!(matches!(e, RulesError::Syntax { line: 3, .. }), "{e:?}");
    assert!(e.to_string().starts_with("line 3, column"), "{e}");
}

#[test]
fn custom_rules_and_review_when_nothing_matches() {
    let rules = r#"
[[rule]]
id = "hypotheek-vraag"
action = "respond"
reason = "Vraag over een hypotheek."
when = { topic = "mortgage", signal = "question", not = { signal = "anonymous" } }

[[rule]]
id = "nl-engels"
action = "escalate"
priority = 3
reason = "Engelstalig via het forum."
[rule.when]
language = "en"
source = "forum"
"#;
    let e = Engine::new(rules, Brand::demo()).unwrap();
    assert_eq!(e.rule_ids(), ["hypotheek-vraag", "nl-engels"]);
    let t = e.triage(&TriageInput {
        text: "Zuiderbank, hoe zit het met mijn hypotheek?",
        author_handle: "@jan",
        author_name: Some("Jan"),
        ..Default::default()
    });
    assert_eq!(t.verdict.rule, "hypotheek-vraag");
    let t = e.triage(&TriageInput {
        text: "Where can I find the opening hours of your office?",
        source: Some("Forum"),
        ..Default::default()
    });
    assert_eq!(
        (t.verdict.action, t.verdict.rule.as_str()),
        (Action::Escalate, "nl-engels")
    );
    let t = e.triage(&TriageInput {
        text: "Zuiderbank!",
        ..Default::default()
    });
    assert_eq!(t.verdict.action, Action::Review);
    assert_eq!(t.verdict.rule, "review");
    assert!(!t.verdict.reason.is_empty());
}

#[test]
fn brand_from_toml() {
    let b = Brand::from_toml(
        "name = \"Noorderbank\"\naliases = [\"NB\"]\nhandles = [\"@noorderbank\"]\ndomains = [\"noorderbank.nl\"]\nproducts = [\"NoorderApp\"]\n",
    )
    .unwrap();
    assert_eq!(b.name, "Noorderbank");
    let e = Engine::new(DEFAULT_RULES, b).unwrap();
    let t = e.triage(&TriageInput {
        text: "Let op: noorderbank-inloggen.com is nep",
        author_handle: "@jan",
        author_name: Some("Jan"),
        ..Default::default()
    });
    assert_eq!(t.verdict.action, Action::Alert);
    let err = Brand::from_toml("name = \"X\"\nhandle = [\"@x\"]\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("line 2, column 1:"), "{err}");
}

#[test]
fn the_winning_rule_names_the_terms_it_matched() {
    let rules = r#"
[[rule]]
id = "kaart-kwijt"
action = "respond"
reason = "Kaart kwijt."
when = { all = [{ any = [{ phrase = "pas kwijt" }, { stem = "verlor" }] }, { not = { phrase = "gevonden" } }] }
"#;
    let engine = Engine::new(rules, Brand::demo()).unwrap();
    let input = |text| TriageInput {
        text,
        ..Default::default()
    };
    let t = engine.triage(&input("@zuiderbank help, mijn pas kwijt sinds gisteren"));
    assert_eq!(t.verdict.rule, "kaart-kwijt");
    assert_eq!(t.evidence, vec!["pas kwijt".to_owned()]);
    let t = engine.triage(&input(
        "@zuiderbank ik ben mijn pas verloren en ook mijn pas kwijt",
    ));
    assert_eq!(
        t.evidence,
        vec!["pas kwijt".to_owned(), "verlor".to_owned()]
    );
    // No winning rule, no evidence; and evidence never enters the JSON contract.
    let t = engine.triage(&input("@zuiderbank pas kwijt maar weer gevonden"));
    assert_eq!(t.verdict.rule, "review");
    assert!(t.evidence.is_empty());
    let line = engine.triage_json_line(r#"{"id":1,"text":"mijn pas kwijt"}"#);
    assert!(!line.contains("evidence"), "{line}");
}

#[test]
fn a_message_sent_to_us_directly_is_addressed_to_us_without_naming_us() {
    let e = Engine::default_engine();
    let input = |direct| wederhoor_triage::TriageInput {
        text: "Mijn vrouw heeft dementie, hoe kan ik haar bankzaken overnemen?",
        source: Some("E-mail"),
        author_handle: "piet@example.nl",
        author_name: Some("Piet"),
        direct,
        ..Default::default()
    };
    let public = e.triage(&input(false));
    assert_ne!(public.verdict.action, wederhoor_triage::Action::Respond);
    let mail = e.triage(&input(true));
    assert_eq!(
        mail.verdict.action,
        wederhoor_triage::Action::Respond,
        "{:?}",
        mail.verdict
    );
    assert!(
        mail.verdict.reason.contains("gericht aan ons"),
        "{}",
        mail.verdict.reason
    );
}

#[test]
fn a_review_verdict_names_the_evidence_that_made_it_doubtful() {
    let e = Engine::default_engine();
    let t = e.triage(&wederhoor_triage::TriageInput {
        text: "Mijn pinpas werkt al de hele dag niet, wat een gedoe",
        author_handle: "@janjansen",
        author_name: Some("Jan Jansen"),
        ..Default::default()
    });
    assert_eq!(t.verdict.action, wederhoor_triage::Action::Review);
    assert!(
        t.verdict.reason.contains("Aanwijzingen:")
            && t.verdict.reason.contains("noemt ons niet")
            && t.verdict.reason.contains("meldt een probleem"),
        "{}",
        t.verdict.reason
    );
}
