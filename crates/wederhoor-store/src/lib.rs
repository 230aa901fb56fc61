//! The one repository API of Wederhoor. SQL lives here and nowhere else.
//!
//! Both backends (SQLite, the embedded default, and PostgreSQL, the scale-out path) run the same
//! portable SQL through sqlx's `Any` driver; only the column types of ids and floats differ, and
//! those are filled into the one schema in `schema.sql` at migration time.
//!
//! Invariant: a message is committed before `ingest_batch` returns, and a reply is in the
//! outbox (`replies` with state `queued`) in the same transaction as the case change.

mod accounts;
mod agents;
mod answers;
mod audit_view;
mod broadcast;
mod cards;
mod cluster;
mod contacts;
mod decisions;
mod escalations;
mod feedback;
mod feedback_bulk;
mod followup;
mod inbox;
mod incident_posts;
mod incidents;
mod ingest;
mod maintenance;
mod outbox;
mod panels;
mod privacy;
mod reach;
mod resilience;
mod retention;
mod rules;
mod search;
mod secrets;
mod service_levels;
mod sources;
mod structural;
mod summary;
mod surveys;

pub use accounts::{
    Account, AccountExport, MailItem, MailParts, MailView, NewAccount, NewMail, OidcLogin,
    TextAttachment, VERIFY_TOKEN_MS,
};
pub use agents::{Agent, NewAgent, Session, Totp};
pub use answers::{AnsweredCase, Fact, NewFact, PublicProfile};
pub use audit_view::{AuditEntry, AuditFilter};
pub use broadcast::{Affected, BroadcastSubject, BroadcastView, PlannedRecipient, RecipientState};
pub use cards::{CardView, NewCard, NewPrintedCard, PrintedCardView, PrintedRequest, content_hash};
pub use cluster::ActiveVersions;
pub use contacts::{ContactAuthor, ContactLookup, ContactView, TimelineEntry};
pub use decisions::{DecisionItem, DecisionKind, NewTeamModel, TeamModel};
pub use escalations::{EscalationRow, NewEscalation, Notification, WatchedHandle, WebhookItem};
pub use feedback::{
    AttachedIdea, Board, BoardStatus, FeedEntry, FeedbackReport, Follower, FollowerMail,
    IdeaDetail, IdeaFilter, IdeaSummary, NewBoard, NewIdea, NewReaction, PendingPost, Poster,
    ReactionView, ReportView, SocialReply, StatusChange, StatusOutcome, TERMS_PER_IDEA,
    VoteOutcome,
};
pub use feedback_bulk::IdeaVoteTally;
pub use followup::{CallbackLink, CallbackUse, CannedReply, NewCanned};
pub use inbox::{
    ConversationDetail, ConversationFilter, ConversationSummary, InboxSort, MessageView, NoteView,
    ReplyView, VerdictCount,
};
pub use incident_posts::{POSTING_KINDS, PostTarget};
pub use incidents::{
    AlertMember, AlertSample, AlertView, BurstRow, IncidentBrief, IncidentEvent, IncidentView,
    NewIncident, parse_keys,
};
pub use ingest::{AttachmentInfo, BatchExtras, IngestOutcome, NewAttachment, RetriageItem};
pub use outbox::{OutboxItem, ReplyMedia};
pub use panels::{
    NewPanelQuestion, Panel, PanelAnswer, PanelAnswerOutcome, PanelQuestion, PanelQuestionKind,
    PanelTally,
};
pub use privacy::{
    ErasureReport, PersonAttachment, PersonAuthor, PersonConversation, PersonExport, PersonMessage,
    PersonPrecedent, PersonPrintedCard,
};
pub use reach::{EarlierContact, MetricsChange};
pub use rules::{BacktestItem, Precedent, ReviewItem, RulesVersion};
pub use search::{
    HitKind, SearchFilter, SearchHit, TERMS_PER_DOCUMENT, index_terms, message_terms,
};
pub use service_levels::{
    AgentRouting, AssignableAgent, DueInput, DueSignal, DueUpdate, OpenedCase, Promise,
    ServiceLevelTimes, UnassignedCase,
};
pub use sources::{SourceDeletion, SourceHealth, SourceSettings};
pub use structural::{
    IssueBrief, IssueDay, IssueVocabulary, LinkedCase, NewStructuralIssue, PersonFacts,
    StructuralEdit, StructuralIssue,
};
pub use summary::{PeriodCounts, SummarySample};
pub use surveys::{
    AgentWorkload, DueSurvey, NewSurvey, ReportTimes, SurveyAnswer, SurveyBrief, SurveyCandidate,
    SurveyLink, SurveyRow, SurveyView,
};

use jiff::Timestamp;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wederhoor_core::{DeliveryKind, SourceId};

/// Errors of the store. The web edge turns them into clear messages.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store: a connection pool plus a counter of queries (list endpoints assert it).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    queries: Arc<AtomicU64>,
    /// SQLite allows one writer; writers in this process queue here instead of failing busy.
    write_lock: Arc<tokio::sync::Mutex<()>>,
    /// Messages stored since the last `ANALYZE` (PostgreSQL), and the table size then.
    analyze: Arc<(AtomicU64, AtomicU64)>,
    /// The key that seals secrets at rest (`secrets.rs`); `None`: kept as plain text.
    secret_key: Option<Arc<[u8; 32]>>,
    /// A bulk load (`maintenance.rs`): ingest commits do not wait for the disk on PostgreSQL.
    bulk_load: bool,
    /// Ingest writes the search index (`search.rs`); off only to measure what the index costs.
    search_index: bool,
}

/// A source we listen to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Source {
    pub id: SourceId,
    pub kind: String,
    pub name: String,
    pub delivery_kind: DeliveryKind,
    pub delivery_url: Option<String>,
    pub owned: bool,
    pub created_at: i64,
    /// Where a connector reads (feed URL, account, hashtag URL …), if it polls or streams.
    pub url: Option<String>,
    /// Boolean listening query that selects messages from a broad source (None: keep all).
    pub listening_query: Option<String>,
    pub poll_interval_secs: i64,
    pub enabled: bool,
    /// Messages older than this are deleted by the retention job (None: kept).
    pub retention_days: Option<i64>,
}

/// What is needed to add a source.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub kind: String,
    pub name: String,
    pub delivery_kind: DeliveryKind,
    pub delivery_url: Option<String>,
    pub delivery_secret: Option<String>,
}

pub(crate) fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

/// A random token, hex encoded (32 bytes of entropy).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // getrandom only fails when the OS has no entropy source at all; fall back to time-derived
    // bytes would be unsafe, so such a machine gets an all-zero token that `hash_token` still
    // hashes — and we log loudly. In practice Linux always provides getrandom.
    if let Err(e) = getrandom::fill(&mut bytes) {
        tracing::error!(error = %e, "no OS randomness available");
    }
    hex::encode(bytes)
}

/// Tokens are stored hashed, so a leaked database does not leak live sessions or source tokens.
pub fn hash_token(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Opens (and for SQLite creates) the database at `url` and runs the migrations.
    pub async fn open(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_owned(),
        };
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(30))
            // A connection that comes back still inside a transaction is closed, not pooled
            // (see `resilience.rs`); the ping first runs a rollback the transaction queued.
            .after_release(|conn, _meta| {
                Box::pin(async move {
                    use sqlx::Connection;
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            });
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    for pragma in SQLITE_PRAGMAS {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
        } else {
            options
        };
        if backend == Backend::Sqlite {
            private_database_file(&url)?;
        }
        let pool = options.connect(&url).await?;
        let store = Store {
            pool,
            backend,
            queries: Arc::new(AtomicU64::new(0)),
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
            analyze: Arc::new((AtomicU64::new(0), AtomicU64::new(0))),
            secret_key: None,
            bulk_load: false,
            search_index: true,
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How many SQL statements this store has run (for N+1 tests on list endpoints).
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    pub(crate) fn counted(&self, n: u64) {
        self.queries.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that writes. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`, waiting up to the busy timeout): a deferred transaction that has read
    /// and then wants to write while another connection still holds the lock — say, one whose
    /// dropped transaction is still rolling back — gets `SQLITE_BUSY` at once, without waiting.
    pub(crate) async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Serialises writers on SQLite; a no-op guard on PostgreSQL, which has row locks.
    pub(crate) async fn writer(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_lock.lock().await),
            Backend::Postgres => None,
        }
    }

    /// Brings the schema up to date (see [`Store::migrate_unlocked`]). On PostgreSQL under an
    /// advisory lock per schema, so nodes that start together on an empty database migrate one
    /// after the other (the lock is a session's: a node that dies mid-migration releases it).
    pub async fn migrate(&self) -> Result<()> {
        if self.backend != Backend::Postgres {
            return self.migrate_unlocked().await;
        }
        let mut lock = self.pool.acquire().await?;
        // (The lock function returns `void`, which the `Any` driver cannot decode: select a 1.)
        sqlx::query(
            "SELECT 1 AS locked FROM (SELECT pg_advisory_lock(1919251317, hashtext(current_schema()))) AS l",
        )
            .execute(&mut *lock)
            .await?;
        let result = self.migrate_unlocked().await;
        let unlocked =
            sqlx::query("SELECT pg_advisory_unlock(1919251317, hashtext(current_schema()))")
                .execute(&mut *lock)
                .await;
        if unlocked.is_err() {
            // Closing the session releases its locks.
            let _ = sqlx::Connection::close(lock.detach()).await;
        }
        result
    }

    /// Applies, in order and each in its own transaction, the migrations in `MIGRATIONS` that
    /// `schema_migrations` does not list yet, then (re)creates the tally triggers.
    async fn migrate_unlocked(&self) -> Result<()> {
        let (id, real, blob) = match self.backend {
            Backend::Sqlite => ("INTEGER PRIMARY KEY", "REAL", "BLOB"),
            Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "DOUBLE PRECISION", "BYTEA"),
        };
        let _guard = self.writer().await;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for (version, source) in MIGRATIONS {
            let mut tx = self.write_tx().await?;
            let applied = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await?;
            if applied.is_some() {
                continue;
            }
            let sql = source
                .replace("{ID}", id)
                .replace("{REAL}", real)
                .replace("{BLOB}", blob)
                // A line for one backend only: the other reads it as a comment (stripped below).
                .replace(
                    "{SQLITE}",
                    if self.backend == Backend::Sqlite {
                        ""
                    } else {
                        "--"
                    },
                )
                .replace(
                    "{POSTGRES}",
                    if self.backend == Backend::Postgres {
                        ""
                    } else {
                        "--"
                    },
                )
                .replace("{SEARCH_INDEX}", search::index_ddl(self.backend));
            // Comments go first (they may contain ';'); then the file splits into statements.
            let without_comments: String = sql
                .lines()
                .map(|l| l.split_once("--").map_or(l, |(code, _)| code))
                .collect::<Vec<_>>()
                .join("\n");
            for statement in without_comments.split(';') {
                if !statement.trim().is_empty() {
                    sqlx::query(statement).execute(&mut *tx).await?;
                }
            }
            if source.contains("{SEARCH_INDEX}") {
                search::backfill(self.backend, &mut tx).await?;
            }
            // Another process may have applied it meanwhile: then this insert conflicts, the
            // transaction rolls back, and the schema is the same either way.
            let inserted = sqlx::query(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING",
            )
            .bind(*version)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            if inserted.rows_affected() == 1 {
                tx.commit().await?;
                tracing::info!(version, "schema migration applied");
            }
        }
        let mut tx = self.write_tx().await?;
        for statement in tally_triggers(self.backend) {
            sqlx::raw_sql(statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The schema version: the newest applied migration.
    pub async fn schema_version(&self) -> Result<i64> {
        self.counted(1);
        let row = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Keeps PostgreSQL's planner statistics current while a table grows fast (an import): each
    /// time the stored messages have doubled (at least a thousand more), the hot tables are
    /// analysed. Without this, a server with autovacuum off keeps planning for an empty table.
    /// (Every tenth of growth, as before, meant some seventy `ANALYZE`s of three tables during a
    /// 1 M import — a third of its time; the ingest statements no longer depend on them: their
    /// lookups go by unique key.)
    pub(crate) async fn note_stored(&self, stored: u64) -> Result<()> {
        if self.backend != Backend::Postgres || stored == 0 {
            return Ok(());
        }
        let (since, size) = &*self.analyze;
        let since_now = since.fetch_add(stored, Ordering::Relaxed) + stored;
        let threshold = size.load(Ordering::Relaxed).max(1000);
        if since_now < threshold {
            return Ok(());
        }
        since.store(0, Ordering::Relaxed);
        size.fetch_add(since_now, Ordering::Relaxed);
        self.counted(1);
        sqlx::raw_sql("ANALYZE messages; ANALYZE conversations; ANALYZE authors")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Checks that the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        self.counted(1);
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    // ----- sources -----

    /// Adds a source and returns it with its ingest token (shown once; only its hash is kept).
    pub async fn create_source(&self, new: &NewSource) -> Result<(Source, String)> {
        let token = random_token();
        let now = now_ms();
        let secret = self.seal_secret(new.delivery_secret.as_deref())?;
        let _guard = self.writer().await;
        self.counted(1);
        let row = sqlx::query(
            "INSERT INTO sources (kind, name, token_hash, delivery_kind, delivery_url, delivery_secret, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(&new.kind)
        .bind(&new.name)
        .bind(hash_token(&token))
        .bind(new.delivery_kind.as_str())
        .bind(new.delivery_url.clone())
        .bind(secret)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict(format!(
                "a source named {:?} already exists",
                new.name
            )));
        };
        let source = Source {
            id: SourceId(row.try_get("id")?),
            kind: new.kind.clone(),
            name: new.name.clone(),
            delivery_kind: new.delivery_kind,
            delivery_url: new.delivery_url.clone(),
            owned: true,
            created_at: now,
            url: None,
            listening_query: None,
            poll_interval_secs: 300,
            enabled: true,
            retention_days: None,
        };
        Ok((source, token))
    }

    /// The source a bearer token belongs to.
    pub async fn source_by_token(&self, token: &str) -> Result<Option<Source>> {
        self.counted(1);
        let row = sqlx::query(&format!("{SOURCE_SELECT} WHERE token_hash = $1"))
            .bind(hash_token(token))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| source_from_row(&r)).transpose()
    }

    pub async fn source_by_name(&self, name: &str) -> Result<Option<Source>> {
        self.counted(1);
        let row = sqlx::query(&format!("{SOURCE_SELECT} WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| source_from_row(&r)).transpose()
    }

    pub async fn list_sources(&self) -> Result<Vec<Source>> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "{SOURCE_SELECT} WHERE deleted_at IS NULL ORDER BY name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(source_from_row).collect()
    }

    /// The secret used to sign webhook deliveries of a source.
    pub async fn source_secret(&self, id: SourceId) -> Result<Option<String>> {
        self.counted(1);
        let row = sqlx::query("SELECT delivery_secret FROM sources WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        let stored = row.and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten());
        self.open_secret(stored)
    }

    /// Points a source's replies at a webhook (or back to manual delivery).
    pub async fn set_source_delivery(
        &self,
        id: SourceId,
        kind: DeliveryKind,
        url: Option<&str>,
        secret: Option<&str>,
    ) -> Result<()> {
        let secret = self.seal_secret(secret)?;
        let _guard = self.writer().await;
        self.counted(1);
        let done = sqlx::query(
            "UPDATE sources SET delivery_kind = $1, delivery_url = $2, delivery_secret = $3 WHERE id = $4",
        )
        .bind(kind.as_str())
        .bind(url.map(str::to_owned))
        .bind(secret)
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("source"));
        }
        Ok(())
    }

    // ----- rules versions -----

    /// The active rules version, if any: (version id, rules text).
    pub async fn active_rules(&self) -> Result<Option<(i64, String)>> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT id, rules FROM rules_versions WHERE active = 1 ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        })
    }

    /// Stores a new rules version and makes it the active one.
    pub async fn save_rules_version(
        &self,
        rules: &str,
        author: Option<wederhoor_core::AgentId>,
        comment: &str,
    ) -> Result<i64> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        sqlx::query("UPDATE rules_versions SET active = 0 WHERE active = 1")
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "INSERT INTO rules_versions (rules, author_id, comment, active, created_at) \
             VALUES ($1, $2, $3, 1, $4) RETURNING id",
        )
        .bind(rules)
        .bind(author.map(|a| a.0))
        .bind(comment)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        audit(
            &mut tx,
            author.map(|a| a.0),
            "rules.save",
            "rules_version",
            Some(id),
            comment,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    // ----- audit -----

    /// The newest audit entries about one object: (at, actor name, action, detail).
    pub async fn audit_of(
        &self,
        object_kind: &str,
        object_id: i64,
    ) -> Result<Vec<(i64, Option<String>, String, String)>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT a.at, g.display_name, a.action, a.detail FROM audit_log a \
             LEFT JOIN agents g ON g.id = a.actor_id \
             WHERE a.object_kind = $1 AND a.object_id = $2 ORDER BY a.id",
        )
        .bind(object_kind)
        .bind(object_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }
}

/// Set on every SQLite connection: WAL for concurrent readers, NORMAL sync (durable across a
/// process crash, which is what "stored before acknowledged" needs), and a busy wait — first,
/// so that a connection opened while another one writes waits instead of failing on the
/// `journal_mode` pragma (which needs a lock).
const SQLITE_PRAGMAS: [&str; 5] = [
    "PRAGMA busy_timeout=10000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA cache_size=-65536",
];

/// The schema, as numbered migrations (`{ID}`, `{REAL}` and `{BLOB}` are filled in per backend; a line
/// that starts with `{SQLITE}` or `{POSTGRES}` runs on that backend only). Never
/// edit a migration that has shipped; add the next number instead.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("schema.sql")),
    (2, include_str!("migrations/0002_sources.sql")),
    (3, include_str!("migrations/0003_evidence.sql")),
    (4, include_str!("migrations/0004_attachments.sql")),
    (5, include_str!("migrations/0005_feedback.sql")),
    (6, include_str!("migrations/0006_decisions.sql")),
    (7, include_str!("migrations/0007_source_leases.sql")),
    (8, include_str!("migrations/0008_summary.sql")),
    (
        9,
        include_str!("migrations/0009_source_retire_audit_chain.sql"),
    ),
    (10, include_str!("migrations/0010_surface_handle_key.sql")),
    (11, include_str!("migrations/0011_incident_alerts.sql")),
    (12, include_str!("migrations/0012_sec_totp.sql")),
    (
        13,
        include_str!("migrations/0013_journey_signature_reach.sql"),
    ),
    (
        14,
        include_str!("migrations/0014_private_followup_canned.sql"),
    ),
    (15, include_str!("migrations/0015_escalations.sql")),
    (16, include_str!("migrations/0016_surveys.sql")),
    (17, include_str!("migrations/0017_cards.sql")),
    (18, include_str!("migrations/0018_contacts.sql")),
    (19, include_str!("migrations/0019_search.sql")),
    (20, include_str!("migrations/0020_answers.sql")),
    (21, include_str!("migrations/0021_service_levels.sql")),
    (22, include_str!("migrations/0022_structural_issues.sql")),
    (23, include_str!("migrations/0023_panels.sql")),
    (24, include_str!("migrations/0024_team_model_versions.sql")),
    (25, include_str!("migrations/0025_mail_parts.sql")),
];

/// Triggers that keep `conversation_tallies` equal to a `GROUP BY` over `conversations`.
fn tally_triggers(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[
            "CREATE TRIGGER IF NOT EXISTS conversation_tally_insert AFTER INSERT ON conversations BEGIN \
               INSERT INTO conversation_tallies (verdict, state, source_id, language, owner_id, n) \
               VALUES (NEW.verdict, NEW.state, NEW.source_id, NEW.language, COALESCE(NEW.owner_id, 0), 1) \
               ON CONFLICT (verdict, state, source_id, language, owner_id) DO UPDATE SET n = n + 1; \
             END",
            "CREATE TRIGGER IF NOT EXISTS conversation_tally_update \
             AFTER UPDATE OF verdict, state, source_id, language, owner_id ON conversations \
             WHEN OLD.verdict IS NOT NEW.verdict OR OLD.state IS NOT NEW.state OR OLD.source_id IS NOT NEW.source_id \
               OR OLD.language IS NOT NEW.language OR OLD.owner_id IS NOT NEW.owner_id BEGIN \
               UPDATE conversation_tallies SET n = n - 1 WHERE verdict = OLD.verdict AND state = OLD.state \
                 AND source_id = OLD.source_id AND language = OLD.language AND owner_id = COALESCE(OLD.owner_id, 0); \
               INSERT INTO conversation_tallies (verdict, state, source_id, language, owner_id, n) \
               VALUES (NEW.verdict, NEW.state, NEW.source_id, NEW.language, COALESCE(NEW.owner_id, 0), 1) \
               ON CONFLICT (verdict, state, source_id, language, owner_id) DO UPDATE SET n = n + 1; \
             END",
            "CREATE TRIGGER IF NOT EXISTS conversation_tally_delete AFTER DELETE ON conversations BEGIN \
               UPDATE conversation_tallies SET n = n - 1 WHERE verdict = OLD.verdict AND state = OLD.state \
                 AND source_id = OLD.source_id AND language = OLD.language AND owner_id = COALESCE(OLD.owner_id, 0); \
             END",
        ],
        Backend::Postgres => &[
            "CREATE OR REPLACE FUNCTION conversation_tally() RETURNS trigger AS $$ BEGIN \
               IF TG_OP IN ('UPDATE', 'DELETE') THEN \
                 UPDATE conversation_tallies SET n = n - 1 WHERE verdict = OLD.verdict AND state = OLD.state \
                   AND source_id = OLD.source_id AND language = OLD.language AND owner_id = COALESCE(OLD.owner_id, 0); \
               END IF; \
               IF TG_OP IN ('UPDATE', 'INSERT') THEN \
                 INSERT INTO conversation_tallies (verdict, state, source_id, language, owner_id, n) \
                 VALUES (NEW.verdict, NEW.state, NEW.source_id, NEW.language, COALESCE(NEW.owner_id, 0), 1) \
                 ON CONFLICT (verdict, state, source_id, language, owner_id) \
                 DO UPDATE SET n = conversation_tallies.n + 1; \
               END IF; \
               RETURN NULL; \
             END $$ LANGUAGE plpgsql",
            // Inserts and deletes are tallied per statement, not per row: a batch of a thousand
            // new conversations costs one grouped upsert (PostgreSQL's transition tables), not
            // a thousand (this was a fifth of the time of a bulk import).
            "CREATE OR REPLACE FUNCTION conversation_tally_rows() RETURNS trigger AS $$ BEGIN \
               IF TG_OP = 'INSERT' THEN \
                 INSERT INTO conversation_tallies (verdict, state, source_id, language, owner_id, n) \
                 SELECT verdict, state, source_id, language, COALESCE(owner_id, 0), COUNT(*) FROM new_rows \
                 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5 \
                 ON CONFLICT (verdict, state, source_id, language, owner_id) \
                 DO UPDATE SET n = conversation_tallies.n + excluded.n; \
               ELSE \
                 UPDATE conversation_tallies t SET n = t.n - d.k FROM (SELECT verdict, state, source_id, \
                   language, COALESCE(owner_id, 0) AS owner_id, COUNT(*) AS k FROM old_rows \
                   GROUP BY 1, 2, 3, 4, 5) d \
                 WHERE t.verdict = d.verdict AND t.state = d.state AND t.source_id = d.source_id \
                   AND t.language = d.language AND t.owner_id = d.owner_id; \
               END IF; \
               RETURN NULL; \
             END $$ LANGUAGE plpgsql",
            // Until 2026-12 one row trigger did inserts and deletes.
            "DROP TRIGGER IF EXISTS conversation_tally_insert ON conversations",
            "CREATE OR REPLACE TRIGGER conversation_tallies_inserted AFTER INSERT ON conversations \
             REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION conversation_tally_rows()",
            "CREATE OR REPLACE TRIGGER conversation_tallies_deleted AFTER DELETE ON conversations \
             REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION conversation_tally_rows()",
            "CREATE OR REPLACE TRIGGER conversation_tally_update \
             AFTER UPDATE OF verdict, state, source_id, language, owner_id ON conversations FOR EACH ROW \
             WHEN (OLD.verdict IS DISTINCT FROM NEW.verdict OR OLD.state IS DISTINCT FROM NEW.state \
               OR OLD.source_id IS DISTINCT FROM NEW.source_id OR OLD.language IS DISTINCT FROM NEW.language \
               OR OLD.owner_id IS DISTINCT FROM NEW.owner_id) \
             EXECUTE FUNCTION conversation_tally()",
        ],
    }
}

pub(crate) const SOURCE_SELECT: &str = "SELECT id, kind, name, delivery_kind, delivery_url, owned, created_at, \
     url, listening_query, poll_interval_secs, enabled, retention_days FROM sources";

pub(crate) fn source_from_row(r: &AnyRow) -> Result<Source> {
    let kind: String = r.try_get("delivery_kind")?;
    Ok(Source {
        id: SourceId(r.try_get("id")?),
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        delivery_kind: kind
            .parse()
            .map_err(|e: wederhoor_core::case::UnknownName| StoreError::Corrupt(e.to_string()))?,
        delivery_url: r.try_get("delivery_url")?,
        owned: r.try_get::<i64, _>("owned")? != 0,
        created_at: r.try_get("created_at")?,
        url: r.try_get("url")?,
        listening_query: r.try_get("listening_query")?,
        poll_interval_secs: r.try_get("poll_interval_secs")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        retention_days: r.try_get("retention_days")?,
    })
}

/// Makes the SQLite database file readable by its owner only: created empty with mode 0600
/// before SQLite opens it (SQLite gives its `-wal` and `-shm` files the same mode), and an
/// existing file's mode narrowed to 0600.
fn private_database_file(url: &str) -> Result<()> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path.starts_with(':') {
        return Ok(());
    }
    let corrupt = |e: std::io::Error| StoreError::Corrupt(format!("{path}: {e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(corrupt)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(corrupt)?;
    }
    #[cfg(not(unix))]
    {
        let _ = (path, corrupt);
    }
    Ok(())
}

/// Writes one audit entry inside the caller's transaction: who did what, when, to which object.
/// The entry carries the hash of the entry before it and its own hash over that and its fields
/// (`audit_hash`), so `Store::verify_audit_chain` finds a changed or removed entry.
pub(crate) async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: Option<i64>,
    action: &str,
    object_kind: &str,
    object_id: Option<i64>,
    detail: &str,
) -> Result<()> {
    // Writers on PostgreSQL are not serialised by the store's lock: hold the chain's own lock
    // until this transaction ends, so two entries never hang from the same predecessor.
    if tx.backend_name().eq_ignore_ascii_case("postgresql") {
        sqlx::query("SELECT pg_advisory_xact_lock(7214001)")
            .execute(&mut **tx)
            .await?;
    }
    let prev: String = sqlx::query("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get::<Option<String>, _>(0))
        .transpose()?
        .flatten()
        .unwrap_or_default();
    let at = now_ms();
    let hash = audit_hash(&prev, at, actor, action, object_kind, object_id, detail);
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, object_kind, object_id, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(object_kind)
    .bind(object_id)
    .bind(detail)
    .bind(prev)
    .bind(hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// SHA-256 (hex) over the previous entry's hash and an entry's fields, each length-prefixed so
/// no two different entries hash the same bytes.
fn audit_hash(
    prev: &str,
    at: i64,
    actor: Option<i64>,
    action: &str,
    object_kind: &str,
    object_id: Option<i64>,
    detail: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let actor = actor.map(|a| a.to_string()).unwrap_or_default();
    let object_id = object_id.map(|a| a.to_string()).unwrap_or_default();
    for field in [
        prev,
        &at.to_string(),
        &actor,
        action,
        object_kind,
        &object_id,
        detail,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// What checking the audit log's hash chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditCheck {
    /// Every chained entry matches; `entries` were checked, `unchained` older entries were
    /// written before the chain existed.
    Intact { entries: u64, unchained: u64 },
    /// The first entry whose hash or link does not match: it, or the one before it, was
    /// changed, or entries between them were removed.
    Broken { id: i64 },
}

impl Store {
    /// Walks the audit log in order and recomputes its hash chain.
    pub async fn verify_audit_chain(&self) -> Result<AuditCheck> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT id, at, actor_id, action, object_kind, object_id, detail, prev_hash, hash \
             FROM audit_log ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut prev: Option<String> = None;
        let (mut entries, mut unchained) = (0u64, 0u64);
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            let hash: Option<String> = r.try_get(8)?;
            let Some(hash) = hash else {
                // Entries from before the chain: allowed only before the first chained one.
                if prev.is_some() {
                    return Ok(AuditCheck::Broken { id });
                }
                unchained += 1;
                continue;
            };
            let prev_hash: Option<String> = r.try_get(7)?;
            let prev_hash = prev_hash.unwrap_or_default();
            let expected_prev = prev.clone().unwrap_or_default();
            let computed = audit_hash(
                &prev_hash,
                r.try_get(1)?,
                r.try_get(2)?,
                &r.try_get::<String, _>(3)?,
                &r.try_get::<String, _>(4)?,
                r.try_get(5)?,
                &r.try_get::<String, _>(6)?,
            );
            if prev_hash != expected_prev || computed != hash {
                return Ok(AuditCheck::Broken { id });
            }
            entries += 1;
            prev = Some(hash);
        }
        Ok(AuditCheck::Intact { entries, unchained })
    }
}

/// Fresh, isolated stores for tests in this and other crates: one SQLite file in its own
/// directory, or one PostgreSQL schema, so tests run in parallel without seeing each other.
pub mod testing {
    use super::{Result, Store, StoreError, random_token};

    /// Changes an audit entry's detail behind the store's back, as somebody with access to the
    /// database could (for tests of the hash chain).
    pub async fn tamper_audit_detail(store: &Store, id: i64, detail: &str) -> Result<()> {
        sqlx::query("UPDATE audit_log SET detail = $1 WHERE id = $2")
            .bind(detail)
            .bind(id)
            .execute(store.pool())
            .await?;
        Ok(())
    }

    /// A source's delivery secret exactly as the database holds it.
    pub async fn raw_source_secret(store: &Store, id: i64) -> Result<Option<String>> {
        use sqlx::Row;
        let row = sqlx::query("SELECT delivery_secret FROM sources WHERE id = $1")
            .bind(id)
            .fetch_one(store.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// An agent's second-factor secret as stored (sealed or not).
    pub async fn raw_totp_secret(store: &Store, agent: i64) -> Result<Option<String>> {
        use sqlx::Row;
        let row = sqlx::query("SELECT totp_secret FROM agents WHERE id = $1")
            .bind(agent)
            .fetch_one(store.pool())
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Removes an audit entry behind the store's back.
    pub async fn delete_audit_entry(store: &Store, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM audit_log WHERE id = $1")
            .bind(id)
            .execute(store.pool())
            .await?;
        Ok(())
    }

    /// A new SQLite store in a new directory under the system temp dir.
    pub async fn fresh_sqlite() -> Result<Store> {
        let dir = std::env::temp_dir().join(format!("wederhoor-test-{}", &random_token()[..16]));
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Store::open(&format!("sqlite://{}", dir.join("wederhoor.db").display())).await
    }

    /// A new store in a new schema of the PostgreSQL database at `base_url`.
    pub async fn fresh_postgres(base_url: &str) -> Result<Store> {
        let url = postgres_schema_url(base_url).await?;
        Store::open(&url).await
    }

    /// Creates a new schema and returns a URL whose connections use it.
    pub async fn postgres_schema_url(base_url: &str) -> Result<String> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let schema = format!("t_{}", &random_token()[..20]);
        let mut conn = sqlx::AnyConnection::connect(base_url).await?;
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let sep = if base_url.contains('?') { '&' } else { '?' };
        Ok(format!(
            "{base_url}{sep}options=-c%20search_path%3D{schema}"
        ))
    }

    /// Every backend the test run can reach: SQLite always, PostgreSQL when
    /// `WEDERHOOR_TEST_PG` names a server.
    pub async fn fresh_stores() -> Result<Vec<(&'static str, Store)>> {
        let mut stores = vec![("sqlite", fresh_sqlite().await?)];
        if let Ok(url) = std::env::var("WEDERHOOR_TEST_PG") {
            stores.push(("postgres", fresh_postgres(&url).await?));
        }
        Ok(stores)
    }
}
