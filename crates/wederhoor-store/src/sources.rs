//! Sources as listening needs them: settings, checkpoints and health.

use crate::{Result, Source, Store, StoreError, audit, now_ms};
use sqlx::Row;
use wederhoor_core::{AgentId, SourceId};

/// What an admin can change about a source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSettings {
    pub kind: String,
    pub name: String,
    pub url: Option<String>,
    pub listening_query: Option<String>,
    pub poll_interval_secs: i64,
    pub enabled: bool,
    pub retention_days: Option<i64>,
    /// Our own account (we may reply through it) or somebody else's (we only listen).
    pub owned: bool,
}

impl From<&Source> for SourceSettings {
    fn from(s: &Source) -> Self {
        SourceSettings {
            kind: s.kind.clone(),
            name: s.name.clone(),
            url: s.url.clone(),
            listening_query: s.listening_query.clone(),
            poll_interval_secs: s.poll_interval_secs,
            enabled: s.enabled,
            retention_days: s.retention_days,
            owned: s.owned,
        }
    }
}

/// What deleting a source did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceDeletion {
    /// It had no messages: gone.
    Removed,
    /// It had messages: disabled, token replaced, hidden; its messages stay.
    Retired,
}

/// How a source's connector is doing.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SourceHealth {
    pub source: Option<SourceId>,
    pub last_success_at: Option<i64>,
    pub last_error_at: Option<i64>,
    pub last_error: Option<String>,
    pub consecutive_failures: i64,
    pub messages_total: i64,
    pub skipped_total: i64,
}

pub(crate) async fn save_checkpoint(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    source: SourceId,
    position: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO source_checkpoints (source_id, position, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (source_id) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(source.0)
    .bind(position)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    pub async fn source(&self, id: SourceId) -> Result<Option<Source>> {
        self.counted(1);
        let row = sqlx::query(&format!("{} WHERE id = $1", crate::SOURCE_SELECT))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| crate::source_from_row(&r)).transpose()
    }

    /// Changes a source's settings (audited).
    pub async fn update_source_settings(
        &self,
        id: SourceId,
        settings: &SourceSettings,
        actor: Option<AgentId>,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query(
            "UPDATE sources SET kind = $1, name = $2, url = $3, listening_query = $4, poll_interval_secs = $5, \
             enabled = $6, retention_days = $7, owned = $8 WHERE id = $9",
        )
        .bind(settings.kind.as_str())
        .bind(settings.name.as_str())
        .bind(settings.url.clone())
        .bind(settings.listening_query.clone())
        .bind(settings.poll_interval_secs)
        .bind(i64::from(settings.enabled))
        .bind(settings.retention_days)
        .bind(i64::from(settings.owned))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.message().to_lowercase().contains("unique") => {
                StoreError::Conflict(format!("a source named {:?} already exists", settings.name))
            }
            other => StoreError::Database(other),
        })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("source"));
        }
        audit(
            &mut tx,
            actor.map(|a| a.0),
            "source.update",
            "source",
            Some(id.0),
            &settings.name,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a source a new ingest token and returns it (shown once; only its hash is kept).
    /// The old token stops working with this commit. Audited.
    pub async fn rotate_source_token(
        &self,
        id: SourceId,
        actor: Option<AgentId>,
    ) -> Result<String> {
        let token = crate::random_token();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done =
            sqlx::query("UPDATE sources SET token_hash = $1 WHERE id = $2 AND deleted_at IS NULL")
                .bind(crate::hash_token(&token))
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("source"));
        }
        audit(
            &mut tx,
            actor.map(|a| a.0),
            "source.rotate_token",
            "source",
            Some(id.0),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Deletes a source. One that never stored a message is removed with its checkpoint and
    /// health rows; one that has messages is retired instead: disabled, its ingest token
    /// replaced by one nobody knows, and hidden from every list, so its messages and
    /// conversations keep the source they came from. Audited either way.
    pub async fn delete_source(
        &self,
        id: SourceId,
        actor: Option<AgentId>,
    ) -> Result<SourceDeletion> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(6);
        let row = sqlx::query("SELECT name FROM sources WHERE id = $1 AND deleted_at IS NULL")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound("source"));
        };
        let name: String = row.try_get(0)?;
        let used: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM messages WHERE source_id = $1) \
             + (SELECT COUNT(*) FROM conversations WHERE source_id = $1)",
        )
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let outcome = if used == 0 {
            for table in [
                "source_checkpoints",
                "source_health",
                "message_queries",
                "authors",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE source_id = $1"))
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM sources WHERE id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            SourceDeletion::Removed
        } else {
            sqlx::query(
                "UPDATE sources SET enabled = 0, deleted_at = $1, token_hash = $2 WHERE id = $3",
            )
            .bind(now_ms())
            .bind(crate::hash_token(&crate::random_token()))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
            SourceDeletion::Retired
        };
        let action = match outcome {
            SourceDeletion::Removed => "source.delete",
            SourceDeletion::Retired => "source.retire",
        };
        audit(
            &mut tx,
            actor.map(|a| a.0),
            action,
            "source",
            Some(id.0),
            &name,
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The connector's stored position, if it has one.
    pub async fn checkpoint(&self, source: SourceId) -> Result<Option<String>> {
        self.counted(1);
        let row = sqlx::query("SELECT position FROM source_checkpoints WHERE source_id = $1")
            .bind(source.0)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// A poll or stream step went well: `stored` new messages, `skipped` malformed or unselected.
    pub async fn record_source_success(
        &self,
        source: SourceId,
        stored: i64,
        skipped: i64,
    ) -> Result<()> {
        let _guard = self.writer().await;
        self.counted(1);
        sqlx::query(
            "INSERT INTO source_health (source_id, last_success_at, consecutive_failures, messages_total, skipped_total) \
             VALUES ($1, $2, 0, $3, $4) ON CONFLICT (source_id) DO UPDATE SET last_success_at = excluded.last_success_at, \
             consecutive_failures = 0, messages_total = source_health.messages_total + excluded.messages_total, \
             skipped_total = source_health.skipped_total + excluded.skipped_total",
        )
        .bind(source.0)
        .bind(now_ms())
        .bind(stored)
        .bind(skipped)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A poll or stream step failed; returns how many times in a row it has now failed.
    pub async fn record_source_error(&self, source: SourceId, error: &str) -> Result<i64> {
        let _guard = self.writer().await;
        self.counted(1);
        let row = sqlx::query(
            "INSERT INTO source_health (source_id, last_error_at, last_error, consecutive_failures) \
             VALUES ($1, $2, $3, 1) ON CONFLICT (source_id) DO UPDATE SET last_error_at = excluded.last_error_at, \
             last_error = excluded.last_error, consecutive_failures = source_health.consecutive_failures + 1 \
             RETURNING consecutive_failures",
        )
        .bind(source.0)
        .bind(now_ms())
        .bind(error)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Health of every source that has reported (one query).
    pub async fn source_health(&self) -> Result<Vec<SourceHealth>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT source_id, last_success_at, last_error_at, last_error, consecutive_failures, messages_total, \
             skipped_total FROM source_health ORDER BY source_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SourceHealth {
                    source: Some(SourceId(r.try_get(0)?)),
                    last_success_at: r.try_get(1)?,
                    last_error_at: r.try_get(2)?,
                    last_error: r.try_get(3)?,
                    consecutive_failures: r.try_get(4)?,
                    messages_total: r.try_get(5)?,
                    skipped_total: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// Every source with its health (`None` when nothing ever reported for it), in name order,
    /// in one query (for `/readyz` and `/metrics`).
    pub async fn sources_with_health(&self) -> Result<Vec<(Source, Option<SourceHealth>)>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT s.id, s.kind, s.name, s.delivery_kind, s.delivery_url, s.owned, s.created_at, s.url, \
             s.listening_query, s.poll_interval_secs, s.enabled, s.retention_days, \
             h.source_id AS health_source, h.last_success_at, h.last_error_at, h.last_error, \
             h.consecutive_failures, h.messages_total, h.skipped_total \
             FROM sources s LEFT JOIN source_health h ON h.source_id = s.id \
             WHERE s.deleted_at IS NULL ORDER BY s.name, s.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let source = crate::source_from_row(r)?;
                let health_source: Option<i64> = r.try_get("health_source")?;
                let health = match health_source {
                    None => None,
                    Some(id) => Some(SourceHealth {
                        source: Some(SourceId(id)),
                        last_success_at: r.try_get("last_success_at")?,
                        last_error_at: r.try_get("last_error_at")?,
                        last_error: r.try_get("last_error")?,
                        consecutive_failures: r
                            .try_get::<Option<i64>, _>("consecutive_failures")?
                            .unwrap_or(0),
                        messages_total: r.try_get::<Option<i64>, _>("messages_total")?.unwrap_or(0),
                        skipped_total: r.try_get::<Option<i64>, _>("skipped_total")?.unwrap_or(0),
                    }),
                };
                Ok((source, health))
            })
            .collect()
    }

    /// The conversation a message belongs to (a manual capture that turned out to be a duplicate
    /// links to it).
    pub async fn message_conversation(
        &self,
        message: wederhoor_core::MessageId,
    ) -> Result<Option<wederhoor_core::ConversationId>> {
        self.counted(1);
        let row = sqlx::query("SELECT conversation_id FROM messages WHERE id = $1")
            .bind(message.0)
            .fetch_optional(self.pool())
            .await?;
        Ok(row
            .map(|r| r.try_get(0))
            .transpose()?
            .map(wederhoor_core::ConversationId))
    }

    /// The listening queries that selected a message: (source id, query).
    pub async fn matched_queries(
        &self,
        message: wederhoor_core::MessageId,
    ) -> Result<Vec<(SourceId, String)>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT source_id, query FROM message_queries WHERE message_id = $1 ORDER BY source_id",
        )
        .bind(message.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((SourceId(r.try_get(0)?), r.try_get(1)?)))
            .collect()
    }
}
