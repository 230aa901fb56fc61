//! Service levels (issue #12): timers per case towards its next target in business time, a
//! warning before and an escalation to a lead at a breach, snoozes and follow-up promises,
//! auto-assignment (round robin or least busy, honouring availability, team and languages), and
//! the business-hours figures of the reports and the daily summary.
//!
//! The periodic [`sweep`] does the work that must happen once: it computes each open case's
//! next target (`due_at`, which the inbox's "due first" order reads), signals warnings and
//! breaches once each, and assigns unassigned cases — off the import's hot path.

use crate::escalations::{self, EscalationPolicy};
use crate::reports::Times;
use crate::{Change, Error, Events, Result};
use serde::Serialize;
use wederhoor_core::service_level::{CaseClock, ServiceLevels, Timer, TimerKind};
use wederhoor_core::{AgentId, ConversationId, EscalationKind};
use wederhoor_store::{
    AgentRouting, AssignableAgent, ConversationSummary, DueUpdate, OpenedCase, ServiceLevelTimes,
    Store, UnassignedCase,
};

/// How many cases one sweep computes, signals or assigns at most (the next sweep goes on).
pub const SWEEP_BATCH: i64 = 500;
/// The longest note of a follow-up promise, in characters.
pub const MAX_NOTE: usize = 500;
/// The longest a case can be snoozed: a year.
pub const MAX_SNOOZE_MS: i64 = 366 * 24 * 3_600_000;

/// How unassigned cases get an owner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentMode {
    /// Nobody is assigned automatically.
    #[default]
    Off,
    /// In turn: the available agent who was given a case longest ago.
    RoundRobin,
    /// The available agent with the fewest open cases.
    LeastBusy,
}

impl AssignmentMode {
    /// `off`, `round_robin` or `least_busy`.
    pub fn parse(s: &str) -> Option<AssignmentMode> {
        match s {
            "off" => Some(AssignmentMode::Off),
            "round_robin" => Some(AssignmentMode::RoundRobin),
            "least_busy" => Some(AssignmentMode::LeastBusy),
            _ => None,
        }
    }
}

/// The `[service_levels]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceLevelPolicy {
    pub levels: ServiceLevels,
    pub assignment: AssignmentMode,
    /// Only agents of this team are given cases automatically; `None`: every agent.
    pub assign_team: Option<String>,
    /// A breach opens a `service_level` escalation (mail and webhook to the leads).
    pub escalate_breaches: bool,
}

impl Default for ServiceLevelPolicy {
    fn default() -> ServiceLevelPolicy {
        ServiceLevelPolicy {
            levels: ServiceLevels::default_in(
                jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap_or(jiff::tz::TimeZone::UTC),
            ),
            assignment: AssignmentMode::Off,
            assign_team: None,
            escalate_breaches: true,
        }
    }
}

/// Whether a case with this verdict waits for an answer (deliberately unanswered ones do not).
pub fn expects_answer(verdict: &str) -> bool {
    !matches!(verdict, "ignore" | "no_engage")
}

/// The timer of an inbox row at `now`.
pub fn timer(levels: &ServiceLevels, case: &ConversationSummary, now: i64) -> Option<Timer> {
    levels.timer(
        &CaseClock {
            priority: case.priority,
            opened_at: case.created_at,
            first_reply_at: case.first_reply_at,
            closed: case.state == wederhoor_core::CaseState::Closed,
            expects_answer: expects_answer(case.verdict.as_str()),
        },
        now,
    )
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SweepOutcome {
    /// Cases whose next target was (re)computed.
    pub computed: usize,
    pub warnings: Vec<ConversationId>,
    pub breaches: Vec<ConversationId>,
    pub assigned: Vec<(ConversationId, AgentId)>,
}

/// Runs the service-level sweep at `now`: targets, warnings, breaches (escalated to a lead),
/// auto-assignment. Each step is bounded by [`SWEEP_BATCH`].
pub async fn sweep(
    store: &Store,
    policy: &ServiceLevelPolicy,
    escalation_policy: &EscalationPolicy,
    events: &dyn Events,
    now: i64,
) -> Result<SweepOutcome> {
    let mut out = SweepOutcome::default();
    let pending = store.cases_needing_due(SWEEP_BATCH).await?;
    let updates: Vec<DueUpdate> = pending
        .iter()
        .map(|c| due_update(&policy.levels, c))
        .collect();
    store.set_due(&updates).await?;
    out.computed = updates.len();

    for w in store.take_due_signals(now, false).await? {
        events.changed(w.conversation, Change::Case);
        out.warnings.push(w.conversation);
    }
    for b in store.take_due_signals(now, true).await? {
        if policy.escalate_breaches {
            // The reason is the target missed (`first_response` or `resolution`).
            let reason = b.kind.clone();
            if let Some(id) = escalations::open(
                store,
                escalation_policy,
                b.conversation,
                EscalationKind::ServiceLevel,
                &reason,
                &b.snippet,
                now,
            )
            .await?
            {
                events.escalation(id);
            }
        }
        events.changed(b.conversation, Change::Case);
        out.breaches.push(b.conversation);
    }

    if policy.assignment != AssignmentMode::Off {
        let cases = store.unassigned_cases(now, SWEEP_BATCH).await?;
        if !cases.is_empty() {
            let agents = store.assignable_agents().await?;
            let plan = choose_assignments(
                policy.assignment,
                policy.assign_team.as_deref(),
                agents,
                &cases,
            );
            out.assigned = store.auto_assign(&plan, now).await?;
            for (case, _) in &out.assigned {
                events.changed(*case, Change::Case);
            }
        }
    }
    Ok(out)
}

fn due_update(levels: &ServiceLevels, c: &wederhoor_store::DueInput) -> DueUpdate {
    let clock = CaseClock {
        priority: c.priority,
        opened_at: c.opened_at,
        first_reply_at: c.first_reply_at,
        closed: false,
        expects_answer: expects_answer(&c.verdict),
    };
    // The timer at the case's opening gives its due instant; the warning is the instant at
    // which the warning share of the target has passed.
    match levels.timer(&clock, c.opened_at) {
        None => DueUpdate {
            conversation: c.conversation,
            kind: "none",
            warn_at: None,
            due_at: None,
        },
        Some(t) => {
            let target = levels.target(c.priority);
            let minutes = match t.kind {
                TimerKind::FirstResponse => target.first_response_minutes,
                TimerKind::Resolution => target.resolution_minutes,
            };
            let warn_ms = minutes.saturating_mul(60_000) * levels.warn_percent / 100;
            DueUpdate {
                conversation: c.conversation,
                kind: match t.kind {
                    TimerKind::FirstResponse => "first_response",
                    TimerKind::Resolution => "resolution",
                },
                warn_at: levels.calendar.add_business_ms(c.opened_at, warn_ms),
                due_at: Some(t.due_at),
            }
        }
    }
}

/// Who gets which case: only available agents (of `team`, when given) whose languages include
/// the case's (an agent without languages takes any); round robin gives the next case to the
/// agent served longest ago, least busy to the one with the fewest open cases. Pure.
pub fn choose_assignments(
    mode: AssignmentMode,
    team: Option<&str>,
    mut agents: Vec<AssignableAgent>,
    cases: &[UnassignedCase],
) -> Vec<(ConversationId, AgentId)> {
    agents.retain(|a| a.available && team.is_none_or(|t| a.team.as_deref() == Some(t)));
    let mut plan = Vec::new();
    // A virtual clock orders this batch's picks after every earlier one.
    let mut tick = agents
        .iter()
        .filter_map(|a| a.last_assigned_at)
        .max()
        .unwrap_or(0);
    for case in cases {
        let speaks =
            |a: &AssignableAgent| a.languages.is_empty() || a.languages.contains(&case.language);
        let pick = match mode {
            AssignmentMode::Off => return Vec::new(),
            AssignmentMode::RoundRobin => agents
                .iter_mut()
                .filter(|a| speaks(a))
                .min_by_key(|a| (a.last_assigned_at.is_some(), a.last_assigned_at, a.id.0)),
            AssignmentMode::LeastBusy => agents.iter_mut().filter(|a| speaks(a)).min_by_key(|a| {
                (
                    a.open_cases,
                    a.last_assigned_at.is_some(),
                    a.last_assigned_at,
                    a.id.0,
                )
            }),
        };
        if let Some(a) = pick {
            tick += 1;
            a.last_assigned_at = Some(tick);
            a.open_cases += 1;
            plan.push((case.conversation, a.id));
        }
    }
    plan
}

/// Snoozes a case until `until` (a follow-up promise when `note` is given): it leaves the inbox
/// until then and comes back marked.
pub async fn snooze(
    store: &Store,
    events: &dyn Events,
    case: ConversationId,
    until: i64,
    note: &str,
    actor: AgentId,
    now: i64,
) -> Result<()> {
    if until <= now {
        return Err(Error::Invalid("snooze_in_past".to_owned()));
    }
    if until - now > MAX_SNOOZE_MS {
        return Err(Error::Invalid("snooze_too_long".to_owned()));
    }
    let note = note.trim();
    if note.chars().count() > MAX_NOTE || note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::Invalid("snooze_note_invalid".to_owned()));
    }
    let note = (!note.is_empty()).then_some(note);
    store.snooze_case(case, Some(until), note, actor).await?;
    events.changed(case, Change::Case);
    Ok(())
}

/// Ends a snooze or marks a promise kept: the case is an ordinary inbox case again.
pub async fn wake(
    store: &Store,
    events: &dyn Events,
    case: ConversationId,
    actor: AgentId,
) -> Result<()> {
    store.snooze_case(case, None, None, actor).await?;
    events.changed(case, Change::Case);
    Ok(())
}

/// Sets an agent's availability, team and languages (from their own `/me` page).
pub async fn set_routing(
    store: &Store,
    agent: AgentId,
    available: bool,
    team: &str,
    languages: &str,
) -> Result<AgentRouting> {
    let team = team.trim();
    if team.chars().count() > 60 || team.chars().any(char::is_control) {
        return Err(Error::Invalid("routing_team_invalid".to_owned()));
    }
    let mut langs: Vec<String> = Vec::new();
    for l in languages.split([',', ' ']).map(str::trim) {
        if l.is_empty() {
            continue;
        }
        let l = l.to_ascii_lowercase();
        if !(2..=3).contains(&l.len()) || !l.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(Error::Invalid("routing_languages_invalid".to_owned()));
        }
        if !langs.contains(&l) {
            langs.push(l);
        }
    }
    let routing = AgentRouting {
        team: (!team.is_empty()).then(|| team.to_owned()),
        languages: langs,
        available,
    };
    store.set_agent_routing(agent, &routing, agent).await?;
    Ok(routing)
}

/// How many results met their target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Attainment {
    pub met: usize,
    pub total: usize,
    /// Whole percent, `None` without any.
    pub percent: Option<i64>,
}

impl Attainment {
    fn add(&mut self, met: bool) {
        self.total += 1;
        if met {
            self.met += 1;
        }
        self.percent = Some((self.met * 100 / self.total) as i64);
    }
}

/// First response and resolution within business hours, and how often the targets were met.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BusinessTimes {
    pub first_response: Times,
    pub resolution: Times,
    pub first_response_attainment: Attainment,
    pub resolution_attainment: Attainment,
}

/// The business-hours figures of a period's times.
pub fn business_times(levels: &ServiceLevels, times: &ServiceLevelTimes) -> BusinessTimes {
    let mut out = BusinessTimes::default();
    let mut first = Vec::with_capacity(times.first_response.len());
    for &(priority, opened, at) in &times.first_response {
        first.push(levels.calendar.business_ms_between(opened, at));
        let due = levels
            .calendar
            .add_business_minutes(opened, levels.target(priority).first_response_minutes);
        out.first_response_attainment
            .add(due.is_some_and(|due| at <= due));
    }
    let mut resolved = Vec::with_capacity(times.resolution.len());
    for &(priority, opened, at) in &times.resolution {
        resolved.push(levels.calendar.business_ms_between(opened, at));
        out.resolution_attainment
            .add(levels.resolution_met(priority, opened, at) == Some(true));
    }
    first.sort_unstable();
    resolved.sort_unstable();
    out.first_response = Times::of(&first);
    out.resolution = Times::of(&resolved);
    out
}

/// The business-hours figures of a report's period.
pub async fn business_report(
    store: &Store,
    levels: &ServiceLevels,
    period: &crate::reports::Period,
) -> Result<BusinessTimes> {
    let (start, end) = period.range_ms()?;
    let times = store.service_level_times(start, end).await?;
    Ok(business_times(levels, &times))
}

/// The business-hours figures as rows of the report's CSV (`section,name,value`; seconds and
/// percent, empty when there is none).
pub fn business_csv(b: &BusinessTimes) -> String {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut out = String::new();
    for (name, value) in [
        (
            "first_response_median_secs",
            opt(b.first_response.median_secs),
        ),
        ("first_response_p90_secs", opt(b.first_response.p90_secs)),
        ("resolution_median_secs", opt(b.resolution.median_secs)),
        ("resolution_p90_secs", opt(b.resolution.p90_secs)),
        (
            "first_response_attainment_percent",
            opt(b.first_response_attainment.percent),
        ),
        (
            "resolution_attainment_percent",
            opt(b.resolution_attainment.percent),
        ),
    ] {
        out.push_str(&format!("business_hours,{name},{value}\n"));
    }
    out
}

/// How many of these cases are past their first-response target at `now`: answered after it,
/// or still unanswered (and open) after it. Cases that expect no answer never count.
pub fn past_sla(levels: &ServiceLevels, cases: &[OpenedCase], now: i64) -> i64 {
    cases
        .iter()
        .filter(|c| expects_answer(&c.verdict))
        .filter(|c| {
            let clock = CaseClock {
                priority: c.priority,
                opened_at: c.opened_at,
                first_reply_at: c.first_reply_at,
                closed: c.closed,
                expects_answer: true,
            };
            match (c.first_reply_at, c.closed) {
                (None, true) => false,
                _ => levels.first_response_met(&clock, now) == Some(false),
            }
        })
        .count() as i64
}

/// The daily summary's `past_sla` for `[start, end)` at `now`.
pub async fn past_sla_between(
    store: &Store,
    levels: &ServiceLevels,
    start: i64,
    end: i64,
    now: i64,
) -> Result<i64> {
    let cases = store.cases_opened_between(start, end).await?;
    Ok(past_sla(levels, &cases, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: i64, available: bool, langs: &[&str], team: Option<&str>) -> AssignableAgent {
        AssignableAgent {
            id: AgentId(id),
            display_name: format!("a{id}"),
            team: team.map(str::to_owned),
            languages: langs.iter().map(|l| (*l).to_owned()).collect(),
            available,
            last_assigned_at: None,
            open_cases: 0,
        }
    }

    fn cases(langs: &[&str]) -> Vec<UnassignedCase> {
        langs
            .iter()
            .enumerate()
            .map(|(i, l)| UnassignedCase {
                conversation: ConversationId(i as i64 + 1),
                language: (*l).to_owned(),
            })
            .collect()
    }

    fn owners(plan: &[(ConversationId, AgentId)]) -> Vec<i64> {
        plan.iter().map(|(_, a)| a.0).collect()
    }

    #[test]
    fn round_robin_alternates_and_skips_who_is_away() {
        let agents = vec![
            agent(1, true, &[], None),
            agent(2, false, &[], None),
            agent(3, true, &[], None),
        ];
        let plan = choose_assignments(
            AssignmentMode::RoundRobin,
            None,
            agents,
            &cases(&["nl", "nl", "nl", "nl"]),
        );
        assert_eq!(owners(&plan), [1, 3, 1, 3]);
    }

    #[test]
    fn languages_team_and_workload_choose_the_agent() {
        let mut busy = agent(1, true, &["nl"], Some("webcare"));
        busy.open_cases = 5;
        let agents = vec![
            busy,
            agent(2, true, &["nl", "en"], Some("webcare")),
            agent(3, true, &[], Some("specialists")),
        ];
        let plan = choose_assignments(
            AssignmentMode::LeastBusy,
            Some("webcare"),
            agents.clone(),
            &cases(&["en", "fr", "nl"]),
        );
        // Nobody in the team speaks French; the English case goes to 2, then 2 has 1 open case
        // against 1's five.
        assert_eq!(owners(&plan), [2, 2]);
        assert_eq!(
            choose_assignments(AssignmentMode::Off, None, agents, &cases(&["nl"])),
            []
        );
    }
}
