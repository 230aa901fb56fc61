//! Upkeep after bulk work: fresh planner statistics once a bulk load is done.

use crate::{Backend, Result, Store};

impl Store {
    /// After a bulk load (`wederhoor import`): on PostgreSQL, `VACUUM (ANALYZE)` of the tables
    /// the inbox reads, so the first inbox lists after an import are planned for the table as it
    /// is now (and index-only scans see a fresh visibility map) instead of waiting for
    /// autovacuum. On SQLite nothing (its planner needs no statistics for these queries).
    pub async fn refresh_statistics(&self) -> Result<()> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        self.counted(1);
        sqlx::raw_sql(
            "VACUUM (ANALYZE) messages, conversations, authors, triage, conversation_tallies",
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
