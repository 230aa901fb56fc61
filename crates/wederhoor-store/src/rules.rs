//! Rules versions, the review queue and precedents (decisions of a team lead on doubtful cases).

use crate::{Result, RetriageItem, Store, StoreError, audit, now_ms};
use sqlx::Row;
use sqlx::any::AnyRow;
use wederhoor_core::{Action, AgentId, ConversationId, MessageId, PiiSpan};

/// One stored version of the rules of engagement (without its text).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RulesVersion {
    pub id: i64,
    pub author_name: Option<String>,
    pub created_at: i64,
    pub comment: String,
    pub active: bool,
}

/// A conversation waiting for a person to decide, with the triage of its newest message.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReviewItem {
    pub conversation: ConversationId,
    pub message: MessageId,
    pub source_name: String,
    pub author_handle: Option<String>,
    pub author_name: Option<String>,
    pub text: String,
    pub created_at: i64,
    pub reason: String,
    pub rule: String,
    pub language: String,
    pub sentiment_label: String,
    pub sentiment_score: f64,
    pub abusive: bool,
    pub pii: Vec<PiiSpan>,
    pub topics: Vec<String>,
}

/// A decision of a team lead on a doubtful case.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Precedent {
    pub id: i64,
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    pub decided_by: AgentId,
    pub decided_by_name: String,
    pub action: Action,
    pub reason: String,
    pub rule_id: Option<String>,
    pub created_at: i64,
    /// The text of the message the decision is about.
    pub text: String,
}

/// A stored message with the verdict its stored triage gave it (for a backtest).
#[derive(Debug, Clone)]
pub struct BacktestItem {
    pub item: RetriageItem,
    pub external_id: String,
    pub conversation: ConversationId,
    pub action: String,
    pub rule: String,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

const PRECEDENT_SELECT: &str = "SELECT p.id, p.message_id, p.conversation_id, p.decided_by, g.display_name, \
     p.action, p.reason, p.rule_id, p.created_at, m.text FROM precedents p \
     JOIN agents g ON g.id = p.decided_by JOIN messages m ON m.id = p.message_id";

fn precedent_from_row(r: &AnyRow) -> Result<Precedent> {
    let action: String = r.try_get(5)?;
    Ok(Precedent {
        id: r.try_get(0)?,
        message_id: MessageId(r.try_get(1)?),
        conversation_id: ConversationId(r.try_get(2)?),
        decided_by: AgentId(r.try_get(3)?),
        decided_by_name: r.try_get(4)?,
        action: action.parse().map_err(corrupt)?,
        reason: r.try_get(6)?,
        rule_id: r.try_get(7)?,
        created_at: r.try_get(8)?,
        text: r.try_get(9)?,
    })
}

impl Store {
    /// Every rules version, newest first.
    pub async fn list_rules_versions(&self) -> Result<Vec<RulesVersion>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT r.id, g.display_name, r.created_at, r.comment, r.active FROM rules_versions r \
             LEFT JOIN agents g ON g.id = r.author_id ORDER BY r.id DESC",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RulesVersion {
                    id: r.try_get(0)?,
                    author_name: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    comment: r.try_get(3)?,
                    active: r.try_get::<i64, _>(4)? != 0,
                })
            })
            .collect()
    }

    /// One rules version with its text.
    pub async fn rules_version(&self, id: i64) -> Result<Option<(RulesVersion, String)>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT r.id, g.display_name, r.created_at, r.comment, r.active, r.rules FROM rules_versions r \
             LEFT JOIN agents g ON g.id = r.author_id WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            Ok((
                RulesVersion {
                    id: r.try_get(0)?,
                    author_name: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    comment: r.try_get(3)?,
                    active: r.try_get::<i64, _>(4)? != 0,
                },
                r.try_get(5)?,
            ))
        })
        .transpose()
    }

    /// Conversations whose verdict is `review`, newest first, with the triage of their newest
    /// message; and how many there are in all.
    pub async fn review_queue(&self, limit: i64, offset: i64) -> Result<(Vec<ReviewItem>, i64)> {
        self.counted(2);
        let total: i64 = sqlx::query("SELECT COUNT(*) FROM conversations WHERE verdict = 'review'")
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        let rows = sqlx::query(
            "SELECT c.id, m.id, s.name, a.handle, a.name, m.text, m.created_at, t.reason, t.rule, \
             t.language, t.sentiment_label, t.sentiment_score, t.abusive, t.pii, t.topics \
             FROM conversations c JOIN sources s ON s.id = c.source_id \
             JOIN messages m ON m.id = (SELECT m2.id FROM messages m2 WHERE m2.conversation_id = c.id \
               ORDER BY m2.created_at DESC, m2.id DESC LIMIT 1) \
             JOIN triage t ON t.message_id = m.id LEFT JOIN authors a ON a.id = m.author_id \
             WHERE c.verdict = 'review' ORDER BY c.last_message_at DESC, c.id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                let pii: String = r.try_get(13)?;
                let topics: String = r.try_get(14)?;
                Ok(ReviewItem {
                    conversation: ConversationId(r.try_get(0)?),
                    message: MessageId(r.try_get(1)?),
                    source_name: r.try_get(2)?,
                    author_handle: r.try_get(3)?,
                    author_name: r.try_get(4)?,
                    text: r.try_get(5)?,
                    created_at: r.try_get(6)?,
                    reason: r.try_get(7)?,
                    rule: r.try_get(8)?,
                    language: r.try_get(9)?,
                    sentiment_label: r.try_get(10)?,
                    sentiment_score: r.try_get(11)?,
                    abusive: r.try_get::<i64, _>(12)? != 0,
                    pii: serde_json::from_str(&pii).map_err(corrupt)?,
                    topics: serde_json::from_str(&topics).map_err(corrupt)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((items, total))
    }

    /// A team lead decides a conversation in review: the decision is kept as a precedent on its
    /// newest message, the conversation takes the decided action as its verdict, and the audit
    /// log says who did it. Refused (conflict) when the conversation is no longer in review.
    pub async fn decide_review(
        &self,
        conversation: ConversationId,
        action: Action,
        reason: &str,
        actor: AgentId,
    ) -> Result<i64> {
        if action == Action::Review {
            return Err(StoreError::Conflict(
                "a decision must be an action other than review".into(),
            ));
        }
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(5);
        let row = sqlx::query(
            "SELECT c.verdict, (SELECT m.id FROM messages m WHERE m.conversation_id = c.id \
             ORDER BY m.created_at DESC, m.id DESC LIMIT 1) FROM conversations c WHERE c.id = $1",
        )
        .bind(conversation.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?;
        let verdict: String = row.try_get(0)?;
        let message: Option<i64> = row.try_get(1)?;
        if verdict != Action::Review.as_str() {
            return Err(StoreError::Conflict(
                "this conversation is no longer waiting for review".into(),
            ));
        }
        let message = message.ok_or(StoreError::NotFound("message"))?;
        let id: i64 = sqlx::query(
            "INSERT INTO precedents (message_id, conversation_id, decided_by, action, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(message)
        .bind(conversation.0)
        .bind(actor.0)
        .bind(action.as_str())
        .bind(reason)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query("UPDATE conversations SET verdict = $1 WHERE id = $2")
            .bind(action.as_str())
            .bind(conversation.0)
            .execute(&mut *tx)
            .await?;
        crate::decisions::record_decision(
            &mut tx,
            conversation,
            Some(actor),
            action,
            crate::DecisionKind::Review,
        )
        .await?;
        audit(
            &mut tx,
            Some(actor.0),
            "review.decide",
            "conversation",
            Some(conversation.0),
            &format!("{} (precedent {id}): {reason}", action.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One precedent.
    pub async fn precedent(&self, id: i64) -> Result<Option<Precedent>> {
        self.counted(1);
        let row = sqlx::query(&format!("{PRECEDENT_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(precedent_from_row).transpose()
    }

    /// The newest precedents (at most `limit`), newest first.
    pub async fn list_precedents(&self, limit: i64) -> Result<Vec<Precedent>> {
        self.counted(1);
        let rows = sqlx::query(&format!("{PRECEDENT_SELECT} ORDER BY p.id DESC LIMIT $1"))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(precedent_from_row).collect()
    }

    /// Records that a precedent became (or is kept with) the rule `rule_id`.
    pub async fn link_precedent_rule(
        &self,
        id: i64,
        rule_id: &str,
        actor: Option<AgentId>,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query("UPDATE precedents SET rule_id = $1 WHERE id = $2")
            .bind(rule_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("precedent"));
        }
        audit(
            &mut tx,
            actor.map(|a| a.0),
            "precedent.rule",
            "precedent",
            Some(id),
            rule_id,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` stored messages with the verdict of their stored triage.
    pub async fn messages_for_backtest(&self, limit: i64) -> Result<Vec<BacktestItem>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT m.id, m.text, s.name, a.handle, a.name, a.followers, m.reposts, m.likes, \
             m.external_id, m.conversation_id, t.action, t.rule, s.kind AS source_kind \
             FROM messages m JOIN triage t ON t.message_id = m.id JOIN sources s ON s.id = m.source_id \
             LEFT JOIN authors a ON a.id = m.author_id ORDER BY m.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BacktestItem {
                    item: crate::ingest::retriage_item_from_row(r)?,
                    external_id: r.try_get(8)?,
                    conversation: ConversationId(r.try_get(9)?),
                    action: r.try_get(10)?,
                    rule: r.try_get(11)?,
                })
            })
            .collect()
    }
}
