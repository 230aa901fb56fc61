//! Full-text search over every message (with its author's handle and name) and every note.
//!
//! The index holds **pre-stemmed terms**: the text goes through
//! `wederhoor_core::idea::search_terms` (lower case, accents folded, stop words dropped, Dutch
//! Snowball stems — the ideas page's stemmer) in Rust, and the terms are stored space-separated.
//! A query is stemmed the same way, so both backends match exactly the same documents:
//!
//! - SQLite: an FTS5 table `search_index` (contentless, `detail=none`: only which documents hold
//!   a term, the smallest and fastest index for an AND of terms), keyed by `rowid`;
//! - PostgreSQL: a table `search_index (doc, terms tsvector)` with a GIN index; the terms are cast
//!   to `tsvector` as they are (no second parse, no second stemmer), the query to `tsquery`.
//!
//! A document key says what it is: `message id * 4` for a message, `note id * 4 + 1` for a note.
//! Ordering by that key (newest first) is what the FTS5 index gives without a sort.
//!
//! Invariant: the index is written in the same transaction as what it indexes — the batched
//! ingest (one multi-row statement), a note, an edit — and a message or note that is deleted,
//! erased or expired leaves the index in the same transaction.

use crate::{Backend, Result, Store, StoreError};
use sqlx::Row;
use wederhoor_core::{Action, CaseState, ConversationId, SourceId};

/// At most this many distinct terms of one text are indexed (long e-mails).
pub const TERMS_PER_DOCUMENT: usize = 400;

/// The index's DDL for one backend (filled into the migration's `{SEARCH_INDEX}`).
pub(crate) fn index_ddl(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(terms, content='', \
             contentless_delete=1, detail='none')"
        }
        Backend::Postgres => {
            "CREATE TABLE IF NOT EXISTS search_index (doc BIGINT PRIMARY KEY, terms TSVECTOR NOT NULL);\n\
             CREATE INDEX IF NOT EXISTS search_index_terms ON search_index USING GIN (terms)"
        }
    }
}

/// The key column of the index.
pub(crate) fn doc_column(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "rowid",
        Backend::Postgres => "doc",
    }
}

/// The document key of a message.
pub(crate) fn message_doc(id: i64) -> i64 {
    id.saturating_mul(4)
}

/// The document key of a note.
pub(crate) fn note_doc(id: i64) -> i64 {
    id.saturating_mul(4).saturating_add(1)
}

/// `DELETE FROM search_index WHERE key IN (select)`: `select` yields document keys (e.g.
/// `SELECT id * 4 FROM messages WHERE …`).
pub(crate) fn unindex_sql(backend: Backend, select: &str) -> String {
    format!(
        "DELETE FROM search_index WHERE {} IN ({select})",
        doc_column(backend)
    )
}

/// The indexed terms of a text, space-separated (empty: nothing to index).
pub fn index_terms(text: &str) -> String {
    wederhoor_core::idea::search_terms(text, TERMS_PER_DOCUMENT).join(" ")
}

/// The indexed terms of a message: its text and its author's handle and name.
pub fn message_terms(text: &str, handle: Option<&str>, name: Option<&str>) -> String {
    let mut all = String::with_capacity(text.len() + 40);
    all.push_str(text);
    for extra in [handle, name].into_iter().flatten() {
        all.push('\n');
        all.push_str(extra);
    }
    index_terms(&all)
}

/// Writes documents (key, terms) into the index: multi-row statements, no round trip per row.
pub(crate) async fn index_documents(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    docs: &[(i64, &str)],
    statements: &mut u64,
) -> Result<()> {
    let docs: Vec<&(i64, &str)> = docs.iter().filter(|(_, t)| !t.is_empty()).collect();
    if docs.is_empty() {
        return Ok(());
    }
    match backend {
        Backend::Postgres => {
            let json = serde_json::to_string(
                &docs
                    .iter()
                    .map(|(d, t)| serde_json::json!({ "d": d, "t": t }))
                    .collect::<Vec<_>>(),
            )
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            *statements += 1;
            sqlx::query(
                "INSERT INTO search_index (doc, terms) SELECT d, t::tsvector \
                 FROM json_to_recordset($1::json) AS x(d bigint, t text) \
                 ON CONFLICT (doc) DO UPDATE SET terms = excluded.terms",
            )
            .persistent(false)
            .bind(json)
            .execute(&mut **tx)
            .await?;
        }
        Backend::Sqlite => {
            for chunk in docs.chunks(crate::ingest::ROWS_PER_STATEMENT) {
                let sql = format!(
                    "INSERT INTO search_index (rowid, terms) VALUES {}",
                    crate::ingest::values_placeholders(backend, chunk.len(), 2)
                );
                let mut q = sqlx::query(&sql).persistent(false);
                for (d, t) in chunk {
                    q = q.bind(*d).bind(*t);
                }
                *statements += 1;
                q.execute(&mut **tx).await?;
            }
        }
    }
    Ok(())
}

/// Removes documents from the index by key.
pub(crate) async fn unindex_documents(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    docs: &[i64],
) -> Result<()> {
    for chunk in docs.chunks(crate::ingest::ROWS_PER_STATEMENT) {
        let sql = format!(
            "DELETE FROM search_index WHERE {} IN ({})",
            doc_column(backend),
            crate::ingest::list_placeholders(backend, chunk.len(), 1)
        );
        let mut q = sqlx::query(&sql).persistent(false);
        for d in chunk {
            q = q.bind(*d);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Fills the index from what is stored (the migration that creates it runs this, in its own
/// transaction: a database from before search is searchable once it has migrated).
pub(crate) async fn backfill(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<()> {
    let mut statements = 0u64;
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(
            "SELECT m.id, m.text, a.handle, a.name FROM messages m \
             LEFT JOIN authors a ON a.id = m.author_id \
             WHERE m.id > $1 AND m.deleted_at IS NULL ORDER BY m.id LIMIT 2000",
        )
        .bind(after)
        .fetch_all(&mut **tx)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get(0)?;
        let mut docs = Vec::with_capacity(rows.len());
        for r in &rows {
            let text: String = r.try_get(1)?;
            let handle: Option<String> = r.try_get(2)?;
            let name: Option<String> = r.try_get(3)?;
            docs.push((
                message_doc(r.try_get(0)?),
                message_terms(&text, handle.as_deref(), name.as_deref()),
            ));
        }
        let refs: Vec<(i64, &str)> = docs.iter().map(|(d, t)| (*d, t.as_str())).collect();
        index_documents(backend, tx, &refs, &mut statements).await?;
    }
    let mut after = 0i64;
    loop {
        let rows = sqlx::query("SELECT id, text FROM notes WHERE id > $1 ORDER BY id LIMIT 2000")
            .bind(after)
            .fetch_all(&mut **tx)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get(0)?;
        let mut docs = Vec::with_capacity(rows.len());
        for r in &rows {
            let text: String = r.try_get(1)?;
            docs.push((note_doc(r.try_get(0)?), index_terms(&text)));
        }
        let refs: Vec<(i64, &str)> = docs.iter().map(|(d, t)| (*d, t.as_str())).collect();
        index_documents(backend, tx, &refs, &mut statements).await?;
    }
    Ok(())
}

/// What to search for: stemmed terms (all must match) and the filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilter {
    /// Stemmed terms (from [`index_terms`] of the query); every one must match.
    pub terms: Vec<String>,
    pub source: Option<SourceId>,
    /// The case's verdict.
    pub verdict: Option<Action>,
    /// Written at or after (ms since the epoch).
    pub from: Option<i64>,
    /// Written before (ms since the epoch).
    pub until: Option<i64>,
}

/// What matched: a message or a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Message,
    Note,
}

/// One search result, newest first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchHit {
    pub kind: HitKind,
    pub conversation: ConversationId,
    pub source_name: String,
    /// The message's author (for a note: the case's author).
    pub author_handle: Option<String>,
    pub author_name: Option<String>,
    /// The note's writer.
    pub agent_name: Option<String>,
    pub verdict: Action,
    pub state: CaseState,
    pub created_at: i64,
    /// The text, with personal data masked (messages, by their triage's spans).
    pub text: String,
}

impl Store {
    /// This store's ingest does not write the search index: **only** for `wederhoor bench search
    /// --no-index`, which measures the import without the index on a throw-away database (its
    /// messages are never found by search).
    pub fn without_search_index(mut self) -> Store {
        self.search_index = false;
        self
    }

    pub(crate) fn indexes_search(&self) -> bool {
        self.search_index
    }

    /// How many documents the search index holds (tests and the benchmark).
    pub async fn search_documents(&self) -> Result<i64> {
        self.counted(1);
        let row = sqlx::query("SELECT COUNT(*) FROM search_index")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// A page of hits for `filter`, newest first (one query). Empty terms: no hits.
    pub async fn search(
        &self,
        filter: &SearchFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<SearchHit>> {
        if filter.terms.is_empty() {
            return Ok(Vec::new());
        }
        let (from, matches) = match self.backend() {
            // Each term quoted: FTS5 reads `"a" "b"` as a AND b, and never as its query syntax.
            Backend::Sqlite => (
                "(SELECT rowid AS doc FROM search_index WHERE search_index MATCH $1 ORDER BY rowid DESC) s",
                filter
                    .terms
                    .iter()
                    .map(|t| format!("\"{}\"", t.replace('"', "")))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            // Terms are letters and digits only; quoted all the same.
            Backend::Postgres => (
                "(SELECT doc FROM search_index WHERE terms @@ $1::tsquery) s",
                filter
                    .terms
                    .iter()
                    .map(|t| format!("'{}'", t.replace(['\'', '\\'], "")))
                    .collect::<Vec<_>>()
                    .join(" & "),
            ),
        };
        let mut sql = format!(
            "SELECT s.doc, c.id, src.name, a.handle, a.name, ag.display_name, c.verdict, c.state, \
             COALESCE(m.created_at, n.created_at), COALESCE(m.text, n.text), t.pii \
             FROM {from} \
             LEFT JOIN messages m ON s.doc % 4 = 0 AND m.id = s.doc / 4 \
             LEFT JOIN notes n ON s.doc % 4 = 1 AND n.id = s.doc / 4 \
             JOIN conversations c ON c.id = COALESCE(m.conversation_id, n.conversation_id) \
             JOIN sources src ON src.id = c.source_id \
             LEFT JOIN authors a ON a.id = COALESCE(m.author_id, c.author_id) \
             LEFT JOIN agents ag ON ag.id = n.agent_id \
             LEFT JOIN triage t ON t.message_id = m.id \
             WHERE 1 = 1"
        );
        let mut n = 1;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.source.is_some() {
            sql.push_str(&format!(" AND c.source_id = {}", next()));
        }
        if filter.verdict.is_some() {
            sql.push_str(&format!(" AND c.verdict = {}", next()));
        }
        if filter.from.is_some() {
            sql.push_str(&format!(
                " AND COALESCE(m.created_at, n.created_at) >= {}",
                next()
            ));
        }
        if filter.until.is_some() {
            sql.push_str(&format!(
                " AND COALESCE(m.created_at, n.created_at) < {}",
                next()
            ));
        }
        sql.push_str(&format!(
            " ORDER BY s.doc DESC LIMIT {} OFFSET {}",
            next(),
            next()
        ));
        let mut q = sqlx::query(&sql).bind(matches);
        if let Some(s) = filter.source {
            q = q.bind(s.0);
        }
        if let Some(v) = filter.verdict {
            q = q.bind(v.as_str());
        }
        if let Some(f) = filter.from {
            q = q.bind(f);
        }
        if let Some(u) = filter.until {
            q = q.bind(u);
        }
        self.counted(1);
        let rows = q.bind(limit).bind(offset).fetch_all(self.pool()).await?;
        rows.iter().map(hit_from_row).collect()
    }
}

fn hit_from_row(r: &sqlx::any::AnyRow) -> Result<SearchHit> {
    let corrupt = |e: String| StoreError::Corrupt(e);
    let doc: i64 = r.try_get(0)?;
    let kind = if doc % 4 == 1 {
        HitKind::Note
    } else {
        HitKind::Message
    };
    let text: String = r.try_get(9)?;
    let pii: Option<String> = r.try_get(10)?;
    let text = match pii {
        Some(p) => {
            let spans: Vec<wederhoor_core::PiiSpan> =
                serde_json::from_str(&p).map_err(|e| corrupt(e.to_string()))?;
            wederhoor_core::pii::mask(&text, &spans)
        }
        None => text,
    };
    let verdict: String = r.try_get(6)?;
    let state: String = r.try_get(7)?;
    Ok(SearchHit {
        kind,
        conversation: ConversationId(r.try_get(1)?),
        source_name: r.try_get(2)?,
        author_handle: r.try_get(3)?,
        author_name: r.try_get(4)?,
        agent_name: r.try_get(5)?,
        verdict: verdict.parse().map_err(|e| corrupt(format!("{e}")))?,
        state: state.parse().map_err(|e| corrupt(format!("{e}")))?,
        created_at: r.try_get(8)?,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_terms_hold_the_author_and_stems() {
        let t = message_terms(
            "De betalingen lukken niet",
            Some("@jan_de_vries"),
            Some("Jan"),
        );
        let terms: Vec<&str> = t.split(' ').collect();
        assert!(terms.contains(&"vries"));
        assert!(terms.contains(&"jan"));
        assert_eq!(index_terms("betaling"), index_terms("betalingen"));
        assert_eq!(index_terms("betalen"), index_terms("betalingen"));
    }

    #[test]
    fn document_keys_say_what_they_are() {
        assert_eq!(message_doc(7) % 4, 0);
        assert_eq!(note_doc(7) % 4, 1);
        assert_eq!(note_doc(7) / 4, 7);
    }
}
