//! Loads the Dutch demo (`serve --demo`): agents, sources and about 200 messages about the
//! fictional Zuiderbank, through the same ingest path as real messages.

use crate::demo_data::{demo_messages, demo_sources};
use anyhow::Context;
use std::collections::BTreeMap;
use wederhoor_core::{CaseState, DeliveryKind, Role};
use wederhoor_store::{NewAgent, NewSource, Store};
use wederhoor_web::{ActiveRules, ItemResult, ingest_values};

/// The password of every demo login (shown when the demo starts).
pub const PASSWORD: &str = "webcare-demo";

/// A test setting (not configuration): the demo's messages are made as if it were this moment
/// (RFC 3339) and then moved to now, so every run gets the same messages at the same distances
/// from now whatever the time of day (the demo keeps its messages out of the night of the moment
/// it is made for). The visual regression test sets it.
pub const ANCHOR_ENV: &str = "WEDERHOOR_TEST_DEMO_ANCHOR";

/// The demo messages for `now`, or, with [`ANCHOR_ENV`] set, those of the anchor moved to `now`.
fn anchored_demo_messages(
    now: jiff::Timestamp,
) -> anyhow::Result<Vec<wederhoor_core::IncomingMessage>> {
    let Ok(anchor) = std::env::var(ANCHOR_ENV) else {
        return Ok(demo_messages(now));
    };
    let anchor: jiff::Timestamp = anchor
        .parse()
        .with_context(|| format!("{ANCHOR_ENV}={anchor:?} is not an RFC 3339 moment"))?;
    let shift = now.duration_since(anchor);
    let mut messages = demo_messages(anchor);
    for m in &mut messages {
        if let Some(at) = m.created_at.as_deref() {
            let at: jiff::Timestamp = at.parse().context("a demo message's time")?;
            m.created_at = Some(at.checked_add(shift)?.to_string());
        }
    }
    Ok(messages)
}

const AGENTS: &[(&str, &str, Role)] = &[
    ("beheer", "Beheer", Role::Admin),
    ("lisa", "Lisa de Vries", Role::Lead),
    ("sanne", "Sanne Jansen", Role::Agent),
    ("mehmet", "Mehmet Yilmaz", Role::Agent),
    ("joost", "Joost Bakker", Role::Agent),
    ("priya", "Priya Ramdin", Role::Specialist),
];

/// Fills an empty store with the demo; returns the logins (username, role).
pub async fn load(store: &Store, rules: &ActiveRules) -> anyhow::Result<Vec<(String, String)>> {
    let hash = wederhoor_web::hash_password(PASSWORD)?;
    let mut agents = Vec::new();
    for (username, name, role) in AGENTS {
        let agent = store
            .create_agent(
                &NewAgent {
                    username: (*username).into(),
                    display_name: (*name).into(),
                    role: *role,
                    password_hash: hash.clone(),
                },
                None,
            )
            .await
            .with_context(|| format!("demo agent {username}"))?;
        agents.push(agent);
    }
    let mut sources = BTreeMap::new();
    for s in demo_sources() {
        let (source, _token) = store
            .create_source(&NewSource {
                kind: s.kind.into(),
                name: s.name.into(),
                delivery_kind: DeliveryKind::Manual,
                delivery_url: None,
                delivery_secret: None,
            })
            .await?;
        sources.insert(s.name.to_owned(), source);
    }
    let mut by_source: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    // One post that goes viral after it arrived: re-sent below with its reposts grown.
    let mut viral: Option<(String, serde_json::Value)> = None;
    for m in anchored_demo_messages(jiff::Timestamp::now())? {
        if viral.is_none()
            && m.metrics.as_ref().and_then(|x| x.reposts).unwrap_or(0) > 0
            && m.text.as_deref().is_some_and(|t| t.contains("Zuiderbank"))
        {
            viral = Some((
                m.source.clone().unwrap_or_default(),
                serde_json::to_value(&m)?,
            ));
        }
        let name = m.source.clone().unwrap_or_default();
        by_source
            .entry(name)
            .or_default()
            .push(serde_json::to_value(&m)?);
    }
    let mut conversations = Vec::new();
    for (name, values) in by_source {
        let source = sources
            .get(&name)
            .with_context(|| format!("demo source {name:?} is not defined"))?;
        let report = ingest_values(store, &rules.engine, rules.version, source, values).await?;
        anyhow::ensure!(
            report.rejected == 0,
            "demo data for {name} has rejected messages: {:?}",
            report.results
        );
        for r in report.results {
            if let ItemResult::Stored { conversation, .. } = r
                && !conversations.contains(&conversation)
            {
                conversations.push(conversation);
            }
        }
    }
    // A little history so the inbox looks lived in: some cases taken, answered, noted, closed.
    let sanne = agents.get(2).map(|a| a.id).context("demo agents")?;
    let mehmet = agents.get(3).map(|a| a.id).context("demo agents")?;
    let lisa = agents.get(1).map(|a| a.id).context("demo agents")?;
    // Canned replies per topic, Dutch and English, for the composer.
    wederhoor_app::canned::seed_defaults(store, lisa).await?;
    // Earlier answered cases (suggested replies), facts and the public team page.
    let social = sources
        .values()
        .find(|s| s.kind == "twitter")
        .or_else(|| sources.values().next())
        .context("a demo source")?;
    crate::demo_answers::load(
        store,
        rules,
        social,
        sanne,
        lisa,
        &[
            (
                sanne,
                "Sanne",
                "Beantwoordt je vragen over betalen, passen en de app",
            ),
            (
                mehmet,
                "Mehmet",
                "Helpt je met sparen, lenen en je hypotheek",
            ),
        ],
    )
    .await?;
    for (i, c) in conversations.iter().enumerate().take(24) {
        match i % 6 {
            0 => store.assign(*c, Some(sanne), lisa).await?,
            1 => store.assign(*c, Some(mehmet), lisa).await?,
            2 => {
                store.assign(*c, Some(sanne), sanne).await?;
                store
                    .add_note(
                        *c,
                        sanne,
                        "Klant eerder gesproken over dezelfde kwestie; zie vorige case.",
                    )
                    .await?;
            }
            3 => {
                store
                    .add_reply(
                        *c,
                        mehmet,
                        "Dank voor je bericht! Ik zoek het voor je uit en kom er vandaag op terug.",
                    )
                    .await?;
            }
            4 => store.set_state(*c, CaseState::Closed, sanne).await?,
            _ => {}
        }
    }
    // The post re-sent with its reach grown: its metrics are raised and a lead is brought in.
    if let Some((name, mut value)) = viral
        && let Some(source) = sources.get(&name)
    {
        value["metrics"] = serde_json::json!({"reposts": 4800, "likes": 9100});
        let ctx = wederhoor_app::ingest::Ingest {
            store,
            rules,
            events: &wederhoor_app::NoEvents,
            alerts: None,
            reach: &wederhoor_app::ingest::ReachPolicy::default(),
            escalations: &wederhoor_app::escalations::EscalationPolicy::default(),
        };
        wederhoor_app::ingest::ingest_batch(
            &ctx,
            source,
            wederhoor_app::ingest::Batch::Json(vec![value]),
        )
        .await?;
    }
    one_customer_on_three_channels(store, rules, &sources, sanne).await?;
    let customer = crate::demo_feedback::load(store, &agents).await?;
    Ok(AGENTS
        .iter()
        .map(|(u, _, r)| ((*u).to_owned(), r.to_string()))
        .chain(std::iter::once(customer))
        .collect())
}

/// One customer who wrote on Mastodon and then by e-mail (one contact, merged by an agent, so
/// each case's earlier contacts show the other channel), and once more on Bluesky: a suggestion
/// to merge on the contact page (same handle and name).
async fn one_customer_on_three_channels(
    store: &Store,
    rules: &ActiveRules,
    sources: &BTreeMap<String, wederhoor_store::Source>,
    agent: wederhoor_core::AgentId,
) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let ago = |hours: i64| -> anyhow::Result<String> {
        Ok(now
            .checked_sub(jiff::SignedDuration::from_hours(hours))?
            .to_string())
    };
    let posts = [
        (
            "Mastodon",
            "demo-contact-1",
            "@marloes_kramer@mastodon.nl",
            "@zuiderbank Mijn nieuwe pinpas is na vijf werkdagen nog steeds niet binnen. Wie kan me helpen?",
            30,
        ),
        (
            "E-mail webcare",
            "demo-contact-2",
            "marloes.kramer@example.nl",
            "Beste Zuiderbank, ik schreef gisteren al op Mastodon: mijn nieuwe pinpas is nog steeds niet bezorgd. Kunnen jullie een nieuwe sturen?",
            20,
        ),
        (
            "Bluesky",
            "demo-contact-3",
            "@marloes-kramer.bsky.social",
            "Nog steeds geen pinpas van @zuiderbank. Morgen ga ik naar het kantoor.",
            6,
        ),
    ];
    let mut contacts = Vec::new();
    for (name, id, handle, text, hours) in posts {
        let source = sources
            .get(name)
            .with_context(|| format!("demo source {name:?} is not defined"))?;
        let value = serde_json::json!({
            "id": id, "text": text, "created_at": ago(hours)?,
            "author": {"handle": handle, "name": "Marloes Kramer"},
        });
        let report =
            ingest_values(store, &rules.engine, rules.version, source, vec![value]).await?;
        for r in report.results {
            if let ItemResult::Stored { conversation, .. } = r {
                contacts.push(
                    store
                        .contact_of_conversation(conversation)
                        .await?
                        .context("the demo customer's contact")?,
                );
            }
        }
    }
    if let [mastodon, email, ..] = contacts.as_slice() {
        wederhoor_app::contacts::merge(store, *mastodon, *email, agent).await?;
    }
    Ok(())
}

/// One e-card already sent in the demo (a thank-you on a case where the customer thanked us),
/// so the card page of that case lists it; agents send their own from any case ("Kaart sturen").
/// The demo's sources take no media, so it goes as a link under `public_url`.
pub async fn send_card(store: &Store, rules: &ActiveRules, public_url: &str) -> anyhow::Result<()> {
    use wederhoor_app::cards::{CardRequest, CardTemplate, CardText, send_ecard};
    let Some((sanne, _)) = store.agent_for_login("sanne").await? else {
        return Ok(());
    };
    let filter = wederhoor_store::ConversationFilter::default();
    for summary in store.list_conversations(&filter, 0, 200).await? {
        if !summary.snippet.to_lowercase().contains("bedankt") {
            continue;
        }
        let language = summary.language.clone();
        let template = CardTemplate::Thanks;
        send_ecard(
            store,
            &rules.engine,
            &wederhoor_app::reply::ReplyPolicy::default(),
            &wederhoor_app::NoEvents,
            CardRequest {
                conversation: summary.id,
                agent: sanne.id,
                card: CardText {
                    template,
                    heading: wederhoor_web::i18n::customer_text(&language, "card_heading_thanks"),
                    line: "Fijn om te horen dat we je konden helpen. Tot de volgende keer!",
                    agent_name: &sanne.display_name,
                },
                public_url,
                description: wederhoor_web::i18n::customer_text(
                    &language,
                    "card_description_thanks",
                ),
            },
        )
        .await
        .context("demo e-card")?;
        return Ok(());
    }
    Ok(())
}
