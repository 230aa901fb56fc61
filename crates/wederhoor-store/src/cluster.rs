//! What several nodes on one database share: the lease that makes one node the only one running
//! a listening source, and the versions of the active rules and learned model (so a node sees a
//! change saved on another).

use crate::{Result, Store, now_ms};
use sqlx::Row;
use std::time::Duration;
use wederhoor_core::SourceId;

/// The versions triage depends on: the active rules version and the active learned model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActiveVersions {
    pub rules: Option<i64>,
    pub model: Option<i64>,
}

impl Store {
    /// Claims or renews `holder`'s lease on a source until `ttl` from now. True when `holder`
    /// holds it afterwards: it was free, expired, or already `holder`'s. One statement, so two
    /// nodes claiming at once never both win.
    pub async fn claim_source_lease(
        &self,
        source: SourceId,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        self.claim_source_lease_at(source, holder, now_ms(), ttl_ms)
            .await
    }

    /// [`Store::claim_source_lease`] at a given time (UTC milliseconds), for tests that move
    /// the clock instead of waiting.
    pub async fn claim_source_lease_at(
        &self,
        source: SourceId,
        holder: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        self.counted(1);
        let row = sqlx::query(
            "INSERT INTO source_leases (source_id, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (source_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE source_leases.expires_at < $4 OR source_leases.holder = excluded.holder \
             RETURNING holder",
        )
        .bind(source.0)
        .bind(holder)
        .bind(now_ms.saturating_add(ttl_ms))
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.is_some())
    }

    /// Gives up `holder`'s lease on a source (a node that stops), so another node takes the
    /// source over at once instead of after the expiry. False when `holder` did not hold it.
    pub async fn release_source_lease(&self, source: SourceId, holder: &str) -> Result<bool> {
        let _guard = self.writer().await;
        self.counted(1);
        let done = sqlx::query("DELETE FROM source_leases WHERE source_id = $1 AND holder = $2")
            .bind(source.0)
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Who holds a source's lease and until when (UTC milliseconds), expired or not.
    pub async fn source_lease(&self, source: SourceId) -> Result<Option<(String, i64)>> {
        self.counted(1);
        let row = sqlx::query("SELECT holder, expires_at FROM source_leases WHERE source_id = $1")
            .bind(source.0)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// The active rules version and learned model version (two small reads, no content).
    pub async fn active_versions(&self) -> Result<ActiveVersions> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT (SELECT MAX(id) FROM rules_versions WHERE active = 1), \
                    (SELECT MAX(id) FROM team_models WHERE active = 1)",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(ActiveVersions {
            rules: row.try_get(0)?,
            model: row.try_get(1)?,
        })
    }
}
