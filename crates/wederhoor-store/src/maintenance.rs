//! Bulk loads: commits that do not wait for the disk while loading, one durable point at the
//! end, and fresh planner statistics once the load is done.

use crate::{Backend, Result, Store};

impl Store {
    /// This store (for one bulk load, `wederhoor import`) commits each ingest batch on PostgreSQL
    /// without waiting for the write-ahead log to reach the disk (`SET LOCAL synchronous_commit
    /// = off`, for those transactions only): a thousand fsyncs fewer per million messages. A crash
    /// of the database server can then lose the last batches committed before it — never a
    /// partial batch, and nothing else. So the loader acknowledges nothing before
    /// [`Store::make_durable`] has returned, and a re-run stores what was lost (the rest are
    /// duplicates). No effect on SQLite.
    pub fn for_bulk_load(mut self) -> Store {
        self.bulk_load = true;
        self
    }

    pub(crate) fn is_bulk_load(&self) -> bool {
        self.bulk_load && self.backend() == Backend::Postgres
    }

    /// Waits until everything committed so far is on disk: one transaction committed with
    /// `synchronous_commit` on flushes the log up to its commit, and so every commit before it.
    pub async fn make_durable(&self) -> Result<()> {
        if !self.is_bulk_load() {
            return Ok(());
        }
        self.counted(3);
        let mut tx = self.write_tx().await?;
        sqlx::query("SET LOCAL synchronous_commit = on")
            .execute(&mut *tx)
            .await?;
        // A transaction id makes the commit write (and so flush) a commit record.
        sqlx::query("SELECT CAST(pg_current_xact_id() AS TEXT)")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// After a bulk load (`wederhoor import`): on PostgreSQL, `ANALYZE` of the tables the inbox
    /// reads, so the first inbox lists after an import are planned for the tables as they are
    /// now instead of waiting for autovacuum. (Not `VACUUM`: no inbox query needs the visibility
    /// map, and a vacuum reads and rewrites every page just loaded — after 1 M messages that was
    /// a fifth of the import's time. `ANALYZE` reads a fixed sample.) On SQLite nothing (its
    /// planner needs no statistics for these queries).
    pub async fn refresh_statistics(&self) -> Result<()> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        self.counted(1);
        sqlx::raw_sql("ANALYZE messages, conversations, authors, triage, conversation_tallies")
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
