//! The public feedback page: boards, ideas, votes, reactions, statuses, followers, evidence from
//! the inbox, moderation, merges, search and reports.
//!
//! Invariants kept here, each in the transaction of the change that affects it:
//! - `ideas.votes` equals the rows of `idea_votes`, `ideas.score` equals the creation weight
//!   plus the weights of those rows (one vote per account: the primary key);
//! - `board_statuses.listed_ideas` counts the listed ideas per board and status;
//! - a status change, its notification mails and its replies to linked social messages are
//!   committed together (outbox first, delivery later).

use crate::accounts::{NewMail, queue_mail_tx};
use crate::{Result, Store, StoreError, audit, now_ms, random_token};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, HashSet};
use wederhoor_core::idea::{
    DEFAULT_STATUSES, Department, Hidden, IdeaColour, IdeaSort, search_terms, trend_weight,
};
use wederhoor_core::{AccountId, AgentId, BoardId, IdeaId, MessageId, ReactionId};

/// At most this many search terms are kept per idea.
pub const TERMS_PER_IDEA: usize = 64;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Board {
    pub id: BoardId,
    pub slug: String,
    pub name_nl: String,
    pub name_en: String,
    pub description_nl: String,
    pub description_en: String,
    pub position: i64,
    pub statuses: Vec<BoardStatus>,
}

impl Board {
    pub fn status(&self, key: &str) -> Option<&BoardStatus> {
        self.statuses.iter().find(|s| s.key == key)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BoardStatus {
    pub key: String,
    pub label_nl: String,
    pub label_en: String,
    pub colour: IdeaColour,
    pub position: i64,
    pub listed_ideas: i64,
}

#[derive(Debug, Clone)]
pub struct NewBoard {
    pub slug: String,
    pub name_nl: String,
    pub name_en: String,
    pub description_nl: String,
    pub description_en: String,
}

/// Which ideas a list shows, in which order, which page.
#[derive(Debug, Clone)]
pub struct IdeaFilter {
    pub board: Option<BoardId>,
    pub status: Option<String>,
    /// Search terms (from `wederhoor_core::idea::search_terms`): every one must match.
    pub terms: Vec<String>,
    pub sort: IdeaSort,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IdeaSummary {
    pub id: IdeaId,
    pub board_id: BoardId,
    pub title: String,
    /// The first 300 characters of the text (Markdown source).
    pub excerpt: String,
    /// Empty when the author deleted their account.
    pub author_name: String,
    pub status: String,
    pub colour: IdeaColour,
    pub votes: i64,
    pub reactions: i64,
    pub evidence: i64,
    pub pinned: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IdeaDetail {
    pub summary: IdeaSummary,
    pub body: String,
    pub account_id: Option<AccountId>,
    pub hidden: Option<Hidden>,
    pub hidden_reason: Option<String>,
    pub merged_into: Option<IdeaId>,
    pub history: Vec<StatusChange>,
    pub reactions: Vec<ReactionView>,
    /// Social messages attached as evidence, counted per source kind ("mastodon", "forum", …).
    pub evidence_by_kind: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StatusChange {
    pub status: String,
    pub colour: IdeaColour,
    pub explanation: String,
    pub agent_name: String,
    pub department: Option<Department>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReactionView {
    pub id: ReactionId,
    pub parent_id: Option<ReactionId>,
    pub account_id: Option<AccountId>,
    /// Set for staff answers.
    pub staff: bool,
    pub author_name: String,
    pub department: Option<Department>,
    pub body: String,
    pub hidden: Option<Hidden>,
    pub hidden_reason: Option<String>,
    pub created_at: i64,
}

/// Who wrote something on the feedback page.
#[derive(Debug, Clone)]
pub enum Poster {
    Customer {
        account: AccountId,
        name: String,
    },
    Staff {
        agent: AgentId,
        name: String,
        department: Option<Department>,
    },
}

#[derive(Debug, Clone)]
pub struct NewIdea {
    pub board: BoardId,
    pub poster: Poster,
    pub title: String,
    pub body: String,
    /// `Some(PendingReview)` when triage found the text abusive: stored, not shown yet.
    pub hidden: Option<Hidden>,
}

#[derive(Debug, Clone)]
pub struct NewReaction {
    pub idea: IdeaId,
    pub parent: Option<ReactionId>,
    pub poster: Poster,
    pub body: String,
    pub hidden: Option<Hidden>,
}

/// Someone to tell about a status change by e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Follower {
    pub account: AccountId,
    pub email: String,
    pub language: String,
}

/// Builds the mail (subject, body) one follower gets, in their language.
pub type FollowerMail<'a> = &'a (dyn Fn(&Follower) -> (String, String) + Sync);

/// Builds the reply to a linked social conversation from the language its message was written
/// in (`nl`, `en`, `fr`, … as the triage detected it).
pub type SocialReply<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// What a status change queued.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatusOutcome {
    pub mails: usize,
    pub social_replies: usize,
    /// Linked conversations that got no reply (WhatsApp's 24-hour window had closed); each is
    /// recorded in the case's history with the reason.
    pub skipped: usize,
}

/// A vote's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOutcome {
    Added,
    AlreadyVoted,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportView {
    pub id: i64,
    pub idea_id: IdeaId,
    pub idea_title: String,
    pub reaction_id: Option<ReactionId>,
    pub text: String,
    pub reason: String,
    pub created_at: i64,
}

/// A post hidden pending review (abusive text), for the moderation queue.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PendingPost {
    pub idea_id: IdeaId,
    pub reaction_id: Option<ReactionId>,
    pub title: String,
    pub text: String,
    pub author_name: String,
    pub created_at: i64,
}

/// An entry of the Atom feed: a new idea or a status change.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeedEntry {
    pub idea_id: IdeaId,
    pub board_id: BoardId,
    pub title: String,
    /// `None` for a new idea; the status key for a status change.
    pub status: Option<String>,
    pub text: String,
    pub author_name: String,
    pub at: i64,
}

/// Figures for the staff report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeedbackReport {
    pub ideas_with_staff_answer: i64,
    /// Median and 90th percentile of the time from posting to the first staff answer (ms).
    pub first_answer_median_ms: Option<i64>,
    pub first_answer_p90_ms: Option<i64>,
    /// Listed ideas still in a grey status (nobody decided yet), oldest first.
    pub waiting: Vec<IdeaSummary>,
    pub waiting_total: i64,
}

/// The social message attached to an idea, as the inbox shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AttachedIdea {
    pub idea_id: IdeaId,
    pub title: String,
    pub status: String,
    pub colour: IdeaColour,
}

const SUMMARY_COLUMNS: &str = "i.id, i.board_id, i.title, substr(i.body, 1, 300) AS excerpt, \
    i.author_name, i.status, i.colour, i.votes, i.reactions, i.evidence, i.pinned, i.created_at, \
    i.updated_at";

fn parse<T: std::str::FromStr>(s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse::<T>()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn opt_parse<T: std::str::FromStr>(s: Option<String>) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    s.as_deref().map(parse).transpose()
}

fn summary_from_row(r: &AnyRow) -> Result<IdeaSummary> {
    let colour: String = r.try_get("colour")?;
    Ok(IdeaSummary {
        id: IdeaId(r.try_get("id")?),
        board_id: BoardId(r.try_get("board_id")?),
        title: r.try_get("title")?,
        excerpt: r.try_get("excerpt")?,
        author_name: r.try_get("author_name")?,
        status: r.try_get("status")?,
        colour: parse(&colour)?,
        votes: r.try_get("votes")?,
        reactions: r.try_get("reactions")?,
        evidence: r.try_get("evidence")?,
        pinned: r.try_get::<i64, _>("pinned")? != 0,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn poster_columns(p: &Poster) -> (Option<i64>, Option<i64>, &str, Option<&'static str>) {
    match p {
        Poster::Customer { account, name } => (Some(account.0), None, name, None),
        Poster::Staff {
            agent,
            name,
            department,
        } => (None, Some(agent.0), name, department.map(|d| d.as_str())),
    }
}

/// Adds `delta` to the listed count of a board's status.
async fn tally(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    board: i64,
    status: &str,
    delta: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE board_statuses SET listed_ideas = listed_ideas + $1 WHERE board_id = $2 AND key = $3",
    )
    .bind(delta)
    .bind(board)
    .bind(status)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues one mail per follower of `idea` whose account has `setting` on (verified address, not
/// deleted, not `except`), with the idempotency key `{key}-{account}`. Returns how many.
async fn mail_followers(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    idea: i64,
    setting: &'static str,
    except: Option<i64>,
    key: &str,
    mail: FollowerMail<'_>,
    now: i64,
) -> Result<usize> {
    let followers = sqlx::query(&format!(
        "SELECT a.id, a.email, a.language FROM idea_followers f JOIN accounts a ON a.id = f.account_id \
         WHERE f.idea_id = $1 AND a.{setting} = 1 AND a.email_verified = 1 \
         AND a.email IS NOT NULL AND a.deleted_at IS NULL AND ($2 IS NULL OR a.id <> $2)"
    ))
    .bind(idea)
    .bind(except)
    .fetch_all(&mut **tx)
    .await?;
    for r in &followers {
        let follower = Follower {
            account: AccountId(r.try_get(0)?),
            email: r.try_get(1)?,
            language: r.try_get(2)?,
        };
        let (subject, body) = mail(&follower);
        queue_mail_tx(
            tx,
            &NewMail {
                to: follower.email.clone(),
                subject,
                body,
                idempotency_key: format!("{key}-{}", follower.account.0),
            },
            now,
        )
        .await?;
    }
    Ok(followers.len())
}

/// Writes the search terms of an idea (one multi-row insert).
async fn write_terms(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    idea: i64,
    title: &str,
    body: &str,
) -> Result<()> {
    let terms = search_terms(&format!("{title}\n{body}"), TERMS_PER_IDEA);
    if terms.is_empty() {
        return Ok(());
    }
    let mut sql = String::from("INSERT INTO idea_terms (term, idea_id) VALUES ");
    for i in 0..terms.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
    }
    sql.push_str(" ON CONFLICT DO NOTHING");
    let mut q = sqlx::query(&sql);
    for t in &terms {
        q = q.bind(t.as_str()).bind(idea);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

impl Store {
    // ----- boards -----

    /// Adds a board with the default statuses.
    pub async fn create_board(&self, new: &NewBoard, actor: Option<AgentId>) -> Result<Board> {
        let now = now_ms();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3 + DEFAULT_STATUSES.len() as u64);
        let position: i64 = sqlx::query("SELECT COALESCE(MAX(position), 0) + 1 FROM boards")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        let row = sqlx::query(
            "INSERT INTO boards (slug, name_nl, name_en, description_nl, description_en, position, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (slug) DO NOTHING RETURNING id",
        )
        .bind(&new.slug)
        .bind(&new.name_nl)
        .bind(&new.name_en)
        .bind(&new.description_nl)
        .bind(&new.description_en)
        .bind(position)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict(format!(
                "a board {:?} already exists",
                new.slug
            )));
        };
        let id: i64 = row.try_get(0)?;
        let mut statuses = Vec::new();
        for (i, (key, nl, en, colour)) in DEFAULT_STATUSES.iter().enumerate() {
            sqlx::query(
                "INSERT INTO board_statuses (board_id, key, label_nl, label_en, colour, position) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(*key)
            .bind(*nl)
            .bind(*en)
            .bind(colour.as_str())
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
            statuses.push(BoardStatus {
                key: (*key).to_owned(),
                label_nl: (*nl).to_owned(),
                label_en: (*en).to_owned(),
                colour: *colour,
                position: i as i64,
                listed_ideas: 0,
            });
        }
        audit(
            &mut tx,
            actor.map(|a| a.0),
            "board.create",
            "board",
            Some(id),
            &new.slug,
        )
        .await?;
        tx.commit().await?;
        Ok(Board {
            id: BoardId(id),
            slug: new.slug.clone(),
            name_nl: new.name_nl.clone(),
            name_en: new.name_en.clone(),
            description_nl: new.description_nl.clone(),
            description_en: new.description_en.clone(),
            position,
            statuses,
        })
    }

    /// A new installation gets the two panels of the seed: "Particulier" and "Zakelijk" (only
    /// when there are no boards at all, so removed or renamed boards stay as the admin left them).
    pub async fn ensure_default_boards(&self) -> Result<()> {
        self.counted(1);
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM boards")
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        if n > 0 {
            return Ok(());
        }
        for (slug, nl, en, dnl, den) in [
            (
                "particulier",
                "Particulier",
                "Personal",
                "Ideeën voor je betaalrekening, sparen, de app en het kantoor.",
                "Ideas for your current account, savings, the app and the branch.",
            ),
            (
                "zakelijk",
                "Zakelijk",
                "Business",
                "Ideeën van ondernemers: zakelijk betalen, boekhouden, krediet.",
                "Ideas from entrepreneurs: business payments, bookkeeping, credit.",
            ),
        ] {
            match self
                .create_board(
                    &NewBoard {
                        slug: slug.into(),
                        name_nl: nl.into(),
                        name_en: en.into(),
                        description_nl: dnl.into(),
                        description_en: den.into(),
                    },
                    None,
                )
                .await
            {
                // Another process made it meanwhile: fine.
                Ok(_) | Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Adds a status to a board or changes its labels and colour.
    pub async fn set_board_status(
        &self,
        board: BoardId,
        key: &str,
        label_nl: &str,
        label_en: &str,
        colour: IdeaColour,
        actor: AgentId,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        let position: i64 = sqlx::query(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM board_statuses WHERE board_id = $1",
        )
        .bind(board.0)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO board_statuses (board_id, key, label_nl, label_en, colour, position) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (board_id, key) DO UPDATE SET \
             label_nl = excluded.label_nl, label_en = excluded.label_en, colour = excluded.colour",
        )
        .bind(board.0)
        .bind(key)
        .bind(label_nl)
        .bind(label_en)
        .bind(colour.as_str())
        .bind(position)
        .execute(&mut *tx)
        .await?;
        // Ideas in this status take the new colour.
        sqlx::query("UPDATE ideas SET colour = $1 WHERE board_id = $2 AND status = $3")
            .bind(colour.as_str())
            .bind(board.0)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            Some(actor.0),
            "board.status",
            "board",
            Some(board.0),
            &format!("{key} = {colour}"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// All boards with their statuses and counts, in their order (two queries).
    pub async fn boards(&self) -> Result<Vec<Board>> {
        self.counted(2);
        let rows = sqlx::query(
            "SELECT id, slug, name_nl, name_en, description_nl, description_en, position FROM boards \
             ORDER BY position, id",
        )
        .fetch_all(self.pool())
        .await?;
        let status_rows = sqlx::query(
            "SELECT board_id, key, label_nl, label_en, colour, position, listed_ideas \
             FROM board_statuses ORDER BY board_id, position, key",
        )
        .fetch_all(self.pool())
        .await?;
        let mut by_board: BTreeMap<i64, Vec<BoardStatus>> = BTreeMap::new();
        for r in &status_rows {
            let colour: String = r.try_get(4)?;
            by_board
                .entry(r.try_get(0)?)
                .or_default()
                .push(BoardStatus {
                    key: r.try_get(1)?,
                    label_nl: r.try_get(2)?,
                    label_en: r.try_get(3)?,
                    colour: parse(&colour)?,
                    position: r.try_get(5)?,
                    listed_ideas: r.try_get(6)?,
                });
        }
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get(0)?;
                Ok(Board {
                    id: BoardId(id),
                    slug: r.try_get(1)?,
                    name_nl: r.try_get(2)?,
                    name_en: r.try_get(3)?,
                    description_nl: r.try_get(4)?,
                    description_en: r.try_get(5)?,
                    position: r.try_get(6)?,
                    statuses: by_board.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    // ----- ideas -----

    /// Posts an idea. The poster's vote and follow come with it (a customer supports their own
    /// idea and hears what becomes of it).
    pub async fn create_idea(&self, new: &NewIdea) -> Result<IdeaId> {
        let now = now_ms();
        let (account, agent, name, _) = poster_columns(&new.poster);
        let listed = new.hidden.is_none();
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(6);
        let status = sqlx::query(
            "SELECT key, colour FROM board_statuses WHERE board_id = $1 ORDER BY position, key LIMIT 1",
        )
        .bind(new.board.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("board"))?;
        let status_key: String = status.try_get(0)?;
        let colour: String = status.try_get(1)?;
        let own_vote = account.is_some();
        let weight = trend_weight(now);
        let row = sqlx::query(
            "INSERT INTO ideas (board_id, account_id, agent_id, author_name, title, body, status, colour, \
             votes, score, listed, hidden, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
        )
        .bind(new.board.0)
        .bind(account)
        .bind(agent)
        .bind(name)
        .bind(&new.title)
        .bind(&new.body)
        .bind(&status_key)
        .bind(&colour)
        .bind(i64::from(own_vote))
        .bind(if own_vote { 2.0 * weight } else { weight })
        .bind(i64::from(listed))
        .bind(new.hidden.map(|h| h.as_str()))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        if let Some(account) = account {
            sqlx::query(
                "INSERT INTO idea_votes (idea_id, account_id, weight, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(account)
            .bind(weight)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO idea_followers (idea_id, account_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(account)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        if listed {
            tally(&mut tx, new.board.0, &status_key, 1).await?;
        }
        write_terms(&mut tx, id, &new.title, &new.body).await?;
        let by = match (account, agent) {
            (Some(a), _) => format!("account {a}"),
            (None, Some(_)) => "staff".to_owned(),
            (None, None) => "anonymous".to_owned(),
        };
        audit(&mut tx, agent, "idea.create", "idea", Some(id), &by).await?;
        tx.commit().await?;
        Ok(IdeaId(id))
    }

    /// A page of listed ideas, plus whether there is a next page. One query.
    pub async fn list_ideas(&self, f: &IdeaFilter) -> Result<(Vec<IdeaSummary>, bool)> {
        let mut sql = format!("SELECT {SUMMARY_COLUMNS} FROM ideas i WHERE i.listed = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if f.board.is_some() {
            sql.push_str(&format!(" AND i.board_id = {}", next()));
        }
        if f.status.is_some() {
            sql.push_str(&format!(" AND i.status = {}", next()));
        }
        for _ in &f.terms {
            sql.push_str(&format!(
                " AND i.id IN (SELECT t.idea_id FROM idea_terms t WHERE t.term = {})",
                next()
            ));
        }
        let order = match f.sort {
            IdeaSort::Trending => "i.score DESC, i.id DESC",
            IdeaSort::Newest => "i.created_at DESC, i.id DESC",
            IdeaSort::MostVotes => "i.votes DESC, i.id DESC",
            IdeaSort::RecentlyUpdated => "i.updated_at DESC, i.id DESC",
        };
        sql.push_str(&format!(
            " ORDER BY {order} LIMIT {} OFFSET {}",
            next(),
            next()
        ));
        let mut q = sqlx::query(&sql);
        if let Some(b) = f.board {
            q = q.bind(b.0);
        }
        if let Some(s) = &f.status {
            q = q.bind(s.as_str());
        }
        for t in &f.terms {
            q = q.bind(t.as_str());
        }
        let limit = f.limit.clamp(1, 100);
        q = q.bind(limit + 1).bind(f.offset.max(0));
        self.counted(1);
        let rows = q.fetch_all(self.pool()).await?;
        let mut ideas = rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<Vec<_>>>()?;
        let more = ideas.len() as i64 > limit;
        ideas.truncate(limit as usize);
        Ok((ideas, more))
    }

    /// Pinned, listed ideas (of one board or all), shown above the list.
    pub async fn pinned_ideas(&self, board: Option<BoardId>) -> Result<Vec<IdeaSummary>> {
        self.counted(1);
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM ideas i WHERE i.pinned = 1 AND i.listed = 1 \
             AND ($1 IS NULL OR i.board_id = $1) ORDER BY i.updated_at DESC LIMIT 10"
        ))
        .bind(board.map(|b| b.0))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// Ideas that share the most search terms with `terms` (duplicate detection while typing).
    pub async fn similar_ideas(
        &self,
        terms: &[String],
        board: Option<BoardId>,
        limit: i64,
    ) -> Result<Vec<IdeaSummary>> {
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..terms.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM ideas i JOIN (SELECT t.idea_id, COUNT(*) AS hits FROM idea_terms t \
             WHERE t.term IN ({}) GROUP BY t.idea_id HAVING COUNT(*) >= {}) m ON m.idea_id = i.id \
             WHERE i.listed = 1 AND ($1 IS NULL OR i.board_id = $1) \
             ORDER BY m.hits DESC, i.votes DESC, i.id DESC LIMIT {}",
            placeholders.join(", "),
            // An idea that shares one common word with a long title is not "similar".
            if terms.len() >= 4 { 2 } else { 1 },
            limit.clamp(1, 20)
        );
        let mut q = sqlx::query(&sql).bind(board.map(|b| b.0));
        for t in terms {
            q = q.bind(t.as_str());
        }
        self.counted(1);
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// One idea with its history, reactions and evidence counts (four queries). Hidden and
    /// merged ideas are returned too: the page shows why, or redirects.
    pub async fn idea(&self, id: IdeaId) -> Result<Option<IdeaDetail>> {
        self.counted(1);
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}, i.body, i.account_id, i.hidden, i.hidden_reason, i.merged_into \
             FROM ideas i WHERE i.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let summary = summary_from_row(&row)?;
        self.counted(3);
        let history = sqlx::query(
            "SELECT status, colour, explanation, agent_name, department, created_at \
             FROM idea_status_changes WHERE idea_id = $1 ORDER BY created_at, id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            let colour: String = r.try_get(1)?;
            Ok(StatusChange {
                status: r.try_get(0)?,
                colour: parse(&colour)?,
                explanation: r.try_get(2)?,
                agent_name: r.try_get(3)?,
                department: opt_parse(r.try_get(4)?)?,
                created_at: r.try_get(5)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let reactions = sqlx::query(
            "SELECT id, parent_id, account_id, agent_id, author_name, department, body, hidden, \
             hidden_reason, created_at FROM idea_reactions WHERE idea_id = $1 ORDER BY created_at, id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(ReactionView {
                id: ReactionId(r.try_get(0)?),
                parent_id: r.try_get::<Option<i64>, _>(1)?.map(ReactionId),
                account_id: r.try_get::<Option<i64>, _>(2)?.map(AccountId),
                staff: r.try_get::<Option<i64>, _>(3)?.is_some(),
                author_name: r.try_get(4)?,
                department: opt_parse(r.try_get(5)?)?,
                body: r.try_get(6)?,
                hidden: opt_parse(r.try_get(7)?)?,
                hidden_reason: r.try_get(8)?,
                created_at: r.try_get(9)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let evidence_by_kind = sqlx::query(
            "SELECT s.kind, COUNT(DISTINCT COALESCE(m.author_id, -m.id)) FROM idea_evidence e \
             JOIN messages m ON m.id = e.message_id JOIN sources s ON s.id = m.source_id \
             WHERE e.idea_id = $1 GROUP BY s.kind ORDER BY s.kind",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(IdeaDetail {
            summary,
            body: row.try_get("body")?,
            account_id: row.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
            hidden: opt_parse(row.try_get("hidden")?)?,
            hidden_reason: row.try_get("hidden_reason")?,
            merged_into: row.try_get::<Option<i64>, _>("merged_into")?.map(IdeaId),
            history,
            reactions,
            evidence_by_kind,
        }))
    }

    /// Which of `ideas` this account voted for and follows (two queries, for a whole page).
    pub async fn my_marks(
        &self,
        account: AccountId,
        ideas: &[IdeaId],
    ) -> Result<(HashSet<IdeaId>, HashSet<IdeaId>)> {
        if ideas.is_empty() {
            return Ok((HashSet::new(), HashSet::new()));
        }
        let list: Vec<String> = ideas.iter().map(|i| i.0.to_string()).collect();
        let list = list.join(", ");
        self.counted(2);
        let mut out = (HashSet::new(), HashSet::new());
        for (table, set) in [("idea_votes", &mut out.0), ("idea_followers", &mut out.1)] {
            let rows = sqlx::query(&format!(
                "SELECT idea_id FROM {table} WHERE account_id = $1 AND idea_id IN ({list})"
            ))
            .bind(account.0)
            .fetch_all(self.pool())
            .await?;
            for r in rows {
                set.insert(IdeaId(r.try_get(0)?));
            }
        }
        Ok(out)
    }

    /// One vote per account and idea: the primary key decides under concurrent requests, and
    /// the counter and score move only when the row was inserted.
    pub async fn vote(&self, idea: IdeaId, account: AccountId) -> Result<VoteOutcome> {
        let now = now_ms();
        let weight = trend_weight(now);
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let open = sqlx::query("SELECT listed FROM ideas WHERE id = $1")
            .bind(idea.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("idea"))?;
        if open.try_get::<i64, _>(0)? == 0 {
            return Err(StoreError::Conflict("this idea is hidden or merged".into()));
        }
        let inserted = sqlx::query(
            "INSERT INTO idea_votes (idea_id, account_id, weight, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (idea_id, account_id) DO NOTHING",
        )
        .bind(idea.0)
        .bind(account.0)
        .bind(weight)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(VoteOutcome::AlreadyVoted);
        }
        self.counted(1);
        sqlx::query("UPDATE ideas SET votes = votes + 1, score = score + $1 WHERE id = $2")
            .bind(weight)
            .bind(idea.0)
            .execute(&mut *tx)
            .await?;
        crate::audit(
            &mut tx,
            None,
            "idea.vote",
            "idea",
            Some(idea.0),
            &format!("account {}", account.0),
        )
        .await?;
        tx.commit().await?;
        Ok(VoteOutcome::Added)
    }

    /// Takes a vote back; `false` when there was none.
    pub async fn unvote(&self, idea: IdeaId, account: AccountId) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(1);
        let row = sqlx::query(
            "DELETE FROM idea_votes WHERE idea_id = $1 AND account_id = $2 RETURNING weight",
        )
        .bind(idea.0)
        .bind(account.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let weight: f64 = row.try_get(0)?;
        self.counted(1);
        sqlx::query("UPDATE ideas SET votes = votes - 1, score = score - $1 WHERE id = $2")
            .bind(weight)
            .bind(idea.0)
            .execute(&mut *tx)
            .await?;
        crate::audit(
            &mut tx,
            None,
            "idea.unvote",
            "idea",
            Some(idea.0),
            &format!("account {}", account.0),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Follows (or stops following) an idea.
    pub async fn follow(&self, idea: IdeaId, account: AccountId, on: bool) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = if on {
            sqlx::query(
                "INSERT INTO idea_followers (idea_id, account_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (idea_id, account_id) DO NOTHING",
            )
            .bind(idea.0)
            .bind(account.0)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?
        } else {
            sqlx::query("DELETE FROM idea_followers WHERE idea_id = $1 AND account_id = $2")
                .bind(idea.0)
                .bind(account.0)
                .execute(&mut *tx)
                .await?
        };
        if done.rows_affected() > 0 {
            let action = if on { "idea.follow" } else { "idea.unfollow" };
            let detail = format!("account {}", account.0);
            audit(&mut tx, None, action, "idea", Some(idea.0), &detail).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a reaction (threaded one level: a reply to a reply hangs under the same parent).
    pub async fn add_reaction(&self, new: &NewReaction) -> Result<ReactionId> {
        self.add_reaction_notifying(new, None).await
    }

    /// Adds a reaction and, in the same transaction, a mail (built by `mail`) to every follower
    /// of the idea who asked for reaction mail — not to the one who wrote it, and not when the
    /// reaction is held for review.
    pub async fn add_reaction_notifying(
        &self,
        new: &NewReaction,
        mail: Option<FollowerMail<'_>>,
    ) -> Result<ReactionId> {
        let now = now_ms();
        let (account, agent, name, department) = poster_columns(&new.poster);
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        let exists = sqlx::query("SELECT id FROM ideas WHERE id = $1 AND merged_into IS NULL")
            .bind(new.idea.0)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound("idea"));
        }
        let parent = match new.parent {
            None => None,
            Some(p) => {
                self.counted(1);
                let row = sqlx::query(
                    "SELECT id, parent_id FROM idea_reactions WHERE id = $1 AND idea_id = $2",
                )
                .bind(p.0)
                .bind(new.idea.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound("reaction"))?;
                let grand: Option<i64> = row.try_get(1)?;
                Some(grand.unwrap_or(p.0))
            }
        };
        let row = sqlx::query(
            "INSERT INTO idea_reactions (idea_id, parent_id, account_id, agent_id, author_name, \
             department, body, hidden, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(new.idea.0)
        .bind(parent)
        .bind(account)
        .bind(agent)
        .bind(name)
        .bind(department)
        .bind(&new.body)
        .bind(new.hidden.map(|h| h.as_str()))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        let staff = agent.is_some();
        sqlx::query(
            "UPDATE ideas SET reactions = reactions + $1, updated_at = $2, \
             first_staff_answer_at = CASE WHEN $3 = 1 AND first_staff_answer_at IS NULL THEN $2 \
             ELSE first_staff_answer_at END WHERE id = $4",
        )
        .bind(i64::from(new.hidden.is_none()))
        .bind(now)
        .bind(i64::from(staff))
        .bind(new.idea.0)
        .execute(&mut *tx)
        .await?;
        if let Some(agent) = agent {
            audit(
                &mut tx,
                Some(agent),
                "idea.answer",
                "idea",
                Some(new.idea.0),
                &format!("reaction {id}"),
            )
            .await?;
        }
        if let (Some(mail), None) = (mail, new.hidden) {
            let queued = mail_followers(
                &mut tx,
                new.idea.0,
                "notify_reactions",
                account,
                &format!("reaction-{id}"),
                mail,
                now,
            )
            .await?;
            self.counted(1 + queued as u64);
        }
        tx.commit().await?;
        Ok(ReactionId(id))
    }

    /// Sets the status of an idea with its public explanation. In the same transaction:
    /// the history entry, the board counts, one mail per follower who wants status mail
    /// (`mail` builds it from the follower's language), and — when `social_reply` is given —
    /// a reply in the outbox for every conversation whose message is attached as evidence.
    pub async fn set_idea_status(
        &self,
        idea: IdeaId,
        status: &str,
        explanation: &str,
        staff: (AgentId, &str, Option<Department>),
        mail: FollowerMail<'_>,
        social_reply: Option<SocialReply<'_>>,
    ) -> Result<StatusOutcome> {
        let now = now_ms();
        let (agent, agent_name, department) = staff;
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(5);
        let row = sqlx::query("SELECT board_id, status, listed FROM ideas WHERE id = $1")
            .bind(idea.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("idea"))?;
        let board: i64 = row.try_get(0)?;
        let old: String = row.try_get(1)?;
        let listed = row.try_get::<i64, _>(2)? != 0;
        let colour: String =
            sqlx::query("SELECT colour FROM board_statuses WHERE board_id = $1 AND key = $2")
                .bind(board)
                .bind(status)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound("status"))?
                .try_get(0)?;
        let change = sqlx::query(
            "INSERT INTO idea_status_changes (idea_id, status, colour, explanation, agent_id, agent_name, \
             department, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(idea.0)
        .bind(status)
        .bind(&colour)
        .bind(explanation)
        .bind(agent.0)
        .bind(agent_name)
        .bind(department.map(|d| d.as_str()))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let change: i64 = change.try_get(0)?;
        sqlx::query(
            "UPDATE ideas SET status = $1, colour = $2, updated_at = $3, status_changed_at = $3 WHERE id = $4",
        )
        .bind(status)
        .bind(&colour)
        .bind(now)
        .bind(idea.0)
        .execute(&mut *tx)
        .await?;
        if listed && old != status {
            tally(&mut tx, board, &old, -1).await?;
            tally(&mut tx, board, status, 1).await?;
        }
        let mails = mail_followers(
            &mut tx,
            idea.0,
            "notify_status",
            None,
            &format!("status-{change}"),
            mail,
            now,
        )
        .await?;
        let mut outcome = StatusOutcome {
            mails,
            ..StatusOutcome::default()
        };
        self.counted(outcome.mails as u64);
        if let Some(reply_in) = social_reply {
            self.counted(1);
            let conversations = sqlx::query(
                "SELECT m.conversation_id, s.delivery_kind, c.last_message_at, t.language \
                 FROM idea_evidence e JOIN messages m ON m.id = e.message_id \
                 JOIN sources s ON s.id = m.source_id JOIN conversations c ON c.id = m.conversation_id \
                 LEFT JOIN triage t ON t.message_id = m.id \
                 WHERE e.idea_id = $1 ORDER BY m.conversation_id, m.created_at, m.id",
            )
            .bind(idea.0)
            .fetch_all(&mut *tx)
            .await?;
            let mut seen = std::collections::HashSet::new();
            for r in &conversations {
                let conversation: i64 = r.try_get(0)?;
                if !seen.insert(conversation) {
                    continue;
                }
                let kind: String = r.try_get(1)?;
                let last_message_at: i64 = r.try_get(2)?;
                let language: Option<String> = r.try_get(3)?;
                // WhatsApp allows free text only within 24 hours of the customer's newest
                // message; later the update is not sent, and the case says why.
                if kind == wederhoor_core::DeliveryKind::Whatsapp.as_str()
                    && now
                        > last_message_at
                            .saturating_add(wederhoor_core::channel::WHATSAPP_WINDOW_MS)
                {
                    self.counted(1);
                    audit(
                        &mut tx,
                        Some(agent.0),
                        "reply.skipped",
                        "conversation",
                        Some(conversation),
                        "whatsapp_window",
                    )
                    .await?;
                    outcome.skipped += 1;
                    continue;
                }
                let text = reply_in(language.as_deref().unwrap_or("nl"));
                self.counted(1);
                sqlx::query(
                    "INSERT INTO replies (conversation_id, agent_id, text, created_at, delivery_kind, state, \
                     next_attempt_at, idempotency_key) VALUES ($1, $2, $3, $4, $5, 'queued', $4, $6)",
                )
                .bind(conversation)
                .bind(agent.0)
                .bind(text.as_str())
                .bind(now)
                .bind(kind)
                .bind(random_token())
                .execute(&mut *tx)
                .await?;
                outcome.social_replies += 1;
            }
        }
        audit(
            &mut tx,
            Some(agent.0),
            "idea.status",
            "idea",
            Some(idea.0),
            &format!(
                "{old} -> {status}; {} mails, {} replies, {} skipped",
                outcome.mails, outcome.social_replies, outcome.skipped
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Pins or unpins an idea.
    pub async fn pin_idea(&self, idea: IdeaId, pinned: bool, actor: AgentId) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query("UPDATE ideas SET pinned = $1 WHERE id = $2")
            .bind(i64::from(pinned))
            .bind(idea.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("idea"));
        }
        audit(
            &mut tx,
            Some(actor.0),
            if pinned { "idea.pin" } else { "idea.unpin" },
            "idea",
            Some(idea.0),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hides an idea (with a public reason) or shows it again (`None`). `actor` is `None` when
    /// triage hid it.
    pub async fn hide_idea(
        &self,
        idea: IdeaId,
        hide: Option<(Hidden, &str)>,
        actor: Option<AgentId>,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(4);
        let row =
            sqlx::query("SELECT board_id, status, listed, merged_into FROM ideas WHERE id = $1")
                .bind(idea.0)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound("idea"))?;
        let board: i64 = row.try_get(0)?;
        let status: String = row.try_get(1)?;
        let was_listed = row.try_get::<i64, _>(2)? != 0;
        let merged = row.try_get::<Option<i64>, _>(3)?.is_some();
        let now_listed = hide.is_none() && !merged;
        sqlx::query("UPDATE ideas SET hidden = $1, hidden_reason = $2, listed = $3 WHERE id = $4")
            .bind(hide.map(|(h, _)| h.as_str()))
            .bind(hide.map(|(_, r)| r))
            .bind(i64::from(now_listed))
            .bind(idea.0)
            .execute(&mut *tx)
            .await?;
        if was_listed != now_listed {
            tally(&mut tx, board, &status, if now_listed { 1 } else { -1 }).await?;
        }
        sqlx::query(
            "UPDATE idea_reports SET resolved_at = $1 WHERE idea_id = $2 AND reaction_id IS NULL AND resolved_at IS NULL",
        )
        .bind(now_ms())
        .bind(idea.0)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            actor.map(|a| a.0),
            if hide.is_some() {
                "idea.hide"
            } else {
                "idea.show"
            },
            "idea",
            Some(idea.0),
            hide.map_or("", |(_, r)| r),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Who wrote a reaction (a customer account, if any) and whether it is hidden now.
    pub async fn reaction_state(
        &self,
        reaction: ReactionId,
    ) -> Result<Option<(Option<AccountId>, Option<Hidden>)>> {
        self.counted(1);
        let row = sqlx::query("SELECT account_id, hidden FROM idea_reactions WHERE id = $1")
            .bind(reaction.0)
            .fetch_optional(self.pool())
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((
                r.try_get::<Option<i64>, _>(0)?.map(AccountId),
                opt_parse(r.try_get(1)?)?,
            ))),
        }
    }

    /// Hides a reaction (with a public reason) or shows it again.
    pub async fn hide_reaction(
        &self,
        reaction: ReactionId,
        hide: Option<(Hidden, &str)>,
        actor: Option<AgentId>,
    ) -> Result<IdeaId> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(5);
        let row = sqlx::query("SELECT idea_id, hidden FROM idea_reactions WHERE id = $1")
            .bind(reaction.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("reaction"))?;
        let idea: i64 = row.try_get(0)?;
        let was_shown = row.try_get::<Option<String>, _>(1)?.is_none();
        sqlx::query("UPDATE idea_reactions SET hidden = $1, hidden_reason = $2 WHERE id = $3")
            .bind(hide.map(|(h, _)| h.as_str()))
            .bind(hide.map(|(_, r)| r))
            .bind(reaction.0)
            .execute(&mut *tx)
            .await?;
        let delta = match (was_shown, hide.is_none()) {
            (true, false) => -1,
            (false, true) => 1,
            _ => 0,
        };
        sqlx::query("UPDATE ideas SET reactions = reactions + $1 WHERE id = $2")
            .bind(delta)
            .bind(idea)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE idea_reports SET resolved_at = $1 WHERE reaction_id = $2 AND resolved_at IS NULL",
        )
        .bind(now_ms())
        .bind(reaction.0)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            actor.map(|a| a.0),
            if hide.is_some() {
                "reaction.hide"
            } else {
                "reaction.show"
            },
            "idea",
            Some(idea),
            &format!("reaction {}", reaction.0),
        )
        .await?;
        tx.commit().await?;
        Ok(IdeaId(idea))
    }

    /// Merges a duplicate into another idea: votes (one per account), followers, reactions and
    /// evidence move; the duplicate stops being listed and its URL redirects.
    pub async fn merge_ideas(&self, from: IdeaId, into: IdeaId, actor: AgentId) -> Result<()> {
        if from == into {
            return Err(StoreError::Conflict(
                "an idea cannot be merged into itself".into(),
            ));
        }
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(14);
        let rows = sqlx::query(
            "SELECT id, board_id, status, listed, merged_into, created_at FROM ideas WHERE id IN ($1, $2)",
        )
        .bind(from.0)
        .bind(into.0)
        .fetch_all(&mut *tx)
        .await?;
        let find = |id: IdeaId| -> Result<&AnyRow> {
            rows.iter()
                .find(|r| r.try_get::<i64, _>(0).ok() == Some(id.0))
                .ok_or(StoreError::NotFound("idea"))
        };
        let source = find(from)?;
        let target = find(into)?;
        if source.try_get::<Option<i64>, _>(4)?.is_some() {
            return Err(StoreError::Conflict("this idea was merged already".into()));
        }
        if target.try_get::<Option<i64>, _>(4)?.is_some() {
            return Err(StoreError::Conflict(
                "the target idea was itself merged into another".into(),
            ));
        }
        let moves = [
            "INSERT INTO idea_votes (idea_id, account_id, weight, created_at) \
             SELECT $1, account_id, weight, created_at FROM idea_votes WHERE idea_id = $2 \
             ON CONFLICT (idea_id, account_id) DO NOTHING",
            "INSERT INTO idea_followers (idea_id, account_id, created_at) \
             SELECT $1, account_id, created_at FROM idea_followers WHERE idea_id = $2 \
             ON CONFLICT (idea_id, account_id) DO NOTHING",
            "INSERT INTO idea_evidence (idea_id, message_id, agent_id, created_at) \
             SELECT $1, message_id, agent_id, created_at FROM idea_evidence WHERE idea_id = $2 \
             ON CONFLICT (idea_id, message_id) DO NOTHING",
            "UPDATE idea_reactions SET idea_id = $1 WHERE idea_id = $2",
            "UPDATE idea_reports SET idea_id = $1 WHERE idea_id = $2",
        ];
        for sql in moves {
            sqlx::query(sql)
                .bind(into.0)
                .bind(from.0)
                .execute(&mut *tx)
                .await?;
        }
        for table in ["idea_votes", "idea_followers", "idea_evidence"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE idea_id = $1"))
                .bind(from.0)
                .execute(&mut *tx)
                .await?;
        }
        // Recount the target from its rows; the duplicate keeps nothing.
        let sums = sqlx::query(
            "SELECT COUNT(*), COALESCE(SUM(weight), 0) FROM idea_votes WHERE idea_id = $1",
        )
        .bind(into.0)
        .fetch_one(&mut *tx)
        .await?;
        let votes: i64 = sums.try_get(0)?;
        let weights: f64 = sums.try_get(1)?;
        let created: i64 = target.try_get(5)?;
        let reactions: i64 = sqlx::query(
            "SELECT COUNT(*) FROM idea_reactions WHERE idea_id = $1 AND hidden IS NULL",
        )
        .bind(into.0)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        let evidence: i64 = sqlx::query("SELECT COUNT(*) FROM idea_evidence WHERE idea_id = $1")
            .bind(into.0)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        sqlx::query(
            "UPDATE ideas SET votes = $1, score = $2, reactions = $3, evidence = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(votes)
        .bind(trend_weight(created) + weights)
        .bind(reactions)
        .bind(evidence)
        .bind(now_ms())
        .bind(into.0)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE ideas SET merged_into = $1, listed = 0, votes = 0, reactions = 0, evidence = 0, \
             pinned = 0 WHERE id = $2",
        )
        .bind(into.0)
        .bind(from.0)
        .execute(&mut *tx)
        .await?;
        if source.try_get::<i64, _>(3)? != 0 {
            let board: i64 = source.try_get(1)?;
            let status: String = source.try_get(2)?;
            tally(&mut tx, board, &status, -1).await?;
        }
        audit(
            &mut tx,
            Some(actor.0),
            "idea.merge",
            "idea",
            Some(from.0),
            &format!("into {}", into.0),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Attaches a message from the inbox to an idea as evidence; `false` when it was already.
    pub async fn attach_evidence(
        &self,
        idea: IdeaId,
        message: MessageId,
        actor: AgentId,
    ) -> Result<bool> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(4);
        let target = sqlx::query("SELECT merged_into FROM ideas WHERE id = $1")
            .bind(idea.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("idea"))?;
        // Attaching to a merged duplicate attaches to what it was merged into.
        let idea = target.try_get::<Option<i64>, _>(0)?.map_or(idea, IdeaId);
        let inserted = sqlx::query(
            "INSERT INTO idea_evidence (idea_id, message_id, agent_id, created_at) \
             SELECT $1, m.id, $3, $4 FROM messages m WHERE m.id = $2 \
             ON CONFLICT (idea_id, message_id) DO NOTHING",
        )
        .bind(idea.0)
        .bind(message.0)
        .bind(actor.0)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            let known = sqlx::query("SELECT id FROM messages WHERE id = $1")
                .bind(message.0)
                .fetch_optional(&mut *tx)
                .await?;
            return match known {
                None => Err(StoreError::NotFound("message")),
                Some(_) => Ok(false),
            };
        }
        sqlx::query("UPDATE ideas SET evidence = evidence + 1, updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(idea.0)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            Some(actor.0),
            "idea.evidence",
            "idea",
            Some(idea.0),
            &format!("message {}", message.0),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The ideas the messages of a conversation are attached to (for the conversation view).
    pub async fn ideas_of_conversation(
        &self,
        conversation: wederhoor_core::ConversationId,
    ) -> Result<Vec<AttachedIdea>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT DISTINCT i.id, i.title, i.status, i.colour FROM idea_evidence e \
             JOIN messages m ON m.id = e.message_id JOIN ideas i ON i.id = e.idea_id \
             WHERE m.conversation_id = $1 ORDER BY i.id",
        )
        .bind(conversation.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let colour: String = r.try_get(3)?;
                Ok(AttachedIdea {
                    idea_id: IdeaId(r.try_get(0)?),
                    title: r.try_get(1)?,
                    status: r.try_get(2)?,
                    colour: parse(&colour)?,
                })
            })
            .collect()
    }

    // ----- moderation -----

    /// A report of an idea or a reaction by a visitor (account optional).
    pub async fn report(
        &self,
        idea: IdeaId,
        reaction: Option<ReactionId>,
        account: Option<AccountId>,
        reason: &str,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query(
            "INSERT INTO idea_reports (idea_id, reaction_id, account_id, reason, created_at) \
             SELECT i.id, $2, $3, $4, $5 FROM ideas i WHERE i.id = $1",
        )
        .bind(idea.0)
        .bind(reaction.map(|r| r.0))
        .bind(account.map(|a| a.0))
        .bind(reason)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("idea"));
        }
        let detail = match reaction {
            Some(r) => format!("reaction {}", r.0),
            None => String::new(),
        };
        audit(&mut tx, None, "idea.report", "idea", Some(idea.0), &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Open reports, oldest first.
    pub async fn open_reports(&self, limit: i64) -> Result<Vec<ReportView>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT r.id, r.idea_id, i.title, r.reaction_id, COALESCE(x.body, i.body), r.reason, r.created_at \
             FROM idea_reports r JOIN ideas i ON i.id = r.idea_id \
             LEFT JOIN idea_reactions x ON x.id = r.reaction_id \
             WHERE r.resolved_at IS NULL ORDER BY r.created_at, r.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReportView {
                    id: r.try_get(0)?,
                    idea_id: IdeaId(r.try_get(1)?),
                    idea_title: r.try_get(2)?,
                    reaction_id: r.try_get::<Option<i64>, _>(3)?.map(ReactionId),
                    text: r.try_get(4)?,
                    reason: r.try_get(5)?,
                    created_at: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// Closes a report without hiding anything (the post is fine).
    pub async fn dismiss_report(&self, id: i64, actor: AgentId) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        sqlx::query("UPDATE idea_reports SET resolved_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            Some(actor.0),
            "report.dismiss",
            "report",
            Some(id),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Posts hidden by triage that wait for a person (ideas and reactions), oldest first.
    pub async fn pending_posts(&self, limit: i64) -> Result<Vec<PendingPost>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT id, NULL AS reaction_id, title, body, author_name, created_at FROM ideas WHERE hidden = 'pending_review' \
             UNION ALL \
             SELECT x.idea_id, x.id, i.title, x.body, x.author_name, x.created_at FROM idea_reactions x \
             JOIN ideas i ON i.id = x.idea_id WHERE x.hidden = 'pending_review' \
             ORDER BY 6 LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingPost {
                    idea_id: IdeaId(r.try_get(0)?),
                    reaction_id: r.try_get::<Option<i64>, _>(1)?.map(ReactionId),
                    title: r.try_get(2)?,
                    text: r.try_get(3)?,
                    author_name: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// How many ideas and reactions an account posted since `since_ms` (rate limits that hold
    /// across restarts and nodes).
    pub async fn posts_since(&self, account: AccountId, since_ms: i64) -> Result<i64> {
        self.counted(1);
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM ideas WHERE account_id = $1 AND created_at >= $2) + \
             (SELECT COUNT(*) FROM idea_reactions WHERE account_id = $1 AND created_at >= $2)",
        )
        .bind(account.0)
        .bind(since_ms)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get(0)?)
    }

    // ----- feed and reports -----

    /// The newest new ideas and status changes, merged by time (two queries).
    pub async fn feed_entries(&self, limit: i64, board: Option<BoardId>) -> Result<Vec<FeedEntry>> {
        self.counted(2);
        let board = board.map(|b| b.0);
        let ideas = sqlx::query(
            "SELECT id, title, body, author_name, created_at, board_id FROM ideas WHERE listed = 1 \
             AND ($2 IS NULL OR board_id = $2) ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .bind(board)
        .fetch_all(self.pool())
        .await?;
        let changes = sqlx::query(
            "SELECT c.idea_id, i.title, c.status, c.explanation, c.agent_name, c.created_at, i.board_id \
             FROM idea_status_changes c JOIN ideas i ON i.id = c.idea_id WHERE i.listed = 1 \
             AND ($2 IS NULL OR i.board_id = $2) ORDER BY c.created_at DESC, c.id DESC LIMIT $1",
        )
        .bind(limit)
        .bind(board)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &ideas {
            out.push(FeedEntry {
                idea_id: IdeaId(r.try_get(0)?),
                board_id: BoardId(r.try_get(5)?),
                title: r.try_get(1)?,
                status: None,
                text: r.try_get(2)?,
                author_name: r.try_get(3)?,
                at: r.try_get(4)?,
            });
        }
        for r in &changes {
            out.push(FeedEntry {
                idea_id: IdeaId(r.try_get(0)?),
                board_id: BoardId(r.try_get(6)?),
                title: r.try_get(1)?,
                status: Some(r.try_get(2)?),
                text: r.try_get(3)?,
                author_name: r.try_get(4)?,
                at: r.try_get(5)?,
            });
        }
        out.sort_by_key(|e| std::cmp::Reverse(e.at));
        out.truncate(limit.max(0) as usize);
        Ok(out)
    }

    /// Figures for the staff report.
    pub async fn feedback_report(&self) -> Result<FeedbackReport> {
        // Ideas per board and status are the boards' own counts (`board_statuses.listed_ideas`).
        let boards = self.boards().await?;
        self.counted(3);
        let mut waits: Vec<i64> = sqlx::query(
            "SELECT first_staff_answer_at - created_at FROM ideas \
             WHERE first_staff_answer_at IS NOT NULL AND merged_into IS NULL",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<Vec<_>, _>>()?;
        waits.sort_unstable();
        let pct = |p: f64| -> Option<i64> {
            if waits.is_empty() {
                None
            } else {
                let at = ((waits.len() - 1) as f64 * p).round() as usize;
                waits.get(at).copied()
            }
        };
        let waiting = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM ideas i WHERE i.listed = 1 AND i.colour = 'grey' \
             ORDER BY i.created_at, i.id LIMIT 20"
        ))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(summary_from_row)
        .collect::<Result<Vec<_>>>()?;
        let waiting_total = boards
            .iter()
            .flat_map(|b| b.statuses.iter())
            .filter(|s| s.colour == IdeaColour::Grey)
            .map(|s| s.listed_ideas)
            .sum();
        Ok(FeedbackReport {
            ideas_with_staff_answer: waits.len() as i64,
            first_answer_median_ms: pct(0.5),
            first_answer_p90_ms: pct(0.9),
            waiting,
            waiting_total,
        })
    }

    /// Sets the department an agent answers for on the feedback page.
    pub async fn set_agent_department(
        &self,
        agent: AgentId,
        department: Option<Department>,
    ) -> Result<()> {
        let _guard = self.writer().await;
        self.counted(1);
        sqlx::query("UPDATE agents SET department = $1 WHERE id = $2")
            .bind(department.map(|d| d.as_str()))
            .bind(agent.0)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The department of an agent, if set.
    pub async fn agent_department(&self, agent: AgentId) -> Result<Option<Department>> {
        self.counted(1);
        let row = sqlx::query("SELECT department FROM agents WHERE id = $1")
            .bind(agent.0)
            .fetch_optional(self.pool())
            .await?;
        match row {
            None => Ok(None),
            Some(r) => opt_parse(r.try_get(0)?),
        }
    }
}
