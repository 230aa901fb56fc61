//! Reach and the author's other contacts: metrics of a re-sent message, the lead flag of a
//! case, and the earlier conversations of the same handle.

use crate::{Result, Store, StoreError, audit, now_ms};
use sqlx::Row;
use wederhoor_core::{Action, CaseState, ConversationId, MessageId, SourceId};

/// The metrics of a stored message that grew when it was sent again.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsChange {
    pub message: MessageId,
    pub conversation: ConversationId,
    pub reposts_before: i64,
    pub likes_before: i64,
    pub reposts: i64,
    pub likes: i64,
    /// The mean reposts of the author's other messages on this source (0 without any).
    pub author_usual_reposts: f64,
}

/// Another conversation of the same author (same handle on this or another source).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EarlierContact {
    pub conversation: ConversationId,
    pub source_name: String,
    pub source_kind: String,
    pub handle: String,
    pub created_at: i64,
    pub last_message_at: i64,
    pub verdict: Action,
    pub state: CaseState,
    pub snippet: String,
    pub message_count: i64,
    /// Whether the other case's author is in the same contact (merged, or the same author);
    /// `false`: only the same handle on another source, a hint to merge.
    pub linked: bool,
    /// The contact of the other case's author.
    pub contact_id: i64,
}

impl Store {
    /// Raises the stored reposts and likes of `message` to what a re-sent copy says (they never
    /// go down), with an entry in its case's history. `None` when nothing grew.
    pub async fn update_message_metrics(
        &self,
        source: SourceId,
        message: MessageId,
        reposts: i64,
        likes: i64,
    ) -> Result<Option<MetricsChange>> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(4);
        let row = sqlx::query(
            "SELECT conversation_id, reposts, likes, author_id FROM messages WHERE id = $1 AND source_id = $2",
        )
        .bind(message.0)
        .bind(source.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("message"))?;
        let conversation: Option<i64> = row.try_get(0)?;
        let reposts_before: i64 = row.try_get(1)?;
        let likes_before: i64 = row.try_get(2)?;
        let author: Option<i64> = row.try_get(3)?;
        let Some(conversation) = conversation else {
            return Ok(None);
        };
        if reposts <= reposts_before && likes <= likes_before {
            return Ok(None);
        }
        let (reposts, likes) = (reposts.max(reposts_before), likes.max(likes_before));
        sqlx::query("UPDATE messages SET reposts = $1, likes = $2 WHERE id = $3")
            .bind(reposts)
            .bind(likes)
            .bind(message.0)
            .execute(&mut *tx)
            .await?;
        let usual: f64 = match author {
            Some(a) => sqlx::query(
                "SELECT CAST(COALESCE(AVG(m.reposts), 0) AS DOUBLE PRECISION) FROM conversations c \
                 JOIN messages m ON m.conversation_id = c.id \
                 WHERE c.author_id = $1 AND m.author_id = $1 AND m.id <> $2",
            )
            .bind(a)
            .bind(message.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?,
            None => 0.0,
        };
        audit(
            &mut tx,
            None,
            "message.metrics",
            "conversation",
            Some(conversation),
            &format!("{reposts} {likes}"),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(MetricsChange {
            message,
            conversation: ConversationId(conversation),
            reposts_before,
            likes_before,
            reposts,
            likes,
            author_usual_reposts: usual,
        }))
    }

    /// Flags a case for a lead with the reason (in the history too). Its priority and place in
    /// the queue do not change. `false` when it was flagged already (a flag set by an
    /// escalation gives way to the more telling reach figures).
    pub async fn flag_for_lead(&self, conversation: ConversationId, reason: &str) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query(
            "UPDATE conversations SET lead_flag = $1, lead_flag_at = $2 \
             WHERE id = $3 AND (lead_flag IS NULL OR lead_flag LIKE 'escalation %')",
        )
        .bind(reason)
        .bind(now_ms())
        .bind(conversation.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        audit(
            &mut tx,
            None,
            "case.lead_flag",
            "conversation",
            Some(conversation.0),
            reason,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The other conversations of a conversation's contact: every author of its contact (merged
    /// authors on other sources too), and, as a hint (`linked` false), the same handle on other
    /// sources (by `handle_key`: `@sanne`, `@sanne@mastodon.nl` and `@sanne.bsky.social` are
    /// one); newest first, at most `limit`. One query.
    pub async fn earlier_contacts(
        &self,
        conversation: ConversationId,
        limit: i64,
    ) -> Result<Vec<EarlierContact>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT c.id, s.name, s.kind, a.handle, c.created_at, c.last_message_at, c.verdict, c.state, \
             c.snippet, c.message_count, \
             CASE WHEN COALESCE(a.contact_id, a.id) = COALESCE(mine.contact_id, mine.id) THEN 1 ELSE 0 END, \
             COALESCE(a.contact_id, a.id) \
             FROM conversations me JOIN authors mine ON mine.id = me.author_id \
             JOIN authors a ON a.id IN ( \
               SELECT mine.id \
               UNION SELECT x.id FROM authors x WHERE x.contact_id = mine.contact_id \
               UNION SELECT y.id FROM authors y WHERE y.handle_key = mine.handle_key) \
             JOIN conversations c ON c.author_id = a.id \
             JOIN sources s ON s.id = c.source_id \
             WHERE me.id = $1 AND c.id <> me.id AND s.deleted_at IS NULL \
             ORDER BY c.last_message_at DESC, c.id DESC LIMIT $2",
        )
        .bind(conversation.0)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let verdict: String = r.try_get(6)?;
                let state: String = r.try_get(7)?;
                Ok(EarlierContact {
                    conversation: ConversationId(r.try_get(0)?),
                    source_name: r.try_get(1)?,
                    source_kind: r.try_get(2)?,
                    handle: r.try_get(3)?,
                    created_at: r.try_get(4)?,
                    last_message_at: r.try_get(5)?,
                    verdict: verdict
                        .parse()
                        .map_err(|e: wederhoor_core::case::UnknownName| {
                            StoreError::Corrupt(e.to_string())
                        })?,
                    state: state
                        .parse()
                        .map_err(|e: wederhoor_core::case::UnknownName| {
                            StoreError::Corrupt(e.to_string())
                        })?,
                    snippet: r.try_get(8)?,
                    message_count: r.try_get(9)?,
                    linked: r.try_get::<i64, _>(10)? == 1,
                    contact_id: r.try_get(11)?,
                })
            })
            .collect()
    }
}
