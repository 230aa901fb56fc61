//! Answers at hand in the demo (#12): a few earlier cases the team answered (weeks ago, closed),
//! so the composer of today's similar cases ("pas ingeslikt", "fout 4012", the savings rate)
//! shows a suggested reply; two approved facts for corrections; and two agents on the public
//! team page.

use anyhow::Context;
use serde_json::json;
use wederhoor_core::{AgentId, CaseState};
use wederhoor_store::{PublicProfile, Source, Store};
use wederhoor_web::{ActiveRules, ItemResult, ingest_values};

/// (handle, name, text, days ago, the answer that was sent).
const ANSWERED: &[(&str, &str, &str, i64, &str)] = &[
    (
        "@marloes_k",
        "Marloes Kuipers",
        "De geldautomaat bij het station in Amersfoort heeft mijn pas ingeslikt. Wat moet ik nu doen? Bel me gerust op 06-12345678",
        12,
        "Hoi Marloes, wat vervelend dat de automaat je pas heeft ingeslikt. Blokkeer de pas meteen in de ZuiderApp (Kaarten > Blokkeren) en bestel daar een nieuwe; die is binnen drie werkdagen bij je. Tot dan kun je met je telefoon geld opnemen bij onze automaten.",
    ),
    (
        "@ruudb",
        "Ruud Bos",
        "Sinds de update kan ik niet meer inloggen in de ZuiderApp, ik krijg fout 4012. Opnieuw installeren helpt niet.",
        20,
        "Hoi Ruud, fout 4012 komt door de laatste update. Werk de ZuiderApp bij naar de nieuwste versie en log opnieuw in met je inlogcode; lukt het dan nog niet, stuur ons een DM en we lopen het samen met je door.",
    ),
    (
        "@spaarder_eva",
        "Eva Smit",
        "Klopt het dat de rente op de Zuider Spaarrekening omlaag gaat? Ik hoor het overal.",
        30,
        "Hoi Eva, de rente op de Zuider Spaarrekening is 2,25% per jaar over het hele saldo en die hebben we dit jaar niet verlaagd. Je ziet de actuele rente altijd op zuiderbank.example/sparen/rente.",
    ),
];

/// Loads the earlier answered cases into `source`, the facts and the team page.
pub async fn load(
    store: &Store,
    rules: &ActiveRules,
    source: &Source,
    answerer: AgentId,
    lead: AgentId,
    on_team: &[(AgentId, &str, &str)],
) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let values = ANSWERED
        .iter()
        .enumerate()
        .map(|(i, (handle, name, text, days, _))| {
            let at = now - jiff::SignedDuration::from_hours(days * 24);
            json!({ "id": format!("demo-answered-{i}"), "text": text, "created_at": at.to_string(),
                    "author": { "handle": handle, "name": name, "followers": 25 } })
        })
        .collect();
    let report = ingest_values(store, &rules.engine, rules.version, source, values).await?;
    let cases: Vec<_> = report
        .results
        .into_iter()
        .filter_map(|r| match r {
            ItemResult::Stored { conversation, .. } => Some(conversation),
            _ => None,
        })
        .collect();
    anyhow::ensure!(
        cases.len() == ANSWERED.len(),
        "demo answered cases were not all stored"
    );
    for (c, (.., answer)) in cases.iter().zip(ANSWERED) {
        let reply = store.add_reply(*c, answerer, answer).await?;
        store.mark_reply_sent(reply, Some(answerer)).await?;
        store.set_state(*c, CaseState::Closed, answerer).await?;
    }
    wederhoor_app::facts::seed_demo(store, lead)
        .await
        .context("demo facts")?;
    for (agent, first_name, role) in on_team {
        store
            .set_public_profile(
                *agent,
                &PublicProfile {
                    opted_in: true,
                    first_name: Some((*first_name).to_owned()),
                    role: Some((*role).to_owned()),
                },
                *agent,
            )
            .await?;
    }
    Ok(())
}
