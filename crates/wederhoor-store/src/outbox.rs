//! The outbox: replies waiting to be delivered, and what became of each attempt.

use crate::{Result, Store, StoreError, audit, now_ms};
use sqlx::Row;
use wederhoor_core::{AgentId, ConversationId, DeliveryKind, ReplyId, SourceId};

/// A reply the worker should try to deliver now.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub reply: ReplyId,
    pub conversation: ConversationId,
    pub source: SourceId,
    pub source_name: String,
    pub delivery_url: Option<String>,
    pub text: String,
    pub agent_name: String,
    pub idempotency_key: String,
    pub attempts: i64,
    /// The external id of the newest inbound message of the conversation (what we answer).
    pub in_reply_to: Option<String>,
    /// The text of that message (an e-mail reply takes its subject from the first line).
    pub in_reply_to_text: Option<String>,
    pub author_handle: Option<String>,
    /// How the reply leaves (`webhook` or `mastodon`; manual replies are never due).
    pub delivery_kind: DeliveryKind,
    /// The source's connector URL (for `mastodon`: the instance plus what it follows).
    pub source_url: Option<String>,
    /// The reply is private: marked as a direct message, or (unmarked) its conversation is
    /// private (a Mastodon reply then goes out as `direct`).
    pub private: bool,
    /// The source is our own account (only then may a Mastodon reply be posted through it).
    pub source_owned: bool,
    /// What the reply carries besides its text (an e-card), for connectors that send media.
    pub media: Option<ReplyMedia>,
}

/// A picture (or video) a reply carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyMedia {
    /// `image/png`, `image/jpeg`, `video/mp4`, …
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// What it shows, in words (Mastodon's `description`, for screen readers).
    pub description: String,
    /// The SHA-256 of the bytes (hex): the name of the public link to it.
    pub sha256: String,
}

/// Delivery kinds the outbox worker sends (the others are marked sent by an agent).
const SENT_BY_WORKER: &str =
    "('webhook', 'mastodon', 'whatsapp', 'facebook', 'instagram', 'bluesky', 'email')";

/// The columns of an outbox item: the reply, its conversation and source, the agent, and the
/// newest inbound message (what the reply answers).
const OUTBOX_SELECT: &str = "SELECT r.id, r.conversation_id, c.source_id, s.name, s.delivery_url, r.text, COALESCE(r.signature, g.display_name), \
     r.idempotency_key, r.attempts, \
     (SELECT m.external_id FROM messages m WHERE m.conversation_id = c.id \
      ORDER BY m.created_at DESC, m.id DESC LIMIT 1), a.handle, r.delivery_kind, s.url, \
     CASE WHEN r.direct IS NULL THEN c.state WHEN r.direct = 1 THEN 'private' ELSE 'public' END, s.owned, \
     (SELECT m.text FROM messages m WHERE m.conversation_id = c.id \
      ORDER BY m.created_at DESC, m.id DESC LIMIT 1), \
     md.content_type, md.bytes, r.media_alt, md.sha256 \
     FROM replies r JOIN conversations c ON c.id = r.conversation_id \
     JOIN sources s ON s.id = c.source_id JOIN agents g ON g.id = r.agent_id \
     LEFT JOIN authors a ON a.id = c.author_id LEFT JOIN media md ON md.id = r.media_id";

fn outbox_item_from_row(r: &sqlx::any::AnyRow) -> Result<OutboxItem> {
    Ok(OutboxItem {
        reply: ReplyId(r.try_get(0)?),
        conversation: ConversationId(r.try_get(1)?),
        source: SourceId(r.try_get(2)?),
        source_name: r.try_get(3)?,
        delivery_url: r.try_get(4)?,
        text: r.try_get(5)?,
        agent_name: r.try_get(6)?,
        idempotency_key: r.try_get(7)?,
        attempts: r.try_get(8)?,
        in_reply_to: r.try_get(9)?,
        author_handle: r.try_get(10)?,
        delivery_kind: r
            .try_get::<String, _>(11)?
            .parse()
            .map_err(|e: wederhoor_core::case::UnknownName| StoreError::Corrupt(e.to_string()))?,
        source_url: r.try_get(12)?,
        private: r.try_get::<String, _>(13)? == "private",
        source_owned: r.try_get::<i64, _>(14)? != 0,
        in_reply_to_text: r.try_get(15)?,
        media: match r.try_get::<Option<String>, _>(16)? {
            Some(content_type) => Some(ReplyMedia {
                content_type,
                bytes: r.try_get(17)?,
                description: r.try_get::<Option<String>, _>(18)?.unwrap_or_default(),
                sha256: r.try_get(19)?,
            }),
            None => None,
        },
    })
}

impl Store {
    /// Replies that are due: queued, with their next attempt time passed (a look, no claim).
    pub async fn due_replies(&self, limit: i64) -> Result<Vec<OutboxItem>> {
        self.counted(1);
        let sql = format!(
            "{OUTBOX_SELECT} WHERE r.state = 'queued' AND r.delivery_kind IN {SENT_BY_WORKER} \
             AND r.next_attempt_at <= $1 ORDER BY r.next_attempt_at, r.id LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(now_ms())
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(outbox_item_from_row).collect()
    }

    /// Claims the due replies for this worker: their next attempt moves `lease_ms` ahead, so no
    /// other worker (another process or node on the same database) takes them meanwhile; the
    /// worker then records each as sent or failed. A worker that dies mid-batch leaves its claims
    /// to expire, and another worker retries them with the same idempotency key. On PostgreSQL
    /// concurrent claimers skip each other's rows (`FOR UPDATE SKIP LOCKED`); SQLite has one
    /// writer at a time.
    pub async fn claim_due_replies(&self, limit: i64, lease_ms: i64) -> Result<Vec<OutboxItem>> {
        let now = now_ms();
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let claimed = {
            let _guard = self.writer().await;
            let mut tx = self.write_tx().await?;
            self.counted(1);
            let rows = sqlx::query(&format!(
                "UPDATE replies SET next_attempt_at = $1 WHERE id IN (SELECT id FROM replies \
                 WHERE state = 'queued' AND delivery_kind IN {SENT_BY_WORKER} AND next_attempt_at <= $2 \
                 ORDER BY next_attempt_at, id LIMIT $3{lock}) RETURNING id"
            ))
            .bind(now + lease_ms)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<Vec<_>, _>>()?
        };
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = claimed.iter().map(i64::to_string).collect();
        self.counted(1);
        let rows = sqlx::query(&format!(
            "{OUTBOX_SELECT} WHERE r.id IN ({}) ORDER BY r.id",
            list.join(", ")
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(outbox_item_from_row).collect()
    }

    /// When the next reply becomes due (for the worker to sleep until then), if any is queued.
    pub async fn next_reply_due_at(&self) -> Result<Option<i64>> {
        self.counted(1);
        let sql = format!(
            "SELECT MIN(next_attempt_at) FROM replies WHERE state = 'queued' AND delivery_kind IN {SENT_BY_WORKER}"
        );
        let row = sqlx::query(&sql).fetch_one(self.pool()).await?;
        Ok(row.try_get(0)?)
    }

    /// Records a delivered reply.
    pub async fn mark_reply_sent(
        &self,
        reply: ReplyId,
        actor: Option<AgentId>,
    ) -> Result<ConversationId> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "UPDATE replies SET state = 'sent', sent_at = $1, attempts = attempts + $2, last_error = NULL \
             WHERE id = $3 AND state <> 'sent' RETURNING conversation_id",
        )
        .bind(now_ms())
        .bind(i64::from(actor.is_none()))
        .bind(reply.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("unsent reply"))?;
        let conversation: i64 = row.try_get(0)?;
        // Sent by hand is something an agent did on the case: it goes in the case's history.
        match actor {
            Some(agent) => {
                audit(
                    &mut tx,
                    Some(agent.0),
                    "reply.sent_by_hand",
                    "conversation",
                    Some(conversation),
                    &format!("reply {}", reply.0),
                )
                .await?
            }
            None => {
                audit(
                    &mut tx,
                    None,
                    "reply.sent",
                    "reply",
                    Some(reply.0),
                    "delivered",
                )
                .await?
            }
        }
        tx.commit().await?;
        Ok(ConversationId(conversation))
    }

    /// Records a failed attempt: tried again at `retry_at`, or given up (`None`).
    pub async fn mark_reply_failed(
        &self,
        reply: ReplyId,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<ConversationId> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "UPDATE replies SET attempts = attempts + 1, last_error = $1, \
             state = $2, next_attempt_at = $3 WHERE id = $4 RETURNING conversation_id",
        )
        .bind(error)
        .bind(if retry_at.is_some() {
            "queued"
        } else {
            "failed"
        })
        .bind(retry_at.unwrap_or_else(now_ms))
        .bind(reply.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("reply"))?;
        let conversation: i64 = row.try_get(0)?;
        let action = if retry_at.is_some() {
            "reply.retry_later"
        } else {
            "reply.failed"
        };
        audit(&mut tx, None, action, "reply", Some(reply.0), error).await?;
        tx.commit().await?;
        Ok(ConversationId(conversation))
    }

    /// Puts a failed reply back in the queue (an agent pressed "retry").
    pub async fn retry_reply(&self, reply: ReplyId, actor: AgentId) -> Result<ConversationId> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let row = sqlx::query(
            "UPDATE replies SET state = 'queued', next_attempt_at = $1 WHERE id = $2 AND state = 'failed' \
             RETURNING conversation_id",
        )
        .bind(now_ms())
        .bind(reply.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("failed reply"))?;
        let conversation: i64 = row.try_get(0)?;
        audit(
            &mut tx,
            Some(actor.0),
            "reply.requeue",
            "reply",
            Some(reply.0),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(ConversationId(conversation))
    }

    /// The conversation a reply belongs to.
    pub async fn reply_conversation(&self, reply: ReplyId) -> Result<Option<ConversationId>> {
        self.counted(1);
        let row = sqlx::query("SELECT conversation_id FROM replies WHERE id = $1")
            .bind(reply.0)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.map(ConversationId))
    }
}
