use super::normalize::normalize_word;
use super::*;
use proptest::prelude::*;

fn canon(q: &str) -> String {
    match Query::parse(q) {
        Ok(q) => q.to_string(),
        Err(e) => panic!("{q:?} did not parse: {e}"),
    }
}

#[test]
fn parses_to_canonical_form() {
    let cases = [
        (
            r#""ING" AND (pas OR pinpas) NOT sponsor"#,
            "ing AND (pas OR pinpas) AND NOT sponsor",
        ),
        ("a b OR c", "a AND b OR c"),
        ("a OR b c", "a OR b AND c"),
        ("(a OR b) c", "(a OR b) AND c"),
        ("a AND (b AND c)", "a AND b AND c"),
        ("(a OR (b OR c)) OR d", "a OR b OR c OR d"),
        ("((a))", "a"),
        ("NOT a b", "NOT a AND b"),
        ("NOT NOT a", "NOT NOT a"),
        ("a NOT (b OR c)", "a AND NOT (b OR c)"),
        ("a NOT (b c)", "a AND NOT (b AND c)"),
        ("Café", "cafe"),
        ("Überweisung Straße", "uberweisung AND strasse"),
        (r#""Zuiderbank   Pas""#, r#""zuiderbank pas""#),
        (r#""ING""#, "ing"),
        ("#Zuiderbank", "#zuiderbank"),
        ("@ZuiderBank", "@zuiderbank"),
        ("pinpas*", "pinpas*"),
        ("#zuider*", "#zuider*"),
        (r#""ing pin*""#, r#""ing pin*""#),
        (r#""@ing pas""#, r#""@ing pas""#),
        ("e-mail", r#""e mail""#),
        ("ing and pas", "ing AND and AND pas"),
        ("ing not sponsor or", "ing AND not AND sponsor AND or"),
        ("a\tAND\nb", "a AND b"),
    ];
    for (input, want) in cases {
        assert_eq!(canon(input), want, "input {input:?}");
        // The canonical form is a fixed point and parses to the same query.
        let q = Query::parse(input).unwrap();
        assert_eq!(Query::parse(&q.to_string()).unwrap(), q, "input {input:?}");
    }
}

#[test]
fn parse_errors_name_the_column() {
    let cases = [
        ("", "column 1: empty query"),
        ("   ", "column 1: empty query"),
        (r#""ING" AND (pas"#, "column 15: expected ')'"),
        (
            r#""ING" AND (pas OR pinpas NOT sponsor"#,
            "column 37: expected ')'",
        ),
        ("a )", "column 3: unexpected ')' without a matching '('"),
        (
            "a AND",
            r#"column 6: expected a term, a "phrase", NOT or '(' after AND, found the end of the query"#,
        ),
        (
            "a OR OR b",
            r#"column 6: expected a term, a "phrase", NOT or '(' after OR, found OR"#,
        ),
        (
            "()",
            r#"column 2: expected a term, a "phrase", NOT or '(' after '(', found ')'"#,
        ),
        (
            "café (",
            r#"column 7: expected a term, a "phrase", NOT or '(' after '(', found the end of the query"#,
        ),
        (
            "AND a",
            r#"column 1: expected a term, a "phrase", NOT or '(', found AND"#,
        ),
        (
            "a NOT",
            r#"column 6: expected a term, a "phrase", NOT or '(' after NOT, found the end of the query"#,
        ),
        (
            r#""ing pas"#,
            r#"column 1: unterminated phrase: missing closing '"'"#,
        ),
        (
            r#"ing "pas"#,
            r#"column 5: unterminated phrase: missing closing '"'"#,
        ),
        (
            r#"ing """#,
            "column 5: empty phrase: a phrase needs letters or digits",
        ),
        (
            "*pas",
            "column 1: '*' is only allowed at the end of a term (e.g. `pinpas*`)",
        ),
        (
            "pa*s",
            "column 3: '*' is only allowed at the end of a term (e.g. `pinpas*`)",
        ),
        (
            r#""ing* pas""#,
            "column 5: '*' is only allowed at the end of a phrase (e.g. `pinpas*`)",
        ),
        (
            "pas-*",
            "column 5: '*' must directly follow a letter or digit (e.g. `pinpas*`)",
        ),
        (
            "ing p*",
            "column 5: a wildcard needs at least 2 letters or digits before '*'",
        ),
        (
            "NOT sponsor",
            "column 1: the query matches messages that contain none of its terms; \
             combine NOT with a term that must occur, e.g. `ing NOT sponsor`",
        ),
        (
            "ing OR NOT sponsor",
            "column 8: the query matches messages that contain none of its terms; \
             combine NOT with a term that must occur, e.g. `ing NOT sponsor`",
        ),
        (
            "-sponsor",
            "column 1: '-' does not exclude a term; use NOT (e.g. `NOT sponsor`)",
        ),
        (
            r#""ing #pas""#,
            "column 6: a hashtag cannot be part of a phrase; use AND (e.g. `#ing AND \"pas kwijt\"`)",
        ),
        (
            "ing !!",
            "column 5: '!!' is not a term: a term needs letters or digits",
        ),
        (
            "ing #",
            "column 5: '#' is not a term: a term needs letters or digits",
        ),
    ];
    for (input, want) in cases {
        match Query::parse(input) {
            Ok(q) => panic!("{input:?} parsed as {q}, wanted error {want:?}"),
            Err(e) => {
                assert_eq!(e.to_string(), want, "input {input:?}");
                assert_eq!(
                    e.column,
                    want[7..want.find(':').unwrap()].parse::<usize>().unwrap()
                );
            }
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let q = format!("{}a{}", "(".repeat(500), ")".repeat(500));
    let e = Query::parse(&q).unwrap_err();
    assert!(e.message.contains("nested too deeply"), "{e}");
    let q = format!("a {}b", "NOT ".repeat(500));
    assert!(
        Query::parse(&q)
            .unwrap_err()
            .message
            .contains("nested too deeply")
    );
}

/// (query, text, expected)
const MATCHING: &[(&str, &str, bool)] = &[
    // word boundaries and wildcards
    ("pas", "mijn pas is kwijt", true),
    ("pas", "PAS!", true),
    ("pas", "ING-pas geblokkeerd", true),
    ("pas", "mijn paspoort", false),
    ("pas", "pinpas", false),
    ("pas*", "mijn paspoort", true),
    ("pas*", "pinpas", false),
    ("pinpas*", "pinpassen en pinpasautomaat", true),
    ("pas", "", false),
    // case and accents
    ("ING", "ing", true),
    ("ing", "ING", true),
    ("cafe", "Café Zuid", true),
    ("café", "CAFE", true),
    ("cafe", "cafe\u{301}", true),
    ("uberweisung", "Überweisung", true),
    ("strasse", "Straße", true),
    ("ijs", "ĲS", true),
    ("een", "één", true),
    // hashtags
    ("zuiderbank", "storing bij #Zuiderbank", true),
    ("#zuiderbank", "storing bij zuiderbank", false),
    ("#zuiderbank", "storing bij #ZuiderBank", true),
    ("#zuider*", "#zuiderbankNL", true),
    ("#zuider*", "zuiderbankNL", false),
    (r#""zuiderbank storing""#, "#zuiderbank storing!", true),
    ("#storing", "storing #zuiderbank", false),
    // handles
    ("@zuiderbank", "@Zuiderbank help", true),
    ("zuiderbank", "@zuiderbank help", false),
    ("@zuiderbank", "zuiderbank", false),
    ("@zuiderbank", "#zuiderbank", false),
    ("@zuiderbank", "mail klant@zuiderbank.nl", false),
    ("zuiderbank", "mail klant@zuiderbank.nl", true),
    ("@zuider*", "@zuiderbank_nl", true),
    (r#""@zuiderbank pas""#, "@ZuiderBank: pas kwijt", true),
    ("@ing", "@ing@mastodon.social", true),
    // phrases
    (r#""ing pas""#, "ING, pas kwijt", true),
    (r#""ing pas""#, "pas ING", false),
    (r#""ing pas""#, "ing de pas", false),
    (r#""ing pas""#, "ing paspoort", false),
    (r#""ing pin*""#, "ing pinpasje", true),
    ("e-mail", "stuur een e-mail", true),
    ("e-mail", "stuur een mail", false),
    // precedence: NOT > AND > OR
    ("a OR b c", "a", true),
    ("a OR b c", "b", false),
    ("a OR b c", "b c", true),
    ("a b OR c", "c", true),
    ("a b OR c", "a", false),
    ("a NOT b OR c", "a b c", true),
    ("a NOT b OR c", "a b", false),
    ("a NOT b OR c", "a", true),
    ("a NOT b c", "a c", true),
    ("a NOT b c", "a b c", false),
    ("(a OR b) c", "a", false),
    ("(a OR b) c", "b c", true),
    ("a NOT (b OR c)", "a c", false),
    ("a NOT (b c)", "a c", true),
    ("a NOT (b c)", "a b c", false),
    ("NOT NOT a", "a", true),
    // lower-case operators are words
    ("ing not sponsor", "ing sponsor", false),
    ("ing not sponsor", "ing is not a sponsor", true),
    // the example
    (
        r#""ING" AND (pas OR pinpas) NOT sponsor"#,
        "ING pinpas werkt niet",
        true,
    ),
    (
        r#""ING" AND (pas OR pinpas) NOT sponsor"#,
        "ING pas, hoofdsponsor",
        true,
    ),
    (
        r#""ING" AND (pas OR pinpas) NOT sponsor"#,
        "ING sponsor pas",
        false,
    ),
    (
        r#""ING" AND (pas OR pinpas) NOT sponsor"#,
        "ING pinpasje",
        false,
    ),
];

#[test]
fn matching_semantics() {
    for &(query, text, want) in MATCHING {
        let q = Query::parse(query).unwrap();
        assert_eq!(q.matches(text), want, "Query::matches({query:?}, {text:?})");
        let m = Matcher::compile([(QueryId(1), &q)]);
        let got = m.matches(text) == vec![QueryId(1)];
        assert_eq!(got, want, "Matcher({query:?}).matches({text:?})");
        let n = Matcher::compile_naive([(QueryId(1), &q)]);
        assert_eq!(
            n.matches(text) == vec![QueryId(1)],
            want,
            "naive {query:?} {text:?}"
        );
    }
}

#[test]
fn all_queries_in_one_matcher() {
    let queries: Vec<(QueryId, Query)> = MATCHING
        .iter()
        .enumerate()
        .map(|(i, (q, _, _))| (QueryId(i as u64), Query::parse(q).unwrap()))
        .collect();
    let m = Matcher::compile(queries.iter().map(|(id, q)| (*id, q)));
    assert_eq!(m.len(), queries.len());
    assert!(m.term_count() < queries.len() * 3);
    for &(_, text, _) in MATCHING {
        let want: Vec<QueryId> = queries
            .iter()
            .filter(|(_, q)| q.matches(text))
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(m.matches(text), want, "text {text:?}");
    }
}

#[test]
fn ids_are_sorted_and_deduplicated() {
    let m = Matcher::compile([
        (QueryId(9), Query::parse("pas").unwrap()),
        (QueryId(3), Query::parse("ing").unwrap()),
        (QueryId(9), Query::parse("ing pas").unwrap()),
        (QueryId(5), Query::parse("sponsor").unwrap()),
    ]);
    assert_eq!(m.matches("ing pas"), vec![QueryId(3), QueryId(9)]);
    assert_eq!(m.matches("niets"), vec![]);
    let empty = Matcher::compile(Vec::<(QueryId, Query)>::new());
    assert!(empty.is_empty());
    assert_eq!(empty.matches("ing pas"), vec![]);
}

#[test]
fn tokenizer_normalises() {
    assert_eq!(normalize_word("Ĳsselmeer"), "ijsselmeer");
    assert_eq!(normalize_word("Ærø"), "aero");
    let mut toks = Vec::new();
    super::normalize::tokenize("Hé @ING_nl, #Pas! a@b ##x", |k, t, c| {
        toks.push((k, t.to_owned(), c))
    });
    assert_eq!(
        toks,
        vec![
            (TokenKind::Word, "he".to_owned(), 0),
            (TokenKind::Handle, "ing_nl".to_owned(), 3),
            (TokenKind::Hashtag, "pas".to_owned(), 12),
            (TokenKind::Word, "a".to_owned(), 18),
            (TokenKind::Word, "b".to_owned(), 20),
            (TokenKind::Hashtag, "x".to_owned(), 23),
        ]
    );
}

// ---- property tests ----

const VOCAB: &[&str] = &[
    "ing",
    "pas",
    "pinpas",
    "paspoort",
    "sponsor",
    "café",
    "cafe",
    "zuiderbank",
    "app",
    "storing",
];

fn leaf() -> impl Strategy<Value = String> {
    let word = proptest::sample::select(VOCAB);
    prop_oneof![
        4 => word.clone().prop_map(|w| w.to_owned()),
        1 => word.clone().prop_map(|w| w.to_uppercase()),
        1 => (word.clone(), 2usize..5).prop_map(|(w, n)| format!("{}*", w.chars().take(n).collect::<String>())),
        1 => word.clone().prop_map(|w| format!("#{w}")),
        1 => word.clone().prop_map(|w| format!("@{w}")),
        1 => (word.clone(), word.clone()).prop_map(|(a, b)| format!("\"{a} {b}\"")),
        1 => (word.clone(), word).prop_map(|(a, b)| format!("\"{a} {}*\"", b.chars().take(2).collect::<String>())),
    ]
}

fn query_text() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 16, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) AND ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) OR ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) NOT ({b})")),
            inner.prop_map(|a| format!("NOT ({a})")),
        ]
    })
}

fn message() -> impl Strategy<Value = String> {
    let piece = (
        proptest::sample::select(VOCAB),
        proptest::sample::select(&["", "", "", "#", "@", "x", "-"][..]),
        proptest::sample::select(&[" ", " ", ", ", "! ", "-", "@", "s "][..]),
        any::<bool>(),
    )
        .prop_map(|(w, pre, sep, upper)| {
            let w = if upper {
                w.to_uppercase()
            } else {
                w.to_owned()
            };
            format!("{pre}{w}{sep}")
        });
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn matcher_agrees_with_naive_evaluation(
        queries in proptest::collection::vec(query_text(), 1..10),
        texts in proptest::collection::vec(message(), 1..8),
    ) {
        let parsed: Vec<(QueryId, Query)> = queries
            .iter()
            .enumerate()
            .filter_map(|(i, q)| Query::parse(q).ok().map(|q| (QueryId(i as u64 % 7), q)))
            .collect();
        let m = Matcher::compile(parsed.iter().map(|(id, q)| (*id, q)));
        let n = Matcher::compile_naive(parsed.iter().map(|(id, q)| (*id, q)));
        for text in &texts {
            let mut want: Vec<QueryId> =
                parsed.iter().filter(|(_, q)| q.matches(text)).map(|(id, _)| *id).collect();
            want.sort();
            want.dedup();
            prop_assert_eq!(&m.matches(text), &want, "text {:?}", text);
            prop_assert_eq!(&n.matches(text), &want, "text {:?}", text);
        }
    }

    #[test]
    fn canonical_form_round_trips(q in query_text()) {
        if let Ok(parsed) = Query::parse(&q) {
            let canonical = parsed.to_string();
            prop_assert_eq!(Query::parse(&canonical), Ok(parsed), "{} -> {}", q, canonical);
        }
    }

    #[test]
    fn parse_never_panics(s in "[a-zé#@*\"()\\- ]{0,30}|(AND|OR|NOT|\\(|\\)|\"|x|\\*| ){0,20}") {
        if let Ok(q) = Query::parse(&s) {
            let canonical = q.to_string();
            prop_assert_eq!(Query::parse(&canonical), Ok(q), "{:?} -> {}", s, canonical);
        }
    }
}
