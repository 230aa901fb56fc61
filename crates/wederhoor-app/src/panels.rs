//! Customer panels (issue #13): a customer joins or leaves the consumer or business panel from
//! their account; a lead asks one panel a question (a score from 0 to 10, one choice, or free
//! text) linked to the ideas it concerns; each member answers once; the lead publishes the
//! results with a conclusion, and the feedback page shows them next to those ideas.
//!
//! Every refusal is a [`PanelRefusal`] whose `key` names its text in the catalogue; the store
//! keeps "once per member" itself (a unique answer per question and account).

use crate::Result;
use wederhoor_core::{AccountId, AgentId, IdeaId};
use wederhoor_store::{
    Account, NewPanelQuestion, Panel, PanelAnswer, PanelAnswerOutcome, PanelQuestion,
    PanelQuestionKind, PanelTally, Store,
};
use wederhoor_triage::Engine;

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_QUESTION_CHARS: usize = 500;
pub const MAX_CHOICES: usize = 8;
pub const MAX_CHOICE_CHARS: usize = 80;
pub const MAX_ANSWER_CHARS: usize = 1000;
pub const MAX_CONCLUSION_CHARS: usize = 2000;

/// Why a panel action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelRefusal {
    UnknownPanel,
    /// The account may not take part (deleted, or its e-mail address is not verified).
    NotAllowed,
    BadTitle,
    BadQuestion,
    BadKind,
    /// A choice question needs 2 to 8 short choices.
    BadChoices,
    UnknownIdea,
    /// The answer does not fit the question (a score outside 0–10, no such choice, no text).
    BadAnswer,
    NotAMember,
    AlreadyAnswered,
    /// The question is published (closed) or does not exist.
    Closed,
    BadConclusion,
    /// The conclusion is public and must not hold personal data.
    PersonalData,
}

impl PanelRefusal {
    /// The catalogue key of the message that explains it.
    pub fn key(self) -> &'static str {
        match self {
            PanelRefusal::UnknownPanel => "panel_err_unknown_panel",
            PanelRefusal::NotAllowed => "panel_err_not_allowed",
            PanelRefusal::BadTitle => "panel_err_title",
            PanelRefusal::BadQuestion => "panel_err_question",
            PanelRefusal::BadKind => "panel_err_kind",
            PanelRefusal::BadChoices => "panel_err_choices",
            PanelRefusal::UnknownIdea => "panel_err_idea",
            PanelRefusal::BadAnswer => "panel_err_answer",
            PanelRefusal::NotAMember => "panel_err_not_member",
            PanelRefusal::AlreadyAnswered => "panel_err_already_answered",
            PanelRefusal::Closed => "panel_err_closed",
            PanelRefusal::BadConclusion => "panel_err_conclusion",
            PanelRefusal::PersonalData => "panel_err_personal_data",
        }
    }
}

pub type Outcome<T> = std::result::Result<T, PanelRefusal>;

/// A customer joins (`join`) or leaves a panel; `panel` as sent (`consumer`, `business`).
pub async fn set_membership(
    store: &Store,
    account: &Account,
    panel: &str,
    join: bool,
    now: i64,
) -> Result<Outcome<Panel>> {
    let Some(panel) = Panel::parse(panel) else {
        return Ok(Err(PanelRefusal::UnknownPanel));
    };
    if join && !account.may_take_part() {
        return Ok(Err(PanelRefusal::NotAllowed));
    }
    store
        .set_panel_membership(account.id, panel, join, now)
        .await?;
    Ok(Ok(panel))
}

/// A lead's question as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct QuestionInput {
    pub panel: String,
    pub title: String,
    pub question: String,
    pub kind: String,
    /// One choice per line (choice questions).
    pub choices: String,
    /// Idea ids, separated by commas or spaces (`12`, `#12` and `/ideeen/12-…` are read too).
    pub ideas: String,
}

fn idea_ids(text: &str) -> Option<Vec<IdeaId>> {
    let mut ids = Vec::new();
    for part in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let part = part.trim().trim_start_matches('#');
        if part.is_empty() {
            continue;
        }
        let part = part.rsplit('/').next().unwrap_or(part);
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        let id: i64 = digits.parse().ok()?;
        if !ids.contains(&IdeaId(id)) {
            ids.push(IdeaId(id));
        }
    }
    Some(ids)
}

fn length_ok(s: &str, max: usize) -> bool {
    !s.is_empty() && s.chars().count() <= max
}

/// A lead asks one panel a question; the new question's id.
pub async fn create_question(
    store: &Store,
    input: &QuestionInput,
    lead: AgentId,
    now: i64,
) -> Result<Outcome<i64>> {
    let Some(panel) = Panel::parse(input.panel.trim()) else {
        return Ok(Err(PanelRefusal::UnknownPanel));
    };
    let title = input.title.trim();
    if !length_ok(title, MAX_TITLE_CHARS) {
        return Ok(Err(PanelRefusal::BadTitle));
    }
    let question = input.question.trim();
    if !length_ok(question, MAX_QUESTION_CHARS) {
        return Ok(Err(PanelRefusal::BadQuestion));
    }
    let Some(kind) = PanelQuestionKind::parse(input.kind.trim()) else {
        return Ok(Err(PanelRefusal::BadKind));
    };
    let choices: Vec<String> = input
        .choices
        .lines()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let choices = if kind == PanelQuestionKind::Choice {
        if choices.len() < 2
            || choices.len() > MAX_CHOICES
            || choices.iter().any(|c| c.chars().count() > MAX_CHOICE_CHARS)
        {
            return Ok(Err(PanelRefusal::BadChoices));
        }
        choices
    } else {
        Vec::new()
    };
    let Some(ideas) = idea_ids(&input.ideas) else {
        return Ok(Err(PanelRefusal::UnknownIdea));
    };
    for idea in &ideas {
        if store.idea(*idea).await?.is_none() {
            return Ok(Err(PanelRefusal::UnknownIdea));
        }
    }
    let id = store
        .create_panel_question(&NewPanelQuestion {
            panel,
            title: title.to_owned(),
            question: question.to_owned(),
            kind,
            choices,
            ideas,
            created_by: lead,
            now,
        })
        .await?;
    Ok(Ok(id))
}

/// Reads a member's answer as typed (`value`: the score or the choice's number; `text`: free
/// text) for the question's kind.
pub fn parse_answer(q: &PanelQuestion, value: &str, text: &str) -> Option<PanelAnswer> {
    match q.kind {
        PanelQuestionKind::Scale => {
            let v: i64 = value.trim().parse().ok()?;
            (0..=10).contains(&v).then_some(PanelAnswer::Score(v))
        }
        PanelQuestionKind::Choice => {
            let v: i64 = value.trim().parse().ok()?;
            let n = i64::try_from(q.choices.len()).ok()?;
            (0..n).contains(&v).then_some(PanelAnswer::Choice(v))
        }
        PanelQuestionKind::Text => {
            let t = text.trim();
            length_ok(t, MAX_ANSWER_CHARS).then(|| PanelAnswer::Text(t.to_owned()))
        }
    }
}

/// A member's one answer to an open question of their panel.
pub async fn answer(
    store: &Store,
    account: &Account,
    question: i64,
    value: &str,
    text: &str,
    now: i64,
) -> Result<Outcome<()>> {
    if !account.may_take_part() {
        return Ok(Err(PanelRefusal::NotAllowed));
    }
    let Some(q) = store.panel_question(question).await? else {
        return Ok(Err(PanelRefusal::Closed));
    };
    if q.is_published() {
        return Ok(Err(PanelRefusal::Closed));
    }
    if !store
        .panel_memberships(account.id)
        .await?
        .contains(&q.panel)
    {
        return Ok(Err(PanelRefusal::NotAMember));
    }
    let Some(answer) = parse_answer(&q, value, text) else {
        return Ok(Err(PanelRefusal::BadAnswer));
    };
    Ok(
        match store
            .answer_panel_question(q.id, account.id, &answer, now)
            .await?
        {
            PanelAnswerOutcome::Recorded => Ok(()),
            PanelAnswerOutcome::AlreadyAnswered => Err(PanelRefusal::AlreadyAnswered),
            PanelAnswerOutcome::Closed => Err(PanelRefusal::Closed),
        },
    )
}

/// A lead closes a question and publishes its results with a conclusion. The conclusion is
/// public, so one with personal data in it is refused.
pub async fn publish_results(
    store: &Store,
    engine: &Engine,
    question: i64,
    conclusion: &str,
    lead: AgentId,
    now: i64,
) -> Result<Outcome<()>> {
    let conclusion = conclusion.trim();
    if !length_ok(conclusion, MAX_CONCLUSION_CHARS) {
        return Ok(Err(PanelRefusal::BadConclusion));
    }
    if !crate::reply::personal_data(engine, conclusion).is_empty() {
        return Ok(Err(PanelRefusal::PersonalData));
    }
    if store
        .publish_panel_question(question, conclusion, lead, now)
        .await?
    {
        Ok(Ok(()))
    } else {
        Ok(Err(PanelRefusal::Closed))
    }
}

/// The results of a question as the public (or the team) sees them: the question and its
/// counts. Free-text answers are left out unless `for_team`.
pub async fn results(store: &Store, q: &PanelQuestion, for_team: bool) -> Result<PanelTally> {
    let mut tally = store.panel_tally(q).await?;
    if !for_team {
        tally.texts.clear();
    }
    Ok(tally)
}

/// The average of a 0–10 tally, one decimal (`None` without answers).
pub fn average(counts: &[i64]) -> Option<f64> {
    let n: i64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let total: i64 = counts
        .iter()
        .enumerate()
        .map(|(v, c)| i64::try_from(v).unwrap_or(0) * c)
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let avg = total as f64 / n as f64;
    Some((avg * 10.0).round() / 10.0)
}

/// The panels an account belongs to (for its account page).
pub async fn memberships(store: &Store, account: AccountId) -> Result<Vec<Panel>> {
    Ok(store.panel_memberships(account).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: PanelQuestionKind, choices: &[&str]) -> PanelQuestion {
        PanelQuestion {
            id: 1,
            panel: Panel::Consumer,
            title: "t".into(),
            question: "q".into(),
            kind,
            choices: choices.iter().map(|c| (*c).to_owned()).collect(),
            state: "open".into(),
            conclusion: None,
            created_at: 0,
            published_at: None,
            answers: 0,
            ideas: Vec::new(),
        }
    }

    #[test]
    fn answers_fit_their_question() {
        let scale = question(PanelQuestionKind::Scale, &[]);
        assert_eq!(parse_answer(&scale, "10", ""), Some(PanelAnswer::Score(10)));
        assert_eq!(parse_answer(&scale, " 0 ", ""), Some(PanelAnswer::Score(0)));
        assert_eq!(parse_answer(&scale, "11", ""), None);
        assert_eq!(parse_answer(&scale, "-1", ""), None);
        assert_eq!(parse_answer(&scale, "", ""), None);
        let choice = question(PanelQuestionKind::Choice, &["ja", "nee"]);
        assert_eq!(parse_answer(&choice, "1", ""), Some(PanelAnswer::Choice(1)));
        assert_eq!(parse_answer(&choice, "2", ""), None);
        let text = question(PanelQuestionKind::Text, &[]);
        assert_eq!(
            parse_answer(&text, "", " prima "),
            Some(PanelAnswer::Text("prima".into()))
        );
        assert_eq!(parse_answer(&text, "", "   "), None);
        assert_eq!(parse_answer(&text, "", &"x".repeat(1001)), None);
    }

    #[test]
    fn idea_references_are_read_in_several_forms() {
        assert_eq!(
            idea_ids("12, #13 /ideeen/14-sparen 12"),
            Some(vec![IdeaId(12), IdeaId(13), IdeaId(14)])
        );
        assert_eq!(idea_ids(""), Some(vec![]));
        assert_eq!(idea_ids("twaalf"), None);
    }

    #[test]
    fn the_average_of_a_scale() {
        let mut counts = vec![0; 11];
        assert_eq!(average(&counts), None);
        counts[10] = 2;
        counts[7] = 1;
        assert_eq!(average(&counts), Some(9.0));
    }
}
