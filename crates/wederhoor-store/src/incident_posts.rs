//! An incident's public warning as posts on our own accounts (issue #13), through the outbox.
//!
//! A post is a reply like any other: queued in `replies` on a conversation of its own on the
//! account's source (state `closed`, verdict `ignore`, origin `incident_post`, no messages, so
//! it answers nothing and the connector posts a new status). One post per incident and source
//! (`incident_posts` is UNIQUE on the pair), queued in one transaction with the timeline line.

use crate::{Result, Store, audit};
use sqlx::Row;
use wederhoor_core::{AgentId, ConversationId, DeliveryKind, SourceId};

/// Delivery kinds whose connector can post a new status on our own account (Bluesky's
/// connector only answers a post, so it is not one of them yet).
pub const POSTING_KINDS: &[DeliveryKind] = &[DeliveryKind::Mastodon];

/// An account the warning can be posted on, and what became of its post.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PostTarget {
    pub source: SourceId,
    pub name: String,
    pub delivery_kind: DeliveryKind,
    /// The conversation carrying the post, once queued.
    pub conversation: Option<ConversationId>,
    /// The post's outbox state (`queued`, `sent`, `failed`), once queued.
    pub state: Option<String>,
}

impl Store {
    /// Our own accounts (owned, enabled, not deleted sources) whose connector can post, with the
    /// incident's post on each if there is one (one query).
    pub async fn incident_post_targets(&self, incident: i64) -> Result<Vec<PostTarget>> {
        self.counted(1);
        let kinds = POSTING_KINDS
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        let rows = sqlx::query(&format!(
            "SELECT s.id, s.name, s.delivery_kind, p.conversation_id, r.state FROM sources s \
             LEFT JOIN incident_posts p ON p.source_id = s.id AND p.incident_id = $1 \
             LEFT JOIN replies r ON r.id = p.reply_id \
             WHERE s.owned = 1 AND s.enabled = 1 AND s.deleted_at IS NULL \
               AND s.delivery_kind IN ({kinds}) ORDER BY s.name, s.id"
        ))
        .bind(incident)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get(2)?;
                Ok(PostTarget {
                    source: SourceId(r.try_get(0)?),
                    name: r.try_get(1)?,
                    delivery_kind: kind.parse().map_err(|_| {
                        crate::StoreError::Corrupt(format!("delivery kind {kind:?}"))
                    })?,
                    conversation: r.try_get::<Option<i64>, _>(3)?.map(ConversationId),
                    state: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Queues `text` as a post on each of `targets` that has none for this incident yet, in one
    /// transaction with a timeline line; how many were queued (0 when all were posted before).
    pub async fn queue_incident_posts(
        &self,
        incident: i64,
        text: &str,
        targets: &[PostTarget],
        actor: AgentId,
        now: i64,
    ) -> Result<usize> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        let mut queued = Vec::new();
        for t in targets {
            self.counted(1);
            let claimed = sqlx::query(
                "INSERT INTO incident_posts (incident_id, source_id, created_by, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (incident_id, source_id) DO NOTHING RETURNING id",
            )
            .bind(incident)
            .bind(t.source.0)
            .bind(actor.0)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(claimed) = claimed else {
                continue;
            };
            let post: i64 = claimed.try_get(0)?;
            self.counted(3);
            let snippet: String = text.chars().take(200).collect();
            let conversation: i64 = sqlx::query(
                "INSERT INTO conversations (source_id, state, owner_id, verdict, priority, language, \
                 topics, snippet, origin, message_count, created_at, last_message_at) \
                 VALUES ($1, 'closed', $2, 'ignore', 0, 'nl', ',', $3, 'incident_post', 0, $4, $4) RETURNING id",
            )
            .bind(t.source.0)
            .bind(actor.0)
            .bind(snippet.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            let reply: i64 = sqlx::query(
                "INSERT INTO replies (conversation_id, agent_id, text, created_at, delivery_kind, state, \
                 next_attempt_at, idempotency_key) VALUES ($1, $2, $3, $4, $5, 'queued', $4, $6) RETURNING id",
            )
            .bind(conversation)
            .bind(actor.0)
            .bind(text)
            .bind(now)
            .bind(t.delivery_kind.as_str())
            .bind(format!("incident-post:{incident}:{}", t.source.0))
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
            sqlx::query(
                "UPDATE incident_posts SET conversation_id = $1, reply_id = $2 WHERE id = $3",
            )
            .bind(conversation)
            .bind(reply)
            .bind(post)
            .execute(&mut *tx)
            .await?;
            queued.push(t.name.clone());
        }
        if !queued.is_empty() {
            self.counted(2);
            let detail = queued.join(", ");
            sqlx::query(
                "INSERT INTO incident_events (incident_id, at, kind, count, actor_id, detail) \
                 VALUES ($1, $2, 'posted', $3, $4, $5)",
            )
            .bind(incident)
            .bind(now)
            .bind(i64::try_from(queued.len()).unwrap_or(i64::MAX))
            .bind(actor.0)
            .bind(detail.as_str())
            .execute(&mut *tx)
            .await?;
            audit(
                &mut tx,
                Some(actor.0),
                "incident.posted",
                "incident",
                Some(incident),
                &detail,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(queued.len())
    }
}
