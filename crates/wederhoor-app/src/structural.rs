//! Structural issues (issue #12): one recurring cause of complaints ("pas ingeslikt door
//! automaat") with the cases that show it, an owner, a state, a count over time, sample
//! messages and the public idea it belongs to. Agents link a case to an issue (an existing one
//! or a new one) from the case page; leads manage the issues. Once an issue is fixed, the team
//! tells everyone affected through [`crate::broadcast::broadcast`] with
//! `BroadcastSubject::StructuralIssue`.
//!
//! The count over time counts linked cases by the day they came in (the case's first message,
//! in the team's time zone), not by the day an agent linked them: linking a week of old cases
//! on one afternoon must not draw a spike that never happened.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::BTreeSet;
use wederhoor_core::structural::{SUGGEST_AT, content_words, overlap};
use wederhoor_core::{AgentId, ConversationId, IdeaId, StructuralState};
use wederhoor_store::{
    IssueBrief, IssueDay, IssueVocabulary, LinkedCase, NewStructuralIssue, Store, StoreError,
    StructuralEdit, StructuralIssue,
};

/// Longest title, description and resolution text, in characters.
pub const TITLE_MAX: usize = 140;
pub const DESCRIPTION_MAX: usize = 2000;
pub const RESOLUTION_MAX: usize = 1000;
/// How many days the count over time covers, today included.
pub const CHART_DAYS: usize = 30;
/// How many sample messages an issue page quotes.
pub const SAMPLES: usize = 5;
/// How many linked cases per issue feed the link suggestions.
const VOCABULARY_CASES: i64 = 20;
/// How many issues a case page suggests at most.
const SUGGESTIONS: usize = 3;

/// Why input was refused; `key` names the catalogue entry that says it in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    TitleMissing,
    TitleTooLong,
    DescriptionTooLong,
    ResolutionTooLong,
    UnknownOwner,
    UnknownIdea,
    UnknownState,
    NoIssueChosen,
}

impl Invalid {
    pub fn key(self) -> &'static str {
        match self {
            Invalid::TitleMissing => "structural_title_missing",
            Invalid::TitleTooLong => "structural_title_too_long",
            Invalid::DescriptionTooLong => "structural_description_too_long",
            Invalid::ResolutionTooLong => "structural_resolution_too_long",
            Invalid::UnknownOwner => "structural_unknown_owner",
            Invalid::UnknownIdea => "structural_unknown_idea",
            Invalid::UnknownState => "structural_unknown_state",
            Invalid::NoIssueChosen => "structural_no_issue_chosen",
        }
    }
}

/// Why a structural-issue use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum StructuralError {
    #[error("invalid input: {0:?}")]
    Invalid(Invalid),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for StructuralError {
    fn from(e: StoreError) -> StructuralError {
        match e {
            StoreError::NotFound(_) => StructuralError::NotFound,
            e => StructuralError::Store(e),
        }
    }
}

type Result<T, E = StructuralError> = std::result::Result<T, E>;

fn checked_title(title: &str) -> Result<String> {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        return Err(StructuralError::Invalid(Invalid::TitleMissing));
    }
    if title.chars().count() > TITLE_MAX {
        return Err(StructuralError::Invalid(Invalid::TitleTooLong));
    }
    Ok(title)
}

fn checked_text(text: &str, max: usize, too_long: Invalid) -> Result<String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(StructuralError::Invalid(too_long));
    }
    Ok(text.to_owned())
}

/// Makes a structural issue (state `open`, no owner yet).
pub async fn create_issue(
    store: &Store,
    title: &str,
    description: &str,
    actor: AgentId,
    now: i64,
) -> Result<i64> {
    let new = NewStructuralIssue {
        title: checked_title(title)?,
        description: checked_text(description, DESCRIPTION_MAX, Invalid::DescriptionTooLong)?,
        owner: None,
        at: now,
    };
    Ok(store.create_structural_issue(&new, actor).await?)
}

/// Links a case to an existing issue; `false` when it already was.
pub async fn link_case(
    store: &Store,
    issue: i64,
    conversation: ConversationId,
    actor: AgentId,
    now: i64,
) -> Result<bool> {
    Ok(store
        .link_structural_case(issue, conversation, actor, now)
        .await?)
}

/// Makes a new issue from a case page and links the case to it. Returns the issue's id.
pub async fn create_and_link(
    store: &Store,
    title: &str,
    conversation: ConversationId,
    actor: AgentId,
    now: i64,
) -> Result<i64> {
    // The case first: a typo in a URL must not leave an issue without its case.
    if store.conversation(conversation).await?.is_none() {
        return Err(StructuralError::NotFound);
    }
    let id = create_issue(store, title, "", actor, now).await?;
    store
        .link_structural_case(id, conversation, actor, now)
        .await?;
    Ok(id)
}

/// Takes a case off an issue; `false` when it was not linked.
pub async fn unlink_case(
    store: &Store,
    issue: i64,
    conversation: ConversationId,
    actor: AgentId,
) -> Result<bool> {
    Ok(store
        .unlink_structural_case(issue, conversation, actor)
        .await?)
}

/// What a lead changes about an issue besides its state.
#[derive(Debug, Clone, Default)]
pub struct IssueEdit<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// An agent's id, or `None` for nobody.
    pub owner: Option<i64>,
    /// A public idea's id (`/ideeen/{id}`), or `None`.
    pub idea: Option<i64>,
    /// The message everyone affected gets once the issue is fixed.
    pub resolution: &'a str,
}

/// Changes an issue's title, description, owner, idea and resolution text.
pub async fn edit_issue(
    store: &Store,
    id: i64,
    edit: &IssueEdit<'_>,
    actor: AgentId,
    now: i64,
) -> Result<()> {
    let title = checked_title(edit.title)?;
    let description = checked_text(
        edit.description,
        DESCRIPTION_MAX,
        Invalid::DescriptionTooLong,
    )?;
    let resolution = checked_text(edit.resolution, RESOLUTION_MAX, Invalid::ResolutionTooLong)?;
    let owner = match edit.owner {
        None => None,
        Some(owner) => match store.agent(AgentId(owner)).await? {
            Some(a) if !a.disabled => Some(a.id),
            _ => return Err(StructuralError::Invalid(Invalid::UnknownOwner)),
        },
    };
    if let Some(idea) = edit.idea
        && store.idea(IdeaId(idea)).await?.is_none()
    {
        return Err(StructuralError::Invalid(Invalid::UnknownIdea));
    }
    let edit = StructuralEdit {
        title,
        description,
        owner,
        idea: edit.idea,
        resolution,
        at: now,
    };
    if store.edit_structural_issue(id, &edit, actor).await? {
        Ok(())
    } else {
        Err(StructuralError::NotFound)
    }
}

/// Sets an issue's state (from its name: `open`, `in_progress`, `fixed`, `closed`).
pub async fn set_state(
    store: &Store,
    id: i64,
    state: &str,
    actor: AgentId,
    now: i64,
) -> Result<StructuralState> {
    let state: StructuralState = state
        .parse()
        .map_err(|_| StructuralError::Invalid(Invalid::UnknownState))?;
    if store.set_structural_state(id, state, actor, now).await? {
        Ok(state)
    } else {
        Err(StructuralError::NotFound)
    }
}

/// One day of the count over time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DayCount {
    /// `YYYY-MM-DD` in the team's time zone.
    pub day: String,
    pub cases: i64,
}

/// Counts `times` (UTC ms) per calendar day in `zone`, for the `days` days that end with
/// `last_day`; times outside those days are left out.
pub fn per_day(times: &[i64], last_day: Date, days: usize, zone: &TimeZone) -> Vec<DayCount> {
    let mut out: Vec<(Date, i64)> = Vec::with_capacity(days);
    let mut day = last_day;
    for _ in 0..days {
        out.push((day, 0));
        match day.yesterday() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    out.reverse();
    for t in times {
        let Ok(at) = jiff::Timestamp::from_millisecond(*t) else {
            continue;
        };
        let date = at.to_zoned(zone.clone()).date();
        if let Some(slot) = out.iter_mut().find(|(d, _)| *d == date) {
            slot.1 += 1;
        }
    }
    out.into_iter()
        .map(|(d, n)| DayCount {
            day: d.to_string(),
            cases: n,
        })
        .collect()
}

/// What the issue page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IssuePage {
    pub issue: StructuralIssue,
    /// Cases per day over the last [`CHART_DAYS`] days, oldest first.
    pub days: Vec<DayCount>,
    /// The newest cases' texts (personal data masked when they were stored).
    pub samples: Vec<LinkedCase>,
    /// Every linked case, newest first (at most 500).
    pub cases: Vec<LinkedCase>,
}

/// The issue page: the issue, its count over time up to `today`, samples and cases.
pub async fn issue_page(store: &Store, id: i64, today: Date, zone: &TimeZone) -> Result<IssuePage> {
    let issue = store
        .structural_issue(id)
        .await?
        .ok_or(StructuralError::NotFound)?;
    let first = today
        .checked_sub(jiff::Span::new().days(i64::try_from(CHART_DAYS).unwrap_or(30) - 1))
        .unwrap_or(today);
    let since = first
        .to_zoned(zone.clone())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0);
    let times = store.structural_case_times(id, since).await?;
    let cases = store.structural_cases(id, 500).await?;
    let samples = cases.iter().take(SAMPLES).cloned().collect();
    Ok(IssuePage {
        issue,
        days: per_day(&times, today, CHART_DAYS, zone),
        samples,
        cases,
    })
}

/// An issue suggested for a case whose text reads like the issue's cases.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    pub id: i64,
    pub title: String,
    /// How alike, 0–100.
    pub percent: i64,
}

/// The active issues whose title and cases read like `text`, best first, leaving out `linked`.
pub fn rank_suggestions(
    text: &str,
    vocabulary: &[IssueVocabulary],
    linked: &[i64],
) -> Vec<Suggestion> {
    let words = content_words(text);
    let mut out: Vec<Suggestion> = vocabulary
        .iter()
        .filter(|v| !linked.contains(&v.id))
        .filter_map(|v| {
            // The best single case, or the title: one close case is a better sign than a
            // vague likeness to all of them together.
            let title = content_words(&v.title);
            let best = v
                .texts
                .iter()
                .map(|t| overlap(&words, &content_words(t)))
                .chain(std::iter::once(overlap(&words, &title)))
                .fold(0.0_f64, f64::max);
            (best >= SUGGEST_AT).then(|| Suggestion {
                id: v.id,
                title: v.title.clone(),
                percent: (best * 100.0).round() as i64,
            })
        })
        .collect();
    out.sort_by(|a, b| b.percent.cmp(&a.percent).then(a.id.cmp(&b.id)));
    out.truncate(SUGGESTIONS);
    out
}

/// What the case page shows about structural issues: those the case is linked to, the active
/// ones to pick from, and suggestions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CasePanel {
    pub linked: Vec<IssueBrief>,
    /// Active issues (id, title) to link to.
    pub active: Vec<(i64, String)>,
    pub suggestions: Vec<Suggestion>,
}

/// The case page's structural-issues panel for a case with `text` (its masked snippet).
pub async fn case_panel(
    store: &Store,
    conversation: ConversationId,
    text: &str,
) -> Result<CasePanel> {
    let linked = store.structural_issues_of(conversation).await?;
    let vocabulary = store.structural_vocabulary(VOCABULARY_CASES).await?;
    let linked_ids: Vec<i64> = linked.iter().map(|i| i.id).collect();
    let suggestions = rank_suggestions(text, &vocabulary, &linked_ids);
    let active = vocabulary
        .iter()
        .filter(|v| !linked_ids.contains(&v.id))
        .map(|v| (v.id, v.title.clone()))
        .collect();
    Ok(CasePanel {
        linked,
        active,
        suggestions,
    })
}

/// An issue in the daily summary: new that day, or growing (more cases that day than twice the
/// daily average of the week before, and at least two).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SummaryIssue {
    pub id: i64,
    pub title: String,
    pub state: StructuralState,
    pub new: bool,
    pub growing: bool,
    pub cases_that_day: i64,
    pub cases_week_before: i64,
}

/// Whether a day's count is growth: at least two cases, and more than twice the daily average
/// of the seven days before.
pub fn is_growing(cases_that_day: i64, cases_week_before: i64) -> bool {
    cases_that_day >= 2 && cases_that_day * 7 > 2 * cases_week_before
}

/// The new and growing issues of the day `[start, end)`.
pub fn summary_issues(days: &[IssueDay], start: i64, end: i64) -> Vec<SummaryIssue> {
    days.iter()
        .filter_map(|d| {
            let new = (start..end).contains(&d.created_at);
            let growing = is_growing(d.cases_that_day, d.cases_week_before);
            (new || growing).then(|| SummaryIssue {
                id: d.id,
                title: d.title.clone(),
                state: d.state,
                new,
                growing,
                cases_that_day: d.cases_that_day,
                cases_week_before: d.cases_week_before,
            })
        })
        .collect()
}

/// Words shared by `a` and `b` (for tests and explanations).
pub fn shared_words(a: &str, b: &str) -> BTreeSet<String> {
    content_words(a)
        .intersection(&content_words(b))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn per_day_counts_in_the_team_zone_and_drops_what_is_outside() {
        let zone = TimeZone::get("Europe/Amsterdam").unwrap();
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let times = [
            // 23:30 UTC on the 14th is 00:30 on the 15th in Amsterdam (winter).
            at("2026-01-14T23:30:00Z"),
            at("2026-01-15T10:00:00Z"),
            at("2026-01-13T12:00:00Z"),
            // Before the window.
            at("2026-01-01T12:00:00Z"),
        ];
        let days = per_day(&times, "2026-01-15".parse().unwrap(), 3, &zone);
        assert_eq!(
            days,
            vec![
                DayCount {
                    day: "2026-01-13".into(),
                    cases: 1
                },
                DayCount {
                    day: "2026-01-14".into(),
                    cases: 0
                },
                DayCount {
                    day: "2026-01-15".into(),
                    cases: 2
                },
            ]
        );
    }

    #[test]
    fn suggestions_need_a_close_case_and_leave_out_linked_issues() {
        let vocabulary = vec![
            IssueVocabulary {
                id: 1,
                title: "Pas ingeslikt door automaat".into(),
                texts: vec!["De automaat op het station heeft mijn pas ingeslikt".into()],
            },
            IssueVocabulary {
                id: 2,
                title: "App crasht bij inloggen".into(),
                texts: vec!["Sinds de update crasht de app bij het inloggen".into()],
            },
        ];
        let text = "Automaat slikte mijn pas in en nu heb ik geen geld, de pas ingeslikt!";
        let s = rank_suggestions(text, &vocabulary, &[]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].id, 1);
        assert!(rank_suggestions(text, &vocabulary, &[1]).is_empty());
        assert!(rank_suggestions("Hoe laat gaat het kantoor open?", &vocabulary, &[]).is_empty());
        assert!(shared_words(text, "pas ingeslikt").contains("ingeslikt"));
    }

    #[test]
    fn growing_means_more_than_twice_the_usual_day() {
        assert!(!is_growing(1, 0), "one case is not a trend");
        assert!(is_growing(2, 0));
        assert!(is_growing(3, 7), "three against one a day");
        assert!(!is_growing(2, 7), "two against one a day");
        let day = IssueDay {
            id: 4,
            title: "x".into(),
            state: StructuralState::Open,
            created_at: 50,
            cases_that_day: 0,
            cases_week_before: 0,
        };
        let listed = summary_issues(std::slice::from_ref(&day), 0, 100);
        assert!(listed[0].new && !listed[0].growing);
        assert!(summary_issues(&[day], 100, 200).is_empty());
    }
}
