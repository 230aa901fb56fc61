//! Bulk data for the feedback page: `Store::seed_feedback_bulk` fills a store with boards,
//! accounts, ideas, votes and search terms fast (multi-row inserts, one commit per batch) for
//! `wederhoor bench ideas`, plus the query-plan check of the trending list.
//!
//! The data is deterministic (a splitmix64 stream from a fixed seed) and skewed the way real
//! boards are: the votes per idea follow a Zipf-like law, so a few ideas carry most votes. Each
//! idea's `votes` and `score` are computed here from the vote rows it will get, before the idea
//! row is written, so no UPDATE pass is needed and the invariants of `feedback.rs` hold.

use crate::feedback::{NewBoard, TERMS_PER_IDEA};
use crate::{Backend, Result, Store, now_ms};
use sqlx::Row;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use wederhoor_core::BoardId;
use wederhoor_core::idea::{IdeaColour, search_terms, trend_weight};
use wederhoor_core::{AccountId, IdeaId, MessageId};

/// Rows written per transaction (one commit per batch, never per row).
const ROWS_PER_COMMIT: usize = 40_000;
/// Bind variables per statement: below SQLite's 32766 (PostgreSQL allows 65535).
const BINDS_PER_STATEMENT: usize = 32_000;
/// Ideas generated (with their votes) per step.
const IDEAS_PER_STEP: usize = 2_000;
/// The exponent of the Zipf-like law of votes per idea.
const ZIPF_EXPONENT: f64 = 0.8;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const SPAN_MS: i64 = 2 * 365 * DAY_MS;

/// Idea titles (Dutch, with numbers filled in so titles differ).
const TITLES: &[&str] = &[
    "Donkere modus in de app ({n})",
    "Betalen met je horloge, ook bij oudere modellen {n}",
    "Spaardoel met afbeelding en voortgangsbalk {n}",
    "Automatisch afronden naar boven en het verschil sparen {n}",
    "Gezamenlijke rekening voor jongeren vanaf {d} jaar",
    "Facturen maken in de zakelijke app ({n})",
    "Batchbetalingen via SEPA voor het mkb {n}",
    "Daglimiet van de pinpas zelf instellen in de app {n}",
    "Meldingen bij elke afschrijving boven {d} euro",
    "Inloggen met een vingerafdruk op de website {n}",
    "Overzicht van vaste lasten per maand ({n})",
    "Categorieën van uitgaven zelf aanpassen {n}",
    "Betaalverzoek met een QR-code delen {n}",
    "Rekeningafschrift als PDF per kwartaal {n}",
    "Chatten met een medewerker in het weekend {n}",
    "Pas tijdelijk blokkeren vanuit de app {n}",
    "Sparen voor kinderen met een eigen inlog {n}",
    "Export naar boekhoudpakketten ({n})",
    "Meerdere gebruikers op een zakelijke rekening {n}",
    "Contactloos betalen met een ring {n}",
    "Hypotheekoverzicht met aflossingsgrafiek {n}",
    "Duurzaam beleggen met kleine bedragen {n}",
    "Inzicht in abonnementen en opzeggen vanuit de app {n}",
    "Grotere letters en betere toegankelijkheid {n}",
    "Geld terugvragen bij een verkeerde overboeking {n}",
    "Wachttijd van de klantenservice tonen in de app {n}",
    "Budget per categorie met waarschuwing bij {d} procent",
    "Tikkie-achtige verzoeken zonder extra app {n}",
    "Afspraak maken met een adviseur via de app {n}",
    "Reisverzekering direct afsluiten bij een betaling {n}",
    "Virtuele kaart voor eenmalige aankopen online {n}",
    "Rente op de spaarrekening per dag zichtbaar {n}",
    "Zakelijke kosten splitsen met bonnetjes {n}",
    "Geplande betalingen verschuiven naar salarisdag {n}",
    "Apple Pay en Google Pay op oudere telefoons {n}",
    "Pinautomaat zoeken met openingstijden {n}",
    "Gedeelde spaarpot met vrienden voor een reis {n}",
    "Ondersteuning voor de Engelse taal in alle schermen {n}",
    "Btw-aangifte voorbereiden in de zakelijke omgeving {n}",
    "Betalingen goedkeuren met twee personen {n}",
];

/// A small, fast, deterministic pseudo-random stream (splitmix64).
#[derive(Debug, Clone)]
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n) (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// An idea's stored counters next to what its vote rows say.
#[derive(Debug, Clone, PartialEq)]
pub struct IdeaVoteTally {
    pub id: IdeaId,
    pub votes: i64,
    pub score: f64,
    pub created_at: i64,
    pub vote_rows: i64,
    pub weight_sum: f64,
}

/// One value to bind.
enum Value {
    Int(i64),
    Real(f64),
    Text(String),
    Null,
}

fn bind_value<'q>(
    q: Query<'q, sqlx::Any, AnyArguments<'q>>,
    v: &'q Value,
) -> Query<'q, sqlx::Any, AnyArguments<'q>> {
    match v {
        Value::Int(i) => q.bind(*i),
        Value::Real(f) => q.bind(*f),
        Value::Text(s) => q.bind(s.as_str()),
        Value::Null => q.bind(None::<String>),
    }
}

/// A writer of multi-row INSERTs that commits every `ROWS_PER_COMMIT` rows.
struct BulkWriter<'s> {
    store: &'s Store,
    tx: Option<sqlx::Transaction<'static, sqlx::Any>>,
    rows_in_tx: usize,
}

impl<'s> BulkWriter<'s> {
    fn new(store: &'s Store) -> BulkWriter<'s> {
        BulkWriter {
            store,
            tx: None,
            rows_in_tx: 0,
        }
    }

    /// Inserts `rows` (each `columns` long) into `table`, several statements if the binds need.
    async fn insert(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Value>],
        suffix: &str,
    ) -> Result<()> {
        let per_statement = (BINDS_PER_STATEMENT / columns.len().max(1)).max(1);
        for chunk in rows.chunks(per_statement) {
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut n = 0;
            for (r, _) in chunk.iter().enumerate() {
                if r > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                for c in 0..columns.len() {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    // SQLite looks `$N` names up one by one (slow with thousands of them);
                    // plain `?` is positional there.
                    n += 1;
                    match self.store.backend() {
                        Backend::Sqlite => sql.push('?'),
                        Backend::Postgres => sql.push_str(&format!("${n}")),
                    }
                }
                sql.push(')');
            }
            sql.push_str(suffix);
            let mut q = sqlx::query(&sql);
            for row in chunk {
                for v in row {
                    q = bind_value(q, v);
                }
            }
            let tx = match &mut self.tx {
                Some(tx) => tx,
                None => self.tx.insert(self.store.write_tx().await?),
            };
            self.store.counted(1);
            q.execute(&mut **tx).await?;
            self.rows_in_tx += chunk.len();
            if self.rows_in_tx >= ROWS_PER_COMMIT {
                self.commit().await?;
            }
        }
        Ok(())
    }

    async fn commit(&mut self) -> Result<()> {
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        self.rows_in_tx = 0;
        Ok(())
    }
}

/// The share of ideas per status key of the default statuses (new, under review, planned,
/// declined, done), in per mille.
const STATUS_SHARE: &[(&str, u64)] = &[
    ("new", 500),
    ("under_review", 200),
    ("planned", 120),
    ("declined", 80),
    ("done", 100),
];

const ACCOUNT_COLUMNS: &[&str] = &[
    "id",
    "email",
    "email_verified",
    "display_name",
    "language",
    "created_at",
];

/// Verified accounts without password, ids `first..first + count`.
async fn insert_accounts(
    writer: &mut BulkWriter<'_>,
    first: i64,
    count: u64,
    rng: &mut SplitMix,
    now: i64,
) -> Result<()> {
    let mut rows = Vec::new();
    for k in 0..count {
        let id = first + k as i64;
        rows.push(vec![
            Value::Int(id),
            Value::Text(format!("bench{id}@voorbeeld.example")),
            Value::Int(1),
            Value::Text(format!("Proefklant {id}")),
            Value::Text(if k % 10 == 0 { "en" } else { "nl" }.to_owned()),
            Value::Int(now - SPAN_MS - rng.below(SPAN_MS as u64) as i64),
        ]);
        if rows.len() >= 20_000 {
            writer
                .insert("accounts", ACCOUNT_COLUMNS, &rows, "")
                .await?;
            rows.clear();
        }
    }
    writer.insert("accounts", ACCOUNT_COLUMNS, &rows, "").await
}

impl Store {
    /// Adds `count` verified accounts without password (`bench{id}@voorbeeld.example`) and
    /// returns their ids: voters for benchmarks.
    pub async fn add_bulk_accounts(&self, count: u64) -> Result<Vec<AccountId>> {
        let _guard = self.writer().await;
        let first = self.max_id("accounts").await? + 1;
        let mut rng = SplitMix(first as u64);
        let mut writer = BulkWriter::new(self);
        insert_accounts(&mut writer, first, count, &mut rng, now_ms()).await?;
        writer.commit().await?;
        self.sync_sequences(&["accounts"]).await?;
        Ok((0..count).map(|k| AccountId(first + k as i64)).collect())
    }

    /// Fills the store with `boards` boards (`bench-1` …; existing ones are reused), `accounts`
    /// verified accounts without password, `ideas` ideas spread over the last two years and
    /// `votes` votes (Zipf-like over the ideas, each after its idea's creation, one per account
    /// and idea), the search terms of the titles, and the board counts. `progress` hears a line
    /// per step. Meant for benchmarks on an otherwise idle store.
    pub async fn seed_feedback_bulk(
        &self,
        boards: usize,
        ideas: u64,
        votes: u64,
        accounts: u64,
        mut progress: impl FnMut(&str),
    ) -> Result<()> {
        let now = now_ms();
        let accounts = accounts.max(1);
        let mut rng = SplitMix(0x5EED_1DEA_2026_1126);

        // Boards first (through the ordinary API: statuses and audit come with them).
        let existing = self.boards().await?;
        let mut board_list = Vec::new();
        for b in 1..=boards.max(1) {
            let slug = format!("bench-{b}");
            let board = match existing.iter().find(|x| x.slug == slug) {
                Some(x) => x.clone(),
                None => {
                    self.create_board(
                        &NewBoard {
                            slug: slug.clone(),
                            name_nl: format!("Proefbord {b}"),
                            name_en: format!("Bench board {b}"),
                            description_nl: "Gegenereerde ideeën voor metingen.".into(),
                            description_en: "Generated ideas for measurements.".into(),
                        },
                        None,
                    )
                    .await?
                }
            };
            board_list.push(board);
        }
        progress(&format!("{} boards ready", board_list.len()));

        let _guard = self.writer().await;
        let first_account = self.max_id("accounts").await? + 1;
        let first_idea = self.max_id("ideas").await? + 1;

        // Accounts: verified, no password.
        let mut writer = BulkWriter::new(self);
        insert_accounts(&mut writer, first_account, accounts, &mut rng, now).await?;
        writer.commit().await?;
        progress(&format!("{accounts} accounts inserted"));

        // Votes per idea: a Zipf-like law over a shuffled rank, capped at the account count,
        // with the remainder handed out one by one so the total is exact when it fits.
        let n = ideas as usize;
        let mut rank: Vec<u64> = (1..=ideas).collect();
        for i in (1..n).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            rank.swap(i, j);
        }
        let harmonic: f64 = (1..=ideas).map(|r| (r as f64).powf(-ZIPF_EXPONENT)).sum();
        let mut counts: Vec<u64> = rank
            .iter()
            .map(|&r| {
                let share = (r as f64).powf(-ZIPF_EXPONENT) / harmonic.max(f64::MIN_POSITIVE);
                ((votes as f64 * share).floor() as u64).min(accounts)
            })
            .collect();
        let mut left = votes.saturating_sub(counts.iter().sum());
        let mut attempts = 0u64;
        while left > 0 && n > 0 && attempts < votes.saturating_mul(4) + 16 {
            attempts += 1;
            let i = rng.below(n as u64) as usize;
            if let Some(c) = counts.get_mut(i)
                && *c < accounts
            {
                *c += 1;
                left -= 1;
            }
        }

        // Ideas step by step: generate the votes, sum the score, write the idea, then its votes.
        let idea_columns = [
            "id",
            "board_id",
            "account_id",
            "author_name",
            "title",
            "body",
            "status",
            "colour",
            "votes",
            "score",
            "listed",
            "hidden",
            "hidden_reason",
            "created_at",
            "updated_at",
        ];
        let vote_columns = ["idea_id", "account_id", "weight", "created_at"];
        let mut written_votes = 0u64;
        let mut step_start = 0usize;
        while step_start < n {
            let step_end = (step_start + IDEAS_PER_STEP).min(n);
            let mut idea_rows = Vec::with_capacity(step_end - step_start);
            let mut vote_rows = Vec::new();
            let mut term_rows = Vec::new();
            for i in step_start..step_end {
                let id = first_idea + i as i64;
                let board = board_list.get(i % board_list.len().max(1));
                let Some(board) = board else { continue };
                let created = now - rng.below(SPAN_MS as u64) as i64;
                let count = counts.get(i).copied().unwrap_or(0);
                let mut score = trend_weight(created);
                if count > 0 {
                    // Distinct accounts: a start and a stride coprime to the account count.
                    let start = rng.below(accounts);
                    let mut stride = 1 + rng.below(accounts);
                    while gcd(stride, accounts) != 1 {
                        stride = stride % accounts + 1;
                    }
                    for k in 0..count {
                        let account = (start + k.wrapping_mul(stride) % accounts) % accounts;
                        // Later votes are likelier: recent ideas and revived old ones trend.
                        let u = rng.unit().sqrt();
                        let at = created + ((now - created) as f64 * u) as i64;
                        let weight = trend_weight(at);
                        score += weight;
                        vote_rows.push(vec![
                            Value::Int(id),
                            Value::Int(first_account + account as i64),
                            Value::Real(weight),
                            Value::Int(at),
                        ]);
                    }
                }
                let pick = rng.below(1000);
                let mut acc = 0;
                let mut status = "new";
                for (key, share) in STATUS_SHARE {
                    acc += share;
                    if pick < acc {
                        status = key;
                        break;
                    }
                }
                let (status, colour) = match board.status(status) {
                    Some(s) => (s.key.clone(), s.colour),
                    None => board
                        .statuses
                        .first()
                        .map_or(("new".to_owned(), IdeaColour::Grey), |s| {
                            (s.key.clone(), s.colour)
                        }),
                };
                let hidden = rng.below(100) == 0;
                let template = TITLES
                    .get(rng.below(TITLES.len() as u64) as usize)
                    .copied()
                    .unwrap_or("Idee {n}");
                let title = template
                    .replace("{n}", &(i + 1).to_string())
                    .replace("{d}", &(12 + i % 60).to_string());
                for term in search_terms(&title, TERMS_PER_IDEA) {
                    term_rows.push(vec![Value::Text(term), Value::Int(id)]);
                }
                let author = first_account + rng.below(accounts) as i64;
                idea_rows.push(vec![
                    Value::Int(id),
                    Value::Int(board.id.0),
                    Value::Int(author),
                    Value::Text(format!("Proefklant {author}")),
                    Value::Text(title),
                    Value::Text(format!(
                        "Gegenereerd voorbeeld {}: dit zou het bankieren voor mij makkelijker maken.",
                        i + 1
                    )),
                    Value::Text(status),
                    Value::Text(colour.as_str().to_owned()),
                    Value::Int(count as i64),
                    Value::Real(score),
                    Value::Int(i64::from(!hidden)),
                    if hidden {
                        Value::Text("staff".into())
                    } else {
                        Value::Null
                    },
                    if hidden {
                        Value::Text("Dubbel geplaatst".into())
                    } else {
                        Value::Null
                    },
                    Value::Int(created),
                    Value::Int(created),
                ]);
            }
            writer
                .insert("ideas", &idea_columns, &idea_rows, "")
                .await?;
            writer
                .insert("idea_votes", &vote_columns, &vote_rows, "")
                .await?;
            writer
                .insert(
                    "idea_terms",
                    &["term", "idea_id"],
                    &term_rows,
                    " ON CONFLICT DO NOTHING",
                )
                .await?;
            written_votes += vote_rows.len() as u64;
            let before = step_start as u64 * 10 / ideas.max(1);
            let after = step_end as u64 * 10 / ideas.max(1);
            if after > before || step_end == n {
                progress(&format!("{step_end} ideas, {written_votes} votes inserted"));
            }
            step_start = step_end;
        }
        writer.commit().await?;

        // The board counts from the rows, and (PostgreSQL) sequences and statistics.
        let mut tx = self.write_tx().await?;
        self.counted(1);
        sqlx::query(
            "UPDATE board_statuses SET listed_ideas = (SELECT COUNT(*) FROM ideas i \
             WHERE i.board_id = board_statuses.board_id AND i.status = board_statuses.key \
             AND i.listed = 1)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.sync_sequences(&["accounts", "ideas"]).await?;
        if self.backend() == Backend::Postgres {
            progress("ANALYZE");
            for table in [
                "accounts",
                "boards",
                "board_statuses",
                "ideas",
                "idea_votes",
                "idea_terms",
            ] {
                self.counted(1);
                sqlx::query(&format!("ANALYZE {table}"))
                    .execute(self.pool())
                    .await?;
            }
        }
        progress("board counts set");
        Ok(())
    }

    /// How many ideas the store holds (listed or not).
    pub async fn idea_count(&self) -> Result<i64> {
        self.counted(1);
        Ok(sqlx::query("SELECT COUNT(*) FROM ideas")
            .fetch_one(self.pool())
            .await?
            .try_get(0)?)
    }

    /// The plan of the trending list query of `list_ideas` (first page of 20), one line per
    /// plan node: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL.
    pub async fn explain_trending(&self, board: Option<BoardId>) -> Result<Vec<String>> {
        let columns = "i.id, i.board_id, i.title, substr(i.body, 1, 300) AS excerpt, \
            i.author_name, i.status, i.colour, i.votes, i.reactions, i.evidence, i.pinned, \
            i.created_at, i.updated_at";
        let (filter, limit, offset) = if board.is_some() {
            (" AND i.board_id = $1", "$2", "$3")
        } else {
            ("", "$1", "$2")
        };
        let select = format!(
            "SELECT {columns} FROM ideas i WHERE i.listed = 1{filter} \
             ORDER BY i.score DESC, i.id DESC LIMIT {limit} OFFSET {offset}"
        );
        let sql = match self.backend() {
            Backend::Sqlite => format!("EXPLAIN QUERY PLAN {select}"),
            Backend::Postgres => format!("EXPLAIN {select}"),
        };
        let mut q = sqlx::query(&sql);
        if let Some(b) = board {
            q = q.bind(b.0);
        }
        q = q.bind(21i64).bind(0i64);
        self.counted(1);
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| match self.backend() {
                Backend::Sqlite => Ok(r.try_get::<String, _>(3)?),
                Backend::Postgres => Ok(r.try_get::<String, _>(0)?),
            })
            .collect()
    }

    /// Messages whose text contains `text` (case as stored), oldest first: for picking inbox
    /// messages to attach to ideas as evidence (the demo).
    pub async fn message_ids_matching(&self, text: &str, limit: i64) -> Result<Vec<MessageId>> {
        self.counted(1);
        let rows = sqlx::query("SELECT id FROM messages WHERE text LIKE $1 ORDER BY id LIMIT $2")
            .bind(format!("%{text}%"))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(MessageId(r.try_get(0)?))).collect()
    }

    /// Every idea's stored votes and score next to the count and weight sum of its vote rows
    /// (for consistency checks).
    pub async fn idea_vote_tallies(&self) -> Result<Vec<IdeaVoteTally>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT i.id, i.votes, i.score, i.created_at, COUNT(v.idea_id), \
             COALESCE(SUM(v.weight), 0.0) FROM ideas i LEFT JOIN idea_votes v ON v.idea_id = i.id \
             GROUP BY i.id, i.votes, i.score, i.created_at ORDER BY i.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(IdeaVoteTally {
                    id: IdeaId(r.try_get(0)?),
                    votes: r.try_get(1)?,
                    score: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    vote_rows: r.try_get(4)?,
                    weight_sum: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// `(board, status, listed ideas)` counted from the idea rows (for consistency checks).
    pub async fn listed_ideas_counted(&self) -> Result<Vec<(BoardId, String, i64)>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT board_id, status, COUNT(*) FROM ideas WHERE listed = 1 \
             GROUP BY board_id, status ORDER BY board_id, status",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((BoardId(r.try_get(0)?), r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// PostgreSQL: moves the id sequences past ids written explicitly.
    async fn sync_sequences(&self, tables: &[&str]) -> Result<()> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        for table in tables {
            self.counted(1);
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))
            .execute(self.pool())
            .await?;
        }
        Ok(())
    }

    async fn max_id(&self, table: &str) -> Result<i64> {
        self.counted(1);
        Ok(
            sqlx::query(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
                .fetch_one(self.pool())
                .await?
                .try_get(0)?,
        )
    }
}
