//! Reading the audit log for the auditor's page: filtered by actor, action and period, a page
//! at a time or all of it (CSV export).

use crate::{Result, Store};
use sqlx::Row;

/// Which audit entries to show. Empty fields filter nothing.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// An agent's username, or `-` for entries without an actor (the system, the CLI).
    pub actor: Option<String>,
    /// An exact action, e.g. `agent.disable`.
    pub action: Option<String>,
    /// From this time (ms since the epoch), inclusive.
    pub from_ms: Option<i64>,
    /// Before this time (ms since the epoch), exclusive.
    pub until_ms: Option<i64>,
}

/// One audit entry with its actor's username.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    pub action: String,
    pub object_kind: String,
    pub object_id: Option<i64>,
    pub detail: String,
    pub hash: Option<String>,
}

impl AuditFilter {
    /// The WHERE clause and its values, numbered from `$1`.
    fn clause(&self) -> (String, Vec<Value>) {
        let mut parts = Vec::new();
        let mut values = Vec::new();
        match self.actor.as_deref() {
            Some("-") => parts.push("a.actor_id IS NULL".to_owned()),
            Some(name) => {
                values.push(Value::Text(name.to_owned()));
                parts.push(format!("g.username = ${}", values.len()));
            }
            None => {}
        }
        if let Some(action) = &self.action {
            values.push(Value::Text(action.clone()));
            parts.push(format!("a.action = ${}", values.len()));
        }
        if let Some(from) = self.from_ms {
            values.push(Value::Int(from));
            parts.push(format!("a.at >= ${}", values.len()));
        }
        if let Some(until) = self.until_ms {
            values.push(Value::Int(until));
            parts.push(format!("a.at < ${}", values.len()));
        }
        let clause = if parts.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", parts.join(" AND "))
        };
        (clause, values)
    }
}

enum Value {
    Text(String),
    Int(i64),
}

fn bind<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    values: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for v in values {
        q = match v {
            Value::Text(s) => q.bind(s.as_str()),
            Value::Int(n) => q.bind(*n),
        };
    }
    q
}

const FROM: &str = " FROM audit_log a LEFT JOIN agents g ON g.id = a.actor_id";

impl Store {
    /// The entries matching `filter`, newest first: at most `limit` after skipping `offset`
    /// (`limit` 0: all of them), and how many match in all.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<AuditEntry>, i64)> {
        self.counted(2);
        let (clause, values) = filter.clause();
        let count_sql = format!("SELECT COUNT(*){FROM}{clause}");
        let total: i64 = bind(sqlx::query(&count_sql), &values)
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        let page = if limit > 0 {
            format!(" LIMIT {} OFFSET {}", limit, offset.max(0))
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT a.id, a.at, g.username, a.action, a.object_kind, a.object_id, a.detail, a.hash\
             {FROM}{clause} ORDER BY a.id DESC{page}"
        );
        let rows = bind(sqlx::query(&sql), &values)
            .fetch_all(self.pool())
            .await?;
        let entries = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    object_kind: r.try_get(4)?,
                    object_id: r.try_get(5)?,
                    detail: r.try_get(6)?,
                    hash: r.try_get(7)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((entries, total))
    }

    /// The actions that occur in the audit log, sorted (for the filter's choices).
    pub async fn audit_actions(&self) -> Result<Vec<String>> {
        self.counted(1);
        let rows = sqlx::query("SELECT DISTINCT action FROM audit_log ORDER BY action")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }
}
