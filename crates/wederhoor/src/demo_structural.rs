//! The demo's structural issue (issue #12): "Pas ingeslikt door automaat", with five cases from
//! different people and sources over the last days linked to it, an owner (the lead) and the
//! message that goes to everyone affected once it is fixed. A lead sees it on `/structureel`
//! with its count over time; a new case about a swallowed card gets it suggested.

use anyhow::Context;
use serde_json::json;
use wederhoor_app::structural;
use wederhoor_core::StructuralState;
use wederhoor_web::{AppState, ItemResult, ingest_values};

/// (source kind, handle, name, text, hours before now).
const CASES: &[(&str, &str, &str, &str, i64)] = &[
    (
        "twitter",
        "@pieter_pint",
        "Pieter",
        "@Zuiderbank de automaat op het station heeft mijn pas ingeslikt. Hoe krijg ik hem terug?",
        70,
    ),
    (
        "twitter",
        "@yara.vd.berg",
        "Yara",
        "Alweer een pas ingeslikt door jullie automaat in de Kalverstraat, nu sta ik zonder geld.",
        46,
    ),
    (
        "email",
        "w.dekker@example.nl",
        "Willem Dekker",
        "Gisteren slikte de geldautomaat mijn pas in na het intoetsen van de juiste pincode.",
        30,
    ),
    (
        "twitter",
        "@sophie_fietst",
        "Sophie",
        "Automaat slikt mijn pas in en geeft geen geld. Derde keer deze maand bij jullie automaat!",
        20,
    ),
    (
        "email",
        "b.yilmaz@example.nl",
        "Burak Yilmaz",
        "De automaat heeft mijn pas ingeslikt tijdens het opnemen. Wanneer krijg ik een nieuwe pas?",
        5,
    ),
];

/// Stores the cases, makes the issue and links them.
pub async fn load(state: &AppState) -> anyhow::Result<()> {
    let store = &state.store;
    let rules = state.active_rules();
    let sources = store.list_sources().await?;
    let (lisa, _) = store
        .agent_for_login("lisa")
        .await?
        .context("demo lead lisa")?;
    let now = jiff::Timestamp::now();
    let mut linked = Vec::new();
    for (i, (kind, handle, name, text, hours)) in CASES.iter().enumerate() {
        let source = sources
            .iter()
            .find(|s| s.kind == *kind)
            .with_context(|| format!("the demo's {kind} source"))?;
        let at = (now - jiff::SignedDuration::from_hours(*hours)).to_string();
        let value = json!({ "id": format!("demo-structural-{i}"), "text": text, "created_at": at,
                            "author": { "handle": handle, "name": name } });
        let report =
            ingest_values(store, &rules.engine, rules.version, source, vec![value]).await?;
        for r in report.results {
            if let ItemResult::Stored { conversation, .. } = r {
                linked.push(conversation);
            }
        }
    }
    let now_ms = now.as_millisecond();
    let issue = structural::create_issue(
        store,
        "Pas ingeslikt door automaat",
        "Geldautomaten houden passen in na een juiste pincode; vooral in Amsterdam. Productteam Pinnen zoekt de oorzaak.",
        lisa.id,
        now_ms,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo structural issue: {e}"))?;
    for c in &linked {
        structural::link_case(store, issue, *c, lisa.id, now_ms)
            .await
            .map_err(|e| anyhow::anyhow!("demo structural link: {e}"))?;
    }
    structural::edit_issue(
        store,
        issue,
        &structural::IssueEdit {
            title: "Pas ingeslikt door automaat",
            description: "Geldautomaten houden passen in na een juiste pincode; vooral in Amsterdam. Productteam Pinnen zoekt de oorzaak.",
            owner: Some(lisa.id.0),
            idea: None,
            resolution: "Goed nieuws: de storing waardoor automaten passen inslikten is verholpen. Is je pas nog niet terug of vervangen? Stuur ons een DM, dan regelen we het.",
        },
        lisa.id,
        now_ms,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo structural edit: {e}"))?;
    store
        .set_structural_state(issue, StructuralState::InProgress, lisa.id, now_ms)
        .await?;
    Ok(())
}
