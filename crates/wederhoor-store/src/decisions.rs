//! The team's decisions (what the team did with a message: a lead's review decision, a reply, a
//! case closed without a reply, a verdict an agent overrode) and the versions of the model learned from them.

use crate::{Result, RetriageItem, Store, StoreError, audit, now_ms};
use sqlx::Row;
use wederhoor_core::{Action, AgentId, ConversationId};

/// How a decision was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    /// A lead decided a conversation in review.
    Review,
    /// An agent answered.
    Reply,
    /// An agent closed the case without a reply.
    Close,
    /// An agent put another verdict on the case than the engine gave.
    Override,
}

impl DecisionKind {
    fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Review => "review",
            DecisionKind::Reply => "reply",
            DecisionKind::Close => "close",
            DecisionKind::Override => "override",
        }
    }
}

/// One decision with the message it is about, for training.
#[derive(Debug, Clone)]
pub struct DecisionItem {
    pub item: RetriageItem,
    pub action: Action,
}

/// One version of the learned model (without its bytes).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TeamModel {
    pub id: i64,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub decisions: i64,
    /// Balanced accuracy on the latest decisions when trained on the earlier ones.
    pub holdout: f64,
    /// Stored messages whose verdict this version changed when it was made, of `compared`.
    pub changes: i64,
    pub compared: i64,
    pub active: bool,
    /// The model's size in bytes.
    pub size: i64,
    /// What its cross-validation measured (JSON object).
    pub metrics: String,
    /// When it was last made the active version.
    pub activated_at: Option<i64>,
}

/// A new version of the learned model, as training made it.
#[derive(Debug, Clone)]
pub struct NewTeamModel<'a> {
    pub content: &'a [u8],
    pub decisions: i64,
    pub holdout: f64,
    /// Stored verdicts it changes compared with the active version, of `compared` checked.
    pub changes: i64,
    pub compared: i64,
    pub metrics: &'a str,
}

/// Records the team's decision on the newest inbound message of a conversation, inside the
/// caller's transaction. A reply or review decision replaces an earlier decision; closing without
/// a reply never replaces one (the case was answered or decided before).
pub(crate) async fn record_decision(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    conversation: ConversationId,
    agent: Option<AgentId>,
    action: Action,
    kind: DecisionKind,
) -> Result<()> {
    let conflict = match kind {
        DecisionKind::Close => "DO NOTHING",
        DecisionKind::Review | DecisionKind::Reply | DecisionKind::Override => {
            "DO UPDATE SET action = excluded.action, kind = excluded.kind, \
             agent_id = excluded.agent_id, created_at = excluded.created_at"
        }
    };
    sqlx::query(&format!(
        "INSERT INTO decisions (message_id, conversation_id, agent_id, action, kind, created_at) \
         SELECT m.id, m.conversation_id, $1, $2, $3, $4 FROM messages m WHERE m.conversation_id = $5 \
         ORDER BY m.created_at DESC, m.id DESC LIMIT 1 ON CONFLICT (message_id) {conflict}"
    ))
    .bind(agent.map(|a| a.0))
    .bind(action.as_str())
    .bind(kind.as_str())
    .bind(now_ms())
    .bind(conversation.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// An agent overrides the verdict of a conversation with `action` (not `review`): the
    /// conversation takes it, and it is kept as the team's decision on its newest message
    /// (audited as `verdict.override`). False when the verdict already was `action`.
    pub async fn override_verdict(
        &self,
        conversation: ConversationId,
        action: Action,
        actor: AgentId,
    ) -> Result<bool> {
        if action == Action::Review {
            return Err(StoreError::Conflict(
                "a verdict is overridden with an action other than review".into(),
            ));
        }
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(4);
        let was: String = sqlx::query("SELECT verdict FROM conversations WHERE id = $1")
            .bind(conversation.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("conversation"))?
            .try_get(0)?;
        if was == action.as_str() {
            return Ok(false);
        }
        sqlx::query("UPDATE conversations SET verdict = $1 WHERE id = $2")
            .bind(action.as_str())
            .bind(conversation.0)
            .execute(&mut *tx)
            .await?;
        record_decision(
            &mut tx,
            conversation,
            Some(actor),
            action,
            DecisionKind::Override,
        )
        .await?;
        audit(
            &mut tx,
            Some(actor.0),
            "verdict.override",
            "conversation",
            Some(conversation.0),
            &format!("{was} -> {}", action.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// How many decisions are kept.
    pub async fn decisions_count(&self) -> Result<i64> {
        self.counted(1);
        let row = sqlx::query("SELECT COUNT(*) FROM decisions")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// The newest `limit` decisions with their messages, oldest first (time order for training).
    pub async fn decisions_for_training(&self, limit: i64) -> Result<Vec<DecisionItem>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT m.id, m.text, s.name, a.handle, a.name, a.followers, m.reposts, m.likes, d.action, s.kind AS source_kind \
             FROM decisions d JOIN messages m ON m.id = d.message_id \
             JOIN sources s ON s.id = m.source_id LEFT JOIN authors a ON a.id = m.author_id \
             ORDER BY m.created_at DESC, m.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut items = rows
            .iter()
            .map(|r| {
                let action: String = r.try_get(8)?;
                Ok(DecisionItem {
                    item: crate::ingest::retriage_item_from_row(r)?,
                    action: action
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("decision action {action}")))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        items.reverse();
        Ok(items)
    }

    /// Stores a new version of the learned model, inactive until a lead activates it (audited).
    /// `metrics` is what its cross-validation measured (JSON, shown with the version).
    pub async fn save_team_model(
        &self,
        new: &NewTeamModel<'_>,
        actor: Option<AgentId>,
    ) -> Result<i64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let id: i64 = sqlx::query(
            "INSERT INTO team_models (created_at, created_by, decisions, holdout, changes, compared, content, active, size, metrics) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9) RETURNING id",
        )
        .bind(now_ms())
        .bind(actor.map(|a| a.0))
        .bind(new.decisions)
        .bind(new.holdout)
        .bind(new.changes)
        .bind(new.compared)
        .bind(new.content.to_vec())
        .bind(new.content.len() as i64)
        .bind(new.metrics)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        audit(
            &mut tx,
            actor.map(|a| a.0),
            "model.train",
            "team_model",
            Some(id),
            &format!(
                "{} decisions, holdout {:.3}, {}/{} verdicts change",
                new.decisions, new.holdout, new.changes, new.compared
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Makes version `id` the active learned model (audited as `model.activate`, or
    /// `model.rollback` when `rollback`). False when there is no such version.
    pub async fn activate_team_model(
        &self,
        id: i64,
        actor: Option<AgentId>,
        rollback: bool,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        let exists = sqlx::query("SELECT id FROM team_models WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Ok(false);
        }
        sqlx::query("UPDATE team_models SET active = 0 WHERE active = 1 AND id <> $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE team_models SET active = 1, activated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            actor.map(|a| a.0),
            if rollback {
                "model.rollback"
            } else {
                "model.activate"
            },
            "team_model",
            Some(id),
            &format!("version {id} active"),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The version that was active before the active one (the newest activation among the
    /// inactive versions): where a rollback goes.
    pub async fn previous_team_model(&self) -> Result<Option<i64>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT id FROM team_models WHERE active = 0 AND activated_at IS NOT NULL \
             ORDER BY activated_at DESC, id DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
    }

    /// The bytes of version `id`.
    pub async fn team_model_content(&self, id: i64) -> Result<Option<Vec<u8>>> {
        self.counted(1);
        let row = sqlx::query("SELECT content FROM team_models WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
    }

    /// The active learned model: its version and bytes.
    pub async fn active_team_model(&self) -> Result<Option<(i64, Vec<u8>)>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT id, content FROM team_models WHERE active = 1 ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// The newest versions of the learned model, newest first.
    pub async fn team_models(&self, limit: i64) -> Result<Vec<TeamModel>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT t.id, t.created_at, g.display_name, t.decisions, t.holdout, t.changes, t.compared, t.active, \
             t.size, t.metrics, t.activated_at FROM team_models t LEFT JOIN agents g ON g.id = t.created_by ORDER BY t.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let active: i64 = r.try_get(7)?;
                Ok(TeamModel {
                    id: r.try_get(0)?,
                    created_at: r.try_get(1)?,
                    created_by: r.try_get(2)?,
                    decisions: r.try_get(3)?,
                    holdout: r.try_get(4)?,
                    changes: r.try_get(5)?,
                    compared: r.try_get(6)?,
                    active: active == 1,
                    size: r.try_get(8)?,
                    metrics: r.try_get(9)?,
                    activated_at: r.try_get(10)?,
                })
            })
            .collect()
    }
}
