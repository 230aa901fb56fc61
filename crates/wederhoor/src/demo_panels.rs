//! The demo's panels (issue #13): three of the demo customers in the consumer panel, the
//! bakery in the business panel, one published question (a score from 0 to 10, linked to the
//! idea it concerns, with the lead's conclusion) shown on the feedback page next to that idea,
//! and one open question the demo customer can still answer from their account.

use anyhow::Context;
use wederhoor_app::panels::{self, QuestionInput};
use wederhoor_core::{AccountId, AgentId, IdeaId};
use wederhoor_store::{Panel, Store};

/// Seeds the panels; `customers` in the order of the demo's customers, `ideas` by title.
pub async fn load(
    store: &Store,
    rules: &wederhoor_triage::Engine,
    customers: &[(AccountId, String)],
    lead: AgentId,
    ideas: &[(&str, IdeaId)],
) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now().as_millisecond();
    let idea = |title: &str| {
        ideas
            .iter()
            .find(|(t, _)| *t == title)
            .map(|(_, id)| id.0.to_string())
            .with_context(|| format!("demo idea {title:?}"))
    };
    for (i, (account, _)) in customers.iter().enumerate() {
        let panel = if i == 3 {
            Panel::Business
        } else {
            Panel::Consumer
        };
        store
            .set_panel_membership(*account, panel, true, now)
            .await?;
    }
    let published = panels::create_question(
        store,
        &QuestionInput {
            panel: "consumer".into(),
            title: "Afronden en het verschil sparen".into(),
            question: "Hoe graag zou u bedragen laten afronden en het verschil automatisch sparen?"
                .into(),
            kind: "scale".into(),
            choices: String::new(),
            ideas: idea("Bedragen afronden en het verschil automatisch sparen")?,
        },
        lead,
        now,
    )
    .await?
    .map_err(|r| anyhow::anyhow!("demo panel question: {}", r.key()))?;
    for ((account, _), score) in customers.iter().take(3).zip(["9", "7", "10"]) {
        let Some(a) = store.account(*account).await? else {
            continue;
        };
        let _ = panels::answer(store, &a, published, score, "", now).await?;
    }
    panels::publish_results(
        store,
        rules,
        published,
        "Gemiddeld een 8,7: de meeste panelleden willen dit graag. We bouwen het afronden in de \
         ZuiderApp en vragen het panel straks om de eerste versie te testen.",
        lead,
        now,
    )
    .await?
    .map_err(|r| anyhow::anyhow!("demo panel conclusion: {}", r.key()))?;
    panels::create_question(
        store,
        &QuestionInput {
            panel: "consumer".into(),
            title: "Meldingen bij afschrijvingen".into(),
            question: "Welke melding wilt u het liefst bij een grote afschrijving?".into(),
            kind: "choice".into(),
            choices: "Een pushbericht\nEen e-mail\nGeen melding".into(),
            ideas: idea("Melding bij elke afschrijving boven een zelfgekozen bedrag")?,
        },
        lead,
        now,
    )
    .await?
    .map_err(|r| anyhow::anyhow!("demo panel question: {}", r.key()))?;
    Ok(())
}
