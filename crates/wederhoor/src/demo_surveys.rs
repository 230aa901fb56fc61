//! The demo's satisfaction surveys (issue #13): private cases by e-mail over the last week,
//! answered by three team members and closed, each with its survey link sent through the
//! survey use case and most of them answered, so a lead sees NPS per agent and reports with
//! real numbers on `/rapporten`. Two public cases of people without a private channel show
//! the survey that was not sent, and why; one link is left unanswered.

use anyhow::Context;
use serde_json::json;
use wederhoor_app::surveys::{self, SurveyOutcome, SurveyPolicy, SurveySender};
use wederhoor_core::CaseState;
use wederhoor_web::{AppState, ItemResult, ingest_values};

/// (handle, name, text, hours before now the message came, agent, score, comment, days ago
/// the survey was sent).
type Case = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    Option<&'static str>,
    &'static str,
    i64,
);

const CASES: &[Case] = &[
    (
        "r.pinas@example.nl",
        "Rosa Pinas",
        "Mijn automatische incasso voor de huur is twee keer afgeschreven. Kunnen jullie er één terugboeken?",
        30,
        "sanne",
        Some("10"),
        "Binnen een dag opgelost en netjes uitgelegd. Top!",
        6,
    ),
    (
        "t.kramer@example.nl",
        "Tom Kramer",
        "Ik kom niet meer in de app sinds de update van gisteren, wat moet ik doen?",
        5,
        "sanne",
        Some("9"),
        "",
        5,
    ),
    (
        "a.bos@example.nl",
        "Anouk Bos",
        "Mijn nieuwe pas is na twee weken nog steeds niet bezorgd.",
        52,
        "mehmet",
        Some("6"),
        "Het duurde lang voordat ik antwoord kreeg.",
        5,
    ),
    (
        "h.smit@example.nl",
        "Henk Smit",
        "Hoe verhoog ik mijn daglimiet voor betalen met de pas?",
        2,
        "sanne",
        Some("9"),
        "Snel en vriendelijk.",
        4,
    ),
    (
        "e.vermeulen@example.nl",
        "Eva Vermeulen",
        "Ik wil mijn rekening opzeggen, hoe gaat dat?",
        20,
        "mehmet",
        Some("8"),
        "",
        4,
    ),
    (
        "b.dekker@example.nl",
        "Bas Dekker",
        "Ik heb een verdachte sms gekregen over mijn pas, is die van jullie?",
        1,
        "lisa",
        Some("10"),
        "Fijn dat jullie zo snel waarschuwden.",
        3,
    ),
    (
        "m.visser@example.nl",
        "Mila Visser",
        "De rente op mijn spaarrekening klopt niet met wat op de site staat.",
        70,
        "mehmet",
        Some("3"),
        "Nog steeds geen duidelijk antwoord over de rente.",
        3,
    ),
    (
        "j.mulder@example.nl",
        "Jesse Mulder",
        "Mijn overboeking naar het buitenland is niet aangekomen.",
        26,
        "sanne",
        Some("7"),
        "",
        2,
    ),
    (
        "l.meijer@example.nl",
        "Lotte Meijer",
        "Kan ik een tweede pas aanvragen voor mijn partner?",
        4,
        "lisa",
        Some("9"),
        "",
        2,
    ),
    (
        "n.jansen@example.nl",
        "Noah Jansen",
        "Waarom is mijn betaalverzoek nog niet betaald terwijl het geld weg is?",
        9,
        "mehmet",
        Some("5"),
        "Ik moest alles drie keer uitleggen.",
        1,
    ),
    (
        "s.degroot@example.nl",
        "Sem de Groot",
        "Hoe zet ik contactloos betalen uit op mijn pas?",
        3,
        "sanne",
        Some("10"),
        "",
        1,
    ),
    (
        "f.bakker@example.nl",
        "Fenna Bakker",
        "Mijn hypotheekoverzicht is niet te downloaden.",
        15,
        "lisa",
        None,
        "",
        0,
    ),
];

/// Public cases whose author has no private channel with the bank: no survey goes out.
const PUBLIC_CASES: &[(&str, &str)] = &[
    (
        "@kees_op_fiets",
        "Zuiderbank, jullie app geeft al de hele ochtend een foutmelding bij inloggen. Wanneer is het opgelost?",
    ),
    (
        "@marloes.schrijft",
        "@Zuiderbank mijn betaling bij de supermarkt werd geweigerd terwijl er genoeg saldo is, hoe kan dat?",
    ),
];

/// Answers, closes and surveys the demo's cases.
pub async fn load(state: &AppState) -> anyhow::Result<()> {
    let store = &state.store;
    let rules = state.active_rules();
    let sources = store.list_sources().await?;
    let email = sources
        .iter()
        .find(|s| s.kind == "email")
        .context("the demo's e-mail source")?;
    let public = sources
        .iter()
        .find(|s| s.kind == "twitter")
        .context("the demo's Twitter source")?;
    let agents = store.list_agents().await?;
    let agent = |username: &str| {
        agents
            .iter()
            .find(|a| a.username == username)
            .map(|a| (a.id, a.display_name.clone()))
            .with_context(|| format!("demo agent {username}"))
    };
    let now = jiff::Timestamp::now();
    let at = |hours: i64| (now - jiff::SignedDuration::from_hours(hours)).to_string();
    let values = CASES
        .iter()
        .enumerate()
        .map(|(i, (handle, name, text, hours, ..))| {
            json!({ "id": format!("demo-survey-{i}"), "text": text, "created_at": at(*hours),
                    "author": { "handle": handle, "name": name } })
        })
        .collect();
    let report = ingest_values(store, &rules.engine, rules.version, email, values).await?;
    let mut conversations = Vec::new();
    for r in report.results {
        if let ItemResult::Stored { conversation, .. } = r {
            conversations.push(conversation);
        }
    }
    anyhow::ensure!(
        conversations.len() == CASES.len(),
        "demo survey cases were not all stored"
    );
    let values = PUBLIC_CASES
        .iter()
        .enumerate()
        .map(|(i, (handle, text))| {
            json!({ "id": format!("demo-survey-public-{i}"), "text": text, "created_at": at(6 + i as i64),
                    "author": { "handle": handle, "name": handle.trim_start_matches('@'), "followers": 40 } })
        })
        .collect();
    let report = ingest_values(store, &rules.engine, rules.version, public, values).await?;
    let public_cases: Vec<_> = report
        .results
        .into_iter()
        .filter_map(|r| match r {
            ItemResult::Stored { conversation, .. } => Some(conversation),
            _ => None,
        })
        .collect();

    let policy = SurveyPolicy {
        delay_ms: 0,
        ..state.config.surveys.clone()
    };
    let invitation = wederhoor_web::surveys::invitation;
    let sender = SurveySender {
        policy: &policy,
        replies: &state.config.replies,
        public_url: &state.config.public_url,
        invitation: &invitation,
    };
    let now_ms = now.as_millisecond();
    for (c, (_, _, _, _, who, score, comment, days_ago)) in conversations.iter().zip(CASES) {
        let (id, name) = agent(who)?;
        let signature = state
            .config
            .replies
            .signature(wederhoor_core::Channel::Email, &name);
        store
            .add_signed_reply(
                *c,
                id,
                "Dank voor je bericht. Ik heb het voor je uitgezocht en opgelost; laat het weten als er nog iets is.",
                Some(&signature),
            )
            .await?;
        store.set_state(*c, CaseState::Closed, id).await?;
        let outcome = surveys::case_closed(store, &sender, *c, now_ms).await?;
        if let (Some(SurveyOutcome::Sent { token, .. }), Some(score)) = (outcome, score) {
            let answered = surveys::answer(store, &token, score, comment, now_ms).await?;
            anyhow::ensure!(answered.is_ok(), "demo survey answer refused: {answered:?}");
        }
        store
            .shift_survey_times(*c, days_ago * 24 * 60 * 60 * 1000)
            .await?;
    }
    let (sanne, name) = agent("sanne")?;
    for c in public_cases {
        let signature = state
            .config
            .replies
            .signature(wederhoor_core::Channel::X, &name);
        store
            .add_signed_reply(
                c,
                sanne,
                "Vervelend! We hebben het doorgegeven en het is inmiddels opgelost.",
                Some(&signature),
            )
            .await?;
        store.set_state(c, CaseState::Closed, sanne).await?;
        surveys::case_closed(store, &sender, c, now_ms).await?;
    }
    Ok(())
}
