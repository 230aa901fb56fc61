//! Structural issues (issue #12): a recurring cause with an owner and a state, the cases that
//! show it, who they affect (for the broadcast once it is fixed), and the facts about a person's
//! history that the next-best-action hints read. Every change writes an audit row in the same
//! transaction.

use crate::{Affected, Result, Store, StoreError, audit};
use sqlx::Row;
use sqlx::any::AnyRow;
use wederhoor_core::{AgentId, ConversationId, StructuralState};

/// A structural issue to make.
#[derive(Debug, Clone)]
pub struct NewStructuralIssue {
    pub title: String,
    pub description: String,
    pub owner: Option<AgentId>,
    pub at: i64,
}

/// What a lead may change about an issue besides its state.
#[derive(Debug, Clone)]
pub struct StructuralEdit {
    pub title: String,
    pub description: String,
    pub owner: Option<AgentId>,
    pub idea: Option<i64>,
    pub resolution: String,
    pub at: i64,
}

/// A structural issue with its counts, as the list and the detail page show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StructuralIssue {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub state: StructuralState,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// The public idea it belongs to (`/ideeen/{id}`), when that idea still exists.
    pub idea_id: Option<i64>,
    pub idea_title: Option<String>,
    pub resolution: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub fixed_at: Option<i64>,
    /// Linked cases.
    pub cases: i64,
    /// The newest linked case's first message (UTC ms).
    pub last_case_at: Option<i64>,
}

/// A case linked to an issue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LinkedCase {
    pub conversation: i64,
    pub handle: Option<String>,
    pub source_name: String,
    /// The case's text, personal data masked.
    pub snippet: String,
    pub state: String,
    pub created_at: i64,
    pub linked_at: i64,
}

/// An issue a case is linked to, for the case page.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IssueBrief {
    pub id: i64,
    pub title: String,
    pub state: StructuralState,
    pub resolution: String,
}

/// An active issue with the (masked) texts of its newest cases, for link suggestions.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueVocabulary {
    pub id: i64,
    pub title: String,
    pub texts: Vec<String>,
}

/// What the next-best-action hints know about the person behind a case (every case of theirs:
/// their authors share a handle or a contact).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonFacts {
    /// Fixed issues linked to one of their cases that no broadcast has told them about yet.
    pub fixed_untold: Vec<IssueBrief>,
    /// Their newest survey answer (0–10), if any.
    pub last_score: Option<i64>,
    /// Their cases (this one included) that started at or after the period's start.
    pub recent_cases: i64,
}

/// One issue in a day's summary: the cases that came in that day and in the seven days before.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IssueDay {
    pub id: i64,
    pub title: String,
    pub state: StructuralState,
    pub created_at: i64,
    pub cases_that_day: i64,
    pub cases_week_before: i64,
}

const ISSUE_SELECT: &str = "SELECT i.id, i.title, i.description, i.state, i.owner_id, g.display_name, \
     i.idea_id, d.title, i.resolution, i.created_at, i.updated_at, i.fixed_at, \
     (SELECT COUNT(*) FROM structural_issue_cases l WHERE l.issue_id = i.id), \
     (SELECT MAX(c.created_at) FROM structural_issue_cases l JOIN conversations c ON c.id = l.conversation_id WHERE l.issue_id = i.id) \
     FROM structural_issues i LEFT JOIN agents g ON g.id = i.owner_id \
     LEFT JOIN ideas d ON d.id = i.idea_id";

fn state_of(text: String) -> Result<StructuralState> {
    text.parse()
        .map_err(|e: wederhoor_core::case::UnknownName| StoreError::Corrupt(e.to_string()))
}

fn issue_of(r: &AnyRow) -> Result<StructuralIssue> {
    Ok(StructuralIssue {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        description: r.try_get(2)?,
        state: state_of(r.try_get(3)?)?,
        owner_id: r.try_get(4)?,
        owner_name: r.try_get(5)?,
        idea_id: r.try_get::<Option<String>, _>(7)?.and(r.try_get(6)?),
        idea_title: r.try_get(7)?,
        resolution: r.try_get(8)?,
        created_at: r.try_get(9)?,
        updated_at: r.try_get(10)?,
        fixed_at: r.try_get(11)?,
        cases: r.try_get(12)?,
        last_case_at: r.try_get(13)?,
    })
}

/// The conversations of the person behind conversation `$1`: by the authors' handle key, or
/// their contact.
const PERSON_CASES: &str = "SELECT c.id FROM conversations me JOIN authors mine ON mine.id = me.author_id \
     JOIN authors a ON a.handle_key = mine.handle_key OR (mine.contact_id IS NOT NULL AND a.contact_id = mine.contact_id) \
     JOIN conversations c ON c.author_id = a.id WHERE me.id = $1";

impl Store {
    /// Makes a structural issue (state `open`). Returns its id.
    pub async fn create_structural_issue(
        &self,
        new: &NewStructuralIssue,
        actor: AgentId,
    ) -> Result<i64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let id: i64 = sqlx::query(
            "INSERT INTO structural_issues (title, description, state, owner_id, created_by, created_at, updated_at) \
             VALUES ($1, $2, 'open', $3, $4, $5, $5) RETURNING id",
        )
        .bind(&new.title)
        .bind(&new.description)
        .bind(new.owner.map(|a| a.0))
        .bind(actor.0)
        .bind(new.at)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        audit(
            &mut tx,
            Some(actor.0),
            "structural.create",
            "structural_issue",
            Some(id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One issue with its counts.
    pub async fn structural_issue(&self, id: i64) -> Result<Option<StructuralIssue>> {
        self.counted(1);
        let row = sqlx::query(&format!("{ISSUE_SELECT} WHERE i.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(issue_of).transpose()
    }

    /// Every issue (or only the active ones: open, in progress), active first, then the most
    /// recently changed.
    pub async fn structural_issues(&self, active_only: bool) -> Result<Vec<StructuralIssue>> {
        self.counted(1);
        let filter = if active_only {
            " WHERE i.state IN ('open', 'in_progress')"
        } else {
            ""
        };
        let rows = sqlx::query(&format!(
            "{ISSUE_SELECT}{filter} ORDER BY CASE WHEN i.state IN ('open', 'in_progress') THEN 0 ELSE 1 END, \
             i.updated_at DESC, i.id DESC LIMIT 500"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(issue_of).collect()
    }

    /// Changes an issue's title, description, owner, idea and resolution text; `false` when it
    /// does not exist.
    pub async fn edit_structural_issue(
        &self,
        id: i64,
        edit: &StructuralEdit,
        actor: AgentId,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let changed = sqlx::query(
            "UPDATE structural_issues SET title = $1, description = $2, owner_id = $3, idea_id = $4, \
             resolution = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(&edit.title)
        .bind(&edit.description)
        .bind(edit.owner.map(|a| a.0))
        .bind(edit.idea)
        .bind(&edit.resolution)
        .bind(edit.at)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        audit(
            &mut tx,
            Some(actor.0),
            "structural.edit",
            "structural_issue",
            Some(id),
            &format!(
                "owner {} idea {}",
                edit.owner
                    .map_or_else(|| "-".to_owned(), |a| a.0.to_string()),
                edit.idea.map_or_else(|| "-".to_owned(), |i| i.to_string())
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sets an issue's state (`fixed_at` is set when it becomes fixed, cleared when it is
    /// reopened); `false` when it does not exist.
    pub async fn set_structural_state(
        &self,
        id: i64,
        state: StructuralState,
        actor: AgentId,
        at: i64,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let sql = match state {
            StructuralState::Fixed | StructuralState::Closed => {
                "UPDATE structural_issues SET state = $1, updated_at = $2, fixed_at = COALESCE(fixed_at, $2) WHERE id = $3"
            }
            _ => {
                "UPDATE structural_issues SET state = $1, updated_at = $2, fixed_at = NULL WHERE id = $3"
            }
        };
        let changed = sqlx::query(sql)
            .bind(state.as_str())
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        audit(
            &mut tx,
            Some(actor.0),
            "structural.state",
            "structural_issue",
            Some(id),
            state.as_str(),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Links a case to an issue; `false` when it already was. Audited on the case (its history)
    /// and fails with `NotFound` when the issue or the case does not exist.
    pub async fn link_structural_case(
        &self,
        issue: i64,
        conversation: ConversationId,
        actor: AgentId,
        at: i64,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(4);
        let exists = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM structural_issues WHERE id = $1), \
                    (SELECT COUNT(*) FROM conversations WHERE id = $2), \
                    (SELECT COUNT(*) FROM structural_issue_cases WHERE issue_id = $1 AND conversation_id = $2)",
        )
        .bind(issue)
        .bind(conversation.0)
        .fetch_one(&mut *tx)
        .await?;
        if exists.try_get::<i64, _>(0)? == 0 {
            return Err(StoreError::NotFound("structural issue"));
        }
        if exists.try_get::<i64, _>(1)? == 0 {
            return Err(StoreError::NotFound("conversation"));
        }
        if exists.try_get::<i64, _>(2)? > 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO structural_issue_cases (issue_id, conversation_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(issue)
        .bind(conversation.0)
        .bind(actor.0)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE structural_issues SET updated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(issue)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            Some(actor.0),
            "structural.link",
            "conversation",
            Some(conversation.0),
            &issue.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Unlinks a case from an issue; `false` when it was not linked.
    pub async fn unlink_structural_case(
        &self,
        issue: i64,
        conversation: ConversationId,
        actor: AgentId,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let removed = sqlx::query(
            "DELETE FROM structural_issue_cases WHERE issue_id = $1 AND conversation_id = $2",
        )
        .bind(issue)
        .bind(conversation.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        audit(
            &mut tx,
            Some(actor.0),
            "structural.unlink",
            "conversation",
            Some(conversation.0),
            &issue.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The issues a case is linked to.
    pub async fn structural_issues_of(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<IssueBrief>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT i.id, i.title, i.state, i.resolution FROM structural_issue_cases l \
             JOIN structural_issues i ON i.id = l.issue_id WHERE l.conversation_id = $1 ORDER BY i.id",
        )
        .bind(conversation.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(brief_of).collect()
    }

    /// The linked cases of an issue, newest case first.
    pub async fn structural_cases(&self, issue: i64, limit: i64) -> Result<Vec<LinkedCase>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT c.id, a.handle, s.name, c.snippet, c.state, c.created_at, l.linked_at \
             FROM structural_issue_cases l JOIN conversations c ON c.id = l.conversation_id \
             JOIN sources s ON s.id = c.source_id LEFT JOIN authors a ON a.id = c.author_id \
             WHERE l.issue_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2",
        )
        .bind(issue)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LinkedCase {
                    conversation: r.try_get(0)?,
                    handle: r.try_get(1)?,
                    source_name: r.try_get(2)?,
                    snippet: r.try_get(3)?,
                    state: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                    linked_at: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// When each linked case of an issue came in (UTC ms, oldest first), from `since` on.
    pub async fn structural_case_times(&self, issue: i64, since: i64) -> Result<Vec<i64>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT c.created_at FROM structural_issue_cases l JOIN conversations c ON c.id = l.conversation_id \
             WHERE l.issue_id = $1 AND c.created_at >= $2 ORDER BY c.created_at",
        )
        .bind(issue)
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// The active issues with the texts of up to `per_issue` of their newest cases (one query).
    pub async fn structural_vocabulary(&self, per_issue: i64) -> Result<Vec<IssueVocabulary>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT i.id, i.title, x.snippet FROM structural_issues i LEFT JOIN ( \
               SELECT l.issue_id, c.snippet, ROW_NUMBER() OVER (PARTITION BY l.issue_id ORDER BY c.created_at DESC, c.id DESC) AS n \
               FROM structural_issue_cases l JOIN conversations c ON c.id = l.conversation_id) x \
             ON x.issue_id = i.id AND x.n <= $1 \
             WHERE i.state IN ('open', 'in_progress') ORDER BY i.id LIMIT 5000",
        )
        .bind(per_issue)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<IssueVocabulary> = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            if out.last().is_none_or(|v| v.id != id) {
                out.push(IssueVocabulary {
                    id,
                    title: r.try_get(1)?,
                    texts: Vec::new(),
                });
            }
            if let (Some(v), Some(text)) = (out.last_mut(), r.try_get::<Option<String>, _>(2)?) {
                v.texts.push(text);
            }
        }
        Ok(out)
    }

    /// Everyone an issue's linked cases come from, once each (by contact, else by author, else
    /// by case), with their newest linked case: ordered by the key, never by reach.
    pub async fn structural_audience(&self, issue: i64) -> Result<Vec<Affected>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT CASE WHEN a.contact_id IS NOT NULL THEN 'contact:' || CAST(a.contact_id AS TEXT) \
                    WHEN c.author_id IS NOT NULL THEN 'author:' || CAST(c.author_id AS TEXT) \
                    ELSE 'conversation:' || CAST(c.id AS TEXT) END, \
                    c.id, a.handle, s.name, s.kind, s.delivery_kind, s.owned, \
                    CASE WHEN s.enabled = 0 OR s.deleted_at IS NOT NULL THEN 1 ELSE 0 END, \
                    c.last_message_at \
             FROM structural_issue_cases l JOIN conversations c ON c.id = l.conversation_id \
             JOIN sources s ON s.id = c.source_id LEFT JOIN authors a ON a.id = c.author_id \
             WHERE l.issue_id = $1 ORDER BY 1, c.created_at DESC, c.id DESC",
        )
        .bind(issue)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<Affected> = Vec::new();
        for r in &rows {
            let recipient: String = r.try_get(0)?;
            // Newest case first per person: the first row is the one the broadcast answers.
            if out.last().is_some_and(|a| a.recipient == recipient) {
                continue;
            }
            out.push(Affected {
                recipient,
                conversation: ConversationId(r.try_get(1)?),
                handle: r.try_get(2)?,
                source_name: r.try_get(3)?,
                source_kind: r.try_get(4)?,
                delivery_kind: r.try_get::<String, _>(5)?.parse().map_err(
                    |e: wederhoor_core::case::UnknownName| StoreError::Corrupt(e.to_string()),
                )?,
                source_owned: r.try_get::<i64, _>(6)? != 0,
                source_off: r.try_get::<i64, _>(7)? != 0,
                last_message_at: r.try_get(8)?,
            });
        }
        Ok(out)
    }

    /// What the hints read about the person behind a case: fixed issues on their cases that no
    /// broadcast reached them with, their newest survey score and their cases since `since`.
    pub async fn person_facts(
        &self,
        conversation: ConversationId,
        since: i64,
    ) -> Result<PersonFacts> {
        self.counted(2);
        // A case without a known author is its own person.
        let person = format!("SELECT $1 UNION {PERSON_CASES}");
        let rows = sqlx::query(&format!(
            "SELECT DISTINCT i.id, i.title, i.state, i.resolution FROM structural_issue_cases l \
             JOIN structural_issues i ON i.id = l.issue_id \
             WHERE l.conversation_id IN ({person}) AND i.state = 'fixed' \
             AND NOT EXISTS (SELECT 1 FROM broadcasts b JOIN broadcast_recipients br ON br.broadcast_id = b.id \
                 WHERE b.structural_issue_id = i.id AND br.reply_id IS NOT NULL AND br.conversation_id IN ({person})) \
             ORDER BY i.id"
        ))
        .bind(conversation.0)
        .fetch_all(self.pool())
        .await?;
        let fixed_untold = rows.iter().map(brief_of).collect::<Result<Vec<_>>>()?;
        let row = sqlx::query(&format!(
            "SELECT (SELECT v.score FROM surveys v WHERE v.conversation_id IN ({person}) AND v.score IS NOT NULL \
                     ORDER BY v.answered_at DESC, v.id DESC LIMIT 1), \
                    (SELECT COUNT(*) FROM conversations c WHERE c.id IN ({person}) AND c.created_at >= $2)"
        ))
        .bind(conversation.0)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(PersonFacts {
            fixed_untold,
            last_score: row.try_get(0)?,
            recent_cases: row.try_get(1)?,
        })
    }

    /// The issues with a case that came in during `[start, end)` or made then, with their
    /// cases that day and in the seven days before `start`.
    pub async fn structural_day(&self, start: i64, end: i64) -> Result<Vec<IssueDay>> {
        self.counted(1);
        let week_before = start - 7 * 24 * 3_600_000;
        let rows = sqlx::query(
            "SELECT i.id, i.title, i.state, i.created_at, \
               (SELECT COUNT(*) FROM structural_issue_cases l JOIN conversations c ON c.id = l.conversation_id \
                WHERE l.issue_id = i.id AND c.created_at >= $1 AND c.created_at < $2), \
               (SELECT COUNT(*) FROM structural_issue_cases l JOIN conversations c ON c.id = l.conversation_id \
                WHERE l.issue_id = i.id AND c.created_at >= $3 AND c.created_at < $1) \
             FROM structural_issues i ORDER BY i.id",
        )
        .bind(start)
        .bind(end)
        .bind(week_before)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let day = IssueDay {
                id: r.try_get(0)?,
                title: r.try_get(1)?,
                state: state_of(r.try_get(2)?)?,
                created_at: r.try_get(3)?,
                cases_that_day: r.try_get(4)?,
                cases_week_before: r.try_get(5)?,
            };
            if day.cases_that_day > 0 || (start..end).contains(&day.created_at) {
                out.push(day);
            }
        }
        Ok(out)
    }
}

fn brief_of(r: &AnyRow) -> Result<IssueBrief> {
    Ok(IssueBrief {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        state: state_of(r.try_get(2)?)?,
        resolution: r.try_get(3)?,
    })
}
