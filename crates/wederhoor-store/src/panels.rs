//! Customer panels (issue #13): membership of the consumer and the business panel, the leads'
//! panel questions, the members' answers (one each) and the published results.
//!
//! Answers belong to customer accounts: `account_export` lists them and `delete_account`
//! anonymises them (the counts stay, as votes do).

use crate::{Result, Store, StoreError, audit};
use sqlx::Row;
use sqlx::any::AnyRow;
use wederhoor_core::{AccountId, AgentId, IdeaId};

/// The two panels a customer can join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Panel {
    Consumer,
    Business,
}

impl Panel {
    pub const ALL: [Panel; 2] = [Panel::Consumer, Panel::Business];

    pub fn as_str(self) -> &'static str {
        match self {
            Panel::Consumer => "consumer",
            Panel::Business => "business",
        }
    }

    pub fn parse(s: &str) -> Option<Panel> {
        Panel::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What a panel question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PanelQuestionKind {
    /// A score from 0 to 10.
    Scale,
    /// One of the question's choices.
    Choice,
    /// Free text (only the number of answers is ever published).
    Text,
}

impl PanelQuestionKind {
    pub const ALL: [PanelQuestionKind; 3] = [
        PanelQuestionKind::Scale,
        PanelQuestionKind::Choice,
        PanelQuestionKind::Text,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PanelQuestionKind::Scale => "scale",
            PanelQuestionKind::Choice => "choice",
            PanelQuestionKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<PanelQuestionKind> {
        PanelQuestionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A question to ask one panel (validated by the use case).
#[derive(Debug, Clone, PartialEq)]
pub struct NewPanelQuestion {
    pub panel: Panel,
    pub title: String,
    pub question: String,
    pub kind: PanelQuestionKind,
    /// The choices of a `Choice` question (empty otherwise).
    pub choices: Vec<String>,
    /// The ideas the question concerns (its results are shown next to them).
    pub ideas: Vec<IdeaId>,
    pub created_by: AgentId,
    pub now: i64,
}

/// A panel question with the ideas it concerns and its number of answers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PanelQuestion {
    pub id: i64,
    pub panel: Panel,
    pub title: String,
    pub question: String,
    pub kind: PanelQuestionKind,
    pub choices: Vec<String>,
    /// `open` or `published`.
    pub state: String,
    pub conclusion: Option<String>,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub answers: i64,
    /// The linked ideas that are publicly visible: (id, title).
    pub ideas: Vec<(i64, String)>,
}

impl PanelQuestion {
    pub fn is_published(&self) -> bool {
        self.state == "published"
    }
}

/// One member's answer (validated by the use case).
#[derive(Debug, Clone, PartialEq)]
pub enum PanelAnswer {
    Score(i64),
    /// The index of the chosen choice.
    Choice(i64),
    Text(String),
}

/// What became of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelAnswerOutcome {
    Recorded,
    /// This member answered before (one answer per member).
    AlreadyAnswered,
    /// The question is published (closed to answers) or does not exist.
    Closed,
}

/// The answers to one question, counted.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct PanelTally {
    /// Answers per value: 11 for a scale (0–10), one per choice, empty for free text.
    pub counts: Vec<i64>,
    pub answers: i64,
    /// The free-text answers, newest first (for the team only; never published).
    pub texts: Vec<String>,
}

const QUESTION_SELECT: &str = "SELECT q.id, q.panel, q.title, q.question, q.kind, q.choices, \
    q.state, q.conclusion, q.created_at, q.published_at, \
    (SELECT COUNT(*) FROM panel_answers a WHERE a.question_id = q.id) FROM panel_questions q";

fn question_from_row(r: &AnyRow) -> Result<PanelQuestion> {
    let panel: String = r.try_get(1)?;
    let kind: String = r.try_get(4)?;
    let choices: String = r.try_get(5)?;
    Ok(PanelQuestion {
        id: r.try_get(0)?,
        panel: Panel::parse(&panel)
            .ok_or_else(|| StoreError::Corrupt(format!("panel {panel:?}")))?,
        title: r.try_get(2)?,
        question: r.try_get(3)?,
        kind: PanelQuestionKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("panel question kind {kind:?}")))?,
        choices: choices
            .lines()
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        state: r.try_get(6)?,
        conclusion: r.try_get(7)?,
        created_at: r.try_get(8)?,
        published_at: r.try_get(9)?,
        answers: r.try_get(10)?,
        ideas: Vec::new(),
    })
}

impl Store {
    /// The panels an account is a member of.
    pub async fn panel_memberships(&self, account: AccountId) -> Result<Vec<Panel>> {
        self.counted(1);
        let rows = sqlx::query("SELECT panel FROM panel_members WHERE account_id = $1")
            .bind(account.0)
            .fetch_all(self.pool())
            .await?;
        let mut panels = Vec::new();
        for r in rows {
            let p: String = r.try_get(0)?;
            panels.extend(Panel::parse(&p));
        }
        panels.sort_by_key(|p| p.as_str());
        Ok(panels)
    }

    /// Joins (`join`) or leaves a panel; false when nothing changed.
    pub async fn set_panel_membership(
        &self,
        account: AccountId,
        panel: Panel,
        join: bool,
        now: i64,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let changed = if join {
            sqlx::query(
                "INSERT INTO panel_members (panel, account_id, joined_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (panel, account_id) DO NOTHING",
            )
            .bind(panel.as_str())
            .bind(account.0)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            sqlx::query("DELETE FROM panel_members WHERE panel = $1 AND account_id = $2")
                .bind(panel.as_str())
                .bind(account.0)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        };
        if changed > 0 {
            audit(
                &mut tx,
                None,
                if join { "panel.join" } else { "panel.leave" },
                "account",
                Some(account.0),
                panel.as_str(),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// The number of members per panel, in `Panel::ALL` order.
    pub async fn panel_member_counts(&self) -> Result<Vec<(Panel, i64)>> {
        self.counted(1);
        let rows = sqlx::query("SELECT panel, COUNT(*) FROM panel_members GROUP BY panel")
            .fetch_all(self.pool())
            .await?;
        let mut counts: Vec<(Panel, i64)> = Panel::ALL.iter().map(|p| (*p, 0)).collect();
        for r in rows {
            let p: String = r.try_get(0)?;
            let n: i64 = r.try_get(1)?;
            if let Some(slot) = counts.iter_mut().find(|(panel, _)| panel.as_str() == p) {
                slot.1 = n;
            }
        }
        Ok(counts)
    }

    /// Stores a new, open panel question with its idea links; its id.
    pub async fn create_panel_question(&self, q: &NewPanelQuestion) -> Result<i64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2 + q.ideas.len() as u64);
        let row = sqlx::query(
            "INSERT INTO panel_questions (panel, title, question, kind, choices, state, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) RETURNING id",
        )
        .bind(q.panel.as_str())
        .bind(q.title.as_str())
        .bind(q.question.as_str())
        .bind(q.kind.as_str())
        .bind(q.choices.join("\n"))
        .bind(q.created_by.0)
        .bind(q.now)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        for idea in &q.ideas {
            sqlx::query(
                "INSERT INTO panel_question_ideas (question_id, idea_id) VALUES ($1, $2) \
                 ON CONFLICT (question_id, idea_id) DO NOTHING",
            )
            .bind(id)
            .bind(idea.0)
            .execute(&mut *tx)
            .await?;
        }
        audit(
            &mut tx,
            Some(q.created_by.0),
            "panel.question",
            "panel_question",
            Some(id),
            &format!("{}: {}", q.panel.as_str(), q.title),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Fills in the publicly visible ideas of each question (one query).
    async fn with_ideas(&self, mut questions: Vec<PanelQuestion>) -> Result<Vec<PanelQuestion>> {
        if questions.is_empty() {
            return Ok(questions);
        }
        self.counted(1);
        let ids = questions
            .iter()
            .map(|q| q.id.to_string())
            .collect::<Vec<_>>()
            .join(",");
        // The ids are numbers from the database, so the list is safe to inline.
        let rows = sqlx::query(&format!(
            "SELECT l.question_id, i.id, i.title FROM panel_question_ideas l \
             JOIN ideas i ON i.id = l.idea_id \
             WHERE l.question_id IN ({ids}) AND i.hidden IS NULL AND i.merged_into IS NULL \
             ORDER BY l.question_id, i.id"
        ))
        .fetch_all(self.pool())
        .await?;
        for r in rows {
            let question: i64 = r.try_get(0)?;
            if let Some(q) = questions.iter_mut().find(|q| q.id == question) {
                q.ideas.push((r.try_get(1)?, r.try_get(2)?));
            }
        }
        Ok(questions)
    }

    /// One panel question, whatever its state.
    pub async fn panel_question(&self, id: i64) -> Result<Option<PanelQuestion>> {
        self.counted(1);
        let row = sqlx::query(&format!("{QUESTION_SELECT} WHERE q.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(self.with_ideas(vec![question_from_row(&row)?]).await?.pop())
    }

    /// The newest panel questions, for the team (two queries).
    pub async fn panel_questions(&self, limit: i64) -> Result<Vec<PanelQuestion>> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "{QUESTION_SELECT} ORDER BY q.created_at DESC, q.id DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let questions = rows
            .iter()
            .map(question_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.with_ideas(questions).await
    }

    /// The published results, newest first; only those linked to `idea` when given (two queries).
    pub async fn published_panel_questions(
        &self,
        idea: Option<IdeaId>,
        limit: i64,
    ) -> Result<Vec<PanelQuestion>> {
        self.counted(1);
        // Without an idea, `$1` is 0 (no idea has it) and the condition is left out.
        let sql = format!(
            "{QUESTION_SELECT} WHERE q.state = 'published' AND ($1 = 0 OR EXISTS \
             (SELECT 1 FROM panel_question_ideas l WHERE l.question_id = q.id AND l.idea_id = $1)) \
             ORDER BY q.published_at DESC, q.id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(idea.map_or(0, |i| i.0))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        let questions = rows
            .iter()
            .map(question_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.with_ideas(questions).await
    }

    /// The open questions of the panels `account` is a member of, each with whether this
    /// account answered it (one query).
    pub async fn open_panel_questions_for(
        &self,
        account: AccountId,
    ) -> Result<Vec<(PanelQuestion, bool)>> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "{QUESTION_SELECT} WHERE q.state = 'open' AND q.panel IN \
               (SELECT m.panel FROM panel_members m WHERE m.account_id = $1)"
        ))
        .bind(account.0)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        let answered = self.panel_questions_answered_by(account).await?;
        for r in &rows {
            let q = question_from_row(r)?;
            let done = answered.contains(&q.id);
            out.push((q, done));
        }
        out.sort_by(|a, b| {
            b.0.created_at
                .cmp(&a.0.created_at)
                .then(b.0.id.cmp(&a.0.id))
        });
        Ok(out)
    }

    /// The ids of the questions `account` answered.
    pub async fn panel_questions_answered_by(&self, account: AccountId) -> Result<Vec<i64>> {
        self.counted(1);
        sqlx::query("SELECT question_id FROM panel_answers WHERE account_id = $1")
            .bind(account.0)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0).map_err(StoreError::from))
            .collect()
    }

    /// Records a member's one answer to an open question.
    pub async fn answer_panel_question(
        &self,
        question: i64,
        account: AccountId,
        answer: &PanelAnswer,
        now: i64,
    ) -> Result<PanelAnswerOutcome> {
        let (value, text) = match answer {
            PanelAnswer::Score(v) | PanelAnswer::Choice(v) => (Some(*v), None),
            PanelAnswer::Text(t) => (None, Some(t.as_str())),
        };
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let done = sqlx::query(
            "INSERT INTO panel_answers (question_id, account_id, value, text, answered_at) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS \
               (SELECT 1 FROM panel_questions q WHERE q.id = $1 AND q.state = 'open') \
             ON CONFLICT (question_id, account_id) DO NOTHING",
        )
        .bind(question)
        .bind(account.0)
        .bind(value)
        .bind(text)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if done > 0 {
            return Ok(PanelAnswerOutcome::Recorded);
        }
        self.counted(1);
        let open = sqlx::query("SELECT 1 FROM panel_questions WHERE id = $1 AND state = 'open'")
            .bind(question)
            .fetch_optional(self.pool())
            .await?;
        Ok(if open.is_some() {
            PanelAnswerOutcome::AlreadyAnswered
        } else {
            PanelAnswerOutcome::Closed
        })
    }

    /// The answers to a question, counted (two queries; `counts` sized for its kind).
    pub async fn panel_tally(&self, q: &PanelQuestion) -> Result<PanelTally> {
        self.counted(1);
        let size = match q.kind {
            PanelQuestionKind::Scale => 11,
            PanelQuestionKind::Choice => q.choices.len(),
            PanelQuestionKind::Text => 0,
        };
        let mut tally = PanelTally {
            counts: vec![0; size],
            ..PanelTally::default()
        };
        let rows = sqlx::query(
            "SELECT value, COUNT(*) FROM panel_answers WHERE question_id = $1 GROUP BY value",
        )
        .bind(q.id)
        .fetch_all(self.pool())
        .await?;
        for r in rows {
            let value: Option<i64> = r.try_get(0)?;
            let n: i64 = r.try_get(1)?;
            tally.answers += n;
            if let Some(slot) = value
                .and_then(|v| usize::try_from(v).ok())
                .and_then(|v| tally.counts.get_mut(v))
            {
                *slot += n;
            }
        }
        if q.kind == PanelQuestionKind::Text {
            self.counted(1);
            tally.texts = sqlx::query(
                "SELECT text FROM panel_answers WHERE question_id = $1 AND text IS NOT NULL \
                 AND text <> '' ORDER BY answered_at DESC, id DESC LIMIT 500",
            )
            .bind(q.id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
            .collect::<Result<Vec<_>>>()?;
        }
        Ok(tally)
    }

    /// Closes an open question to answers and publishes its results with the conclusion; false
    /// when it was not open.
    pub async fn publish_panel_question(
        &self,
        id: i64,
        conclusion: &str,
        agent: AgentId,
        now: i64,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let changed = sqlx::query(
            "UPDATE panel_questions SET state = 'published', conclusion = $1, published_by = $2, \
             published_at = $3 WHERE id = $4 AND state = 'open'",
        )
        .bind(conclusion)
        .bind(agent.0)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed > 0 {
            audit(
                &mut tx,
                Some(agent.0),
                "panel.publish",
                "panel_question",
                Some(id),
                "published",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// An account's panel memberships and answers, for its data export (two queries).
    pub(crate) async fn panel_export(&self, account: AccountId) -> Result<serde_json::Value> {
        self.counted(2);
        let members = sqlx::query(
            "SELECT panel, joined_at FROM panel_members WHERE account_id = $1 ORDER BY panel",
        )
        .bind(account.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| -> Result<serde_json::Value> {
            Ok(serde_json::json!({
                "panel": r.try_get::<String, _>(0)?, "joined_at": r.try_get::<i64, _>(1)?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        let answers = sqlx::query(
            "SELECT a.question_id, q.question, a.value, a.text, a.answered_at FROM panel_answers a \
             JOIN panel_questions q ON q.id = a.question_id WHERE a.account_id = $1 ORDER BY a.id",
        )
        .bind(account.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| -> Result<serde_json::Value> {
            Ok(serde_json::json!({
                "question": r.try_get::<i64, _>(0)?, "asked": r.try_get::<String, _>(1)?,
                "value": r.try_get::<Option<i64>, _>(2)?, "text": r.try_get::<Option<String>, _>(3)?,
                "answered_at": r.try_get::<i64, _>(4)?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(serde_json::json!({ "memberships": members, "answers": answers }))
    }
}

/// The statements that erase an account's panel data (run inside `delete_account`): its
/// memberships go; its answers stay counted without the account or any text.
pub(crate) const ERASE_PANEL_DATA: [&str; 2] = [
    "DELETE FROM panel_members WHERE account_id = $1",
    "UPDATE panel_answers SET account_id = NULL, text = NULL WHERE account_id = $1",
];
