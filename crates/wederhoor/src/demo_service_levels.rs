//! The demo's service levels (issue #12): the inbox shows a timer on every open case (the
//! demo's week of messages leaves some near and many past their target), one promise to a
//! customer is snoozed until tomorrow morning, and one promise is overdue, so a lead sees it on
//! `/beloftes`. The breaches the demo starts with are marked once, without an escalation each;
//! one of them is escalated so the escalations page shows the kind.

use anyhow::Context;
use wederhoor_app::NoEvents;
use wederhoor_app::service_levels::{self, AssignmentMode, ServiceLevelPolicy};
use wederhoor_core::{CaseState, EscalationKind};
use wederhoor_store::ConversationFilter;
use wederhoor_web::AppState;

pub async fn load(state: &AppState) -> anyhow::Result<()> {
    let store = &state.store;
    let now = state.clock.now_ms();
    let quiet = ServiceLevelPolicy {
        escalate_breaches: false,
        assignment: AssignmentMode::Off,
        ..state.config.service_levels.clone()
    };
    let outcome =
        service_levels::sweep(store, &quiet, &state.config.escalations, &NoEvents, now).await?;
    if let Some(first) = outcome.breaches.first() {
        let snippet = store
            .conversation_snippet(*first)
            .await?
            .unwrap_or_default();
        wederhoor_app::escalations::open(
            store,
            &state.config.escalations,
            *first,
            EscalationKind::ServiceLevel,
            "first_response",
            &snippet,
            now,
        )
        .await?;
    }
    // Two open cases that are not closed get a promise each.
    let open = store
        .list_conversations(
            &ConversationFilter {
                state: Some(CaseState::New),
                ..Default::default()
            },
            0,
            40,
        )
        .await?;
    let mut picks = open.iter().filter(|c| c.verdict.as_str() == "respond");
    let lisa = store
        .agent_for_login("lisa")
        .await?
        .context("the demo lead")?
        .0
        .id;
    if let Some(c) = picks.next() {
        let zone = jiff::tz::TimeZone::get("Europe/Amsterdam")?;
        let tomorrow = jiff::Timestamp::from_millisecond(now)?
            .to_zoned(zone.clone())
            .date()
            .tomorrow()?
            .at(10, 0, 0, 0)
            .to_zoned(zone)?
            .timestamp()
            .as_millisecond();
        service_levels::snooze(
            store,
            &NoEvents,
            c.id,
            tomorrow,
            "Klant terugbellen zodra de vervangende pas is verstuurd",
            lisa,
            now,
        )
        .await?;
    }
    if let Some(c) = picks.next() {
        // Promised for half an hour ago: back in the inbox, marked, and overdue for the lead.
        store
            .snooze_case(
                c.id,
                Some(now - 30 * 60_000),
                Some("Status van de terugboeking laten weten"),
                lisa,
            )
            .await?;
    }
    Ok(())
}
