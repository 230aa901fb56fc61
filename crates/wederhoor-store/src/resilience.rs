//! Recovering from faults without a restart: a write probe for `/readyz`, and (in `Store::open`)
//! the pool's rule that a connection still inside a transaction is closed, never reused.
//!
//! Why the rule: when a `COMMIT` fails on a full disk, SQLite rolls the transaction back itself;
//! sqlx's own `ROLLBACK` afterwards fails ("no transaction is active") and its transaction depth
//! stays at one. Pooled again, that connection refuses every later `BEGIN` with "attempted to
//! call begin_with at non-zero transaction depth", long after the disk has space again.

use crate::{Backend, Result, Store};

impl Store {
    /// Checks that the database takes a committed write (for `/readyz`): a no-op update of the
    /// newest migration row, so a full disk or a read-only database shows as unready, and ready
    /// again as soon as writes succeed.
    pub async fn probe_write(&self) -> Result<()> {
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
