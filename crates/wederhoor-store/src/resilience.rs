//! Recovering from faults without a restart: a write probe for `/readyz`, and (in `Store::open`)
//! the pool's rule that a connection still inside a transaction is closed, never reused.
//!
//! Why the rule: when a `COMMIT` fails on a full disk, SQLite rolls the transaction back itself;
//! sqlx's own `ROLLBACK` afterwards fails ("no transaction is active") and its transaction depth
//! stays at one. Pooled again, that connection refuses every later `BEGIN` with "attempted to
//! call begin_with at non-zero transaction depth", long after the disk has space again.

use crate::{Backend, Result, Store, StoreError};

/// Bytes the SQLite write probe needs free beside the database: a disk with less than this is
/// full for a batch of messages.
pub const SPACE_PROBE_BYTES: usize = 256 * 1024;

impl StoreError {
    /// Whether the database could not write because its disk (or quota) is full: SQLite's
    /// `SQLITE_FULL` (13), PostgreSQL's `disk_full` (53100), or `ENOSPC` from the file system.
    /// The web edge answers these 503 "storage full" rather than a bare internal error.
    pub fn is_storage_full(&self) -> bool {
        let StoreError::Database(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::Database(db) => {
                let code = db.code();
                matches!(code.as_deref(), Some("13" | "53100"))
                    || db.message().contains("database or disk is full")
            }
            sqlx::Error::Io(io) => io.raw_os_error() == Some(28),
            _ => false,
        }
    }
}

impl Store {
    /// Checks that the database takes a committed write (for `/readyz`): a no-op update of the
    /// newest migration row, so a full disk or a read-only database shows as unready, and ready
    /// again as soon as writes succeed.
    ///
    /// On SQLite the probe also writes [`SPACE_PROBE_BYTES`] to a scratch file beside the
    /// database and syncs it: a no-op update fits in pages SQLite already has (its WAL file is
    /// reused from the start after a checkpoint), so on a full disk it commits while every
    /// growing write (a new message) fails with "database or disk is full".
    pub async fn probe_write(&self) -> Result<()> {
        if self.backend() == Backend::Sqlite {
            self.probe_space().await?;
        }
        let _guard = self.writer().await;
        self.counted(1);
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE schema_migrations SET applied_at = applied_at \
             WHERE version = (SELECT MAX(version) FROM schema_migrations)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes and removes a scratch file of [`SPACE_PROBE_BYTES`] beside the SQLite database
    /// file (nothing for an in-memory database).
    async fn probe_space(&self) -> Result<()> {
        let files: Vec<(i64, String, String)> = sqlx::query_as("PRAGMA database_list")
            .fetch_all(self.pool())
            .await?;
        let Some((_, _, file)) = files.into_iter().find(|(_, name, _)| name == "main") else {
            return Ok(());
        };
        if file.is_empty() {
            return Ok(());
        }
        let probe = std::path::PathBuf::from(format!("{file}-space-probe"));
        let written = tokio::task::spawn_blocking(move || {
            use std::io::Write as _;
            let result = std::fs::File::create(&probe).and_then(|mut f| {
                f.write_all(&[0u8; SPACE_PROBE_BYTES])?;
                f.sync_all()
            });
            let _ = std::fs::remove_file(&probe);
            result
        })
        .await
        .map_err(|e| StoreError::Database(sqlx::Error::Io(std::io::Error::other(e))))?;
        written.map_err(|e| StoreError::Database(sqlx::Error::Io(e)))
    }

    /// Makes every write probe fail (`on`) or succeed again, as a full disk would: for tests of
    /// what the server does while writes fail.
    #[doc(hidden)]
    pub async fn simulate_write_fault(&self, on: bool) -> Result<()> {
        let statements: &[&str] = match (self.backend(), on) {
            (Backend::Sqlite, true) => &[
                "CREATE TRIGGER IF NOT EXISTS wederhoor_write_fault BEFORE UPDATE ON schema_migrations \
                 BEGIN SELECT RAISE(ABORT, 'simulated write fault'); END",
            ],
            (Backend::Sqlite, false) => &["DROP TRIGGER IF EXISTS wederhoor_write_fault"],
            (Backend::Postgres, true) => &[
                "CREATE OR REPLACE FUNCTION wederhoor_write_fault() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'simulated write fault'; END $$ LANGUAGE plpgsql",
                "DROP TRIGGER IF EXISTS wederhoor_write_fault ON schema_migrations",
                "CREATE TRIGGER wederhoor_write_fault BEFORE UPDATE ON schema_migrations \
                 FOR EACH ROW EXECUTE FUNCTION wederhoor_write_fault()",
            ],
            (Backend::Postgres, false) => {
                &["DROP TRIGGER IF EXISTS wederhoor_write_fault ON schema_migrations"]
            }
        };
        let _guard = self.writer().await;
        for statement in statements {
            sqlx::raw_sql(statement).execute(self.pool()).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::testing::fresh_stores;

    #[tokio::test]
    async fn a_transaction_ended_behind_the_pools_back_does_not_poison_later_writes() {
        for (backend, store) in fresh_stores().await.unwrap() {
            {
                let mut tx = store.write_tx().await.unwrap();
                // What SQLite does when a commit fails on a full disk: the transaction is rolled
                // back under sqlx, whose own rollback then fails.
                sqlx::raw_sql("ROLLBACK").execute(&mut *tx).await.unwrap();
            }
            // Every pooled connection is used again; none may refuse to begin.
            for i in 0..20 {
                store
                    .probe_write()
                    .await
                    .unwrap_or_else(|e| panic!("{backend}: write {i} failed: {e}"));
            }
        }
    }

    #[tokio::test]
    async fn the_write_probe_fails_while_writes_fail_and_recovers() {
        for (backend, store) in fresh_stores().await.unwrap() {
            store.probe_write().await.unwrap();
            store.simulate_write_fault(true).await.unwrap();
            assert!(store.probe_write().await.is_err(), "{backend}");
            assert!(store.probe_write().await.is_err(), "{backend}");
            store.simulate_write_fault(false).await.unwrap();
            for _ in 0..10 {
                store.probe_write().await.unwrap();
            }
        }
    }
}
