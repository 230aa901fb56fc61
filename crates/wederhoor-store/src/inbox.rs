//! Conversations (cases) as the inbox reads and changes them.

use crate::{Result, Store, StoreError, audit, now_ms, random_token};
use sqlx::Row;
use sqlx::any::AnyRow;
use wederhoor_core::{
    Action, AgentId, CaseState, ConversationId, DeliveryKind, DeliveryState, MessageId, PiiSpan,
    ReplyId, SourceId,
};

/// Which conversations the inbox shows. Every field narrows the list; `None` means "all".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationFilter {
    pub verdict: Option<Action>,
    pub source: Option<SourceId>,
    pub language: Option<String>,
    pub topic: Option<String>,
    pub state: Option<CaseState>,
    /// `Some(id)`: owned by that agent.
    pub owner: Option<AgentId>,
    pub unassigned: bool,
    /// The order of the list (not a filter: counts ignore it).
    pub sort: InboxSort,
    /// `Some(now)`: leave out cases snoozed until after `now` (the counts still hold them).
    pub awake_at: Option<i64>,
}

/// The order of the inbox list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InboxSort {
    /// Newest activity first.
    #[default]
    Newest,
    /// Most urgent first; among equals, the one waiting longest.
    Priority,
    /// Conversations still waiting for our answer (not closed or waiting for the customer, no
    /// reply since their newest message) first, the one waiting longest at the top.
    Waiting,
    /// The case whose service-level target falls due first at the top (as the service-level
    /// sweep computed it); cases without a target last.
    Due,
}

impl InboxSort {
    pub const ALL: &'static [InboxSort] = &[
        InboxSort::Newest,
        InboxSort::Priority,
        InboxSort::Waiting,
        InboxSort::Due,
    ];

    /// `newest`, `priority` or `waiting`.
    pub fn parse(s: &str) -> Option<InboxSort> {
        InboxSort::ALL.iter().copied().find(|o| o.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InboxSort::Newest => "newest",
            InboxSort::Priority => "priority",
            InboxSort::Waiting => "waiting",
            InboxSort::Due => "due",
        }
    }

    fn order_sql(self) -> &'static str {
        match self {
            InboxSort::Newest => "c.last_message_at DESC, c.id DESC",
            InboxSort::Priority => "c.priority DESC, c.last_message_at ASC, c.id ASC",
            InboxSort::Waiting => {
                "CASE WHEN c.state IN ('closed', 'waiting') OR EXISTS (SELECT 1 FROM replies r \
                 WHERE r.conversation_id = c.id AND r.created_at >= c.last_message_at) THEN 1 ELSE 0 END, \
                 c.last_message_at ASC, c.id ASC"
            }
            InboxSort::Due => {
                "CASE WHEN c.due_at IS NULL OR c.state = 'closed' THEN 1 ELSE 0 END, c.due_at ASC, \
                 c.last_message_at ASC, c.id ASC"
            }
        }
    }
}

/// One row of the inbox list.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub source_id: SourceId,
    pub source_name: String,
    pub author_handle: Option<String>,
    pub author_name: Option<String>,
    pub state: CaseState,
    pub owner_id: Option<AgentId>,
    pub owner_name: Option<String>,
    pub verdict: Action,
    pub priority: i64,
    pub language: String,
    pub topics: Vec<String>,
    pub snippet: String,
    pub message_count: i64,
    pub created_at: i64,
    pub last_message_at: i64,
    /// Why the case was flagged for a lead (reach that grew), if it was.
    pub lead_flag: Option<String>,
    #[serde(skip)]
    pub author_id: Option<i64>,
    /// When the team first replied (the service-level timer's first target).
    pub first_reply_at: Option<i64>,
    /// Snoozed or promised until then (the case leaves the inbox until then).
    pub snoozed_until: Option<i64>,
    /// The follow-up promise's note, if the snooze is one.
    pub snooze_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VerdictCount {
    pub verdict: Action,
    pub count: i64,
}

/// A message with its author and triage, as shown in the conversation view.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MessageView {
    pub id: MessageId,
    pub external_id: String,
    pub text: String,
    pub author_handle: Option<String>,
    pub author_name: Option<String>,
    pub followers: i64,
    pub created_at: i64,
    pub reposts: i64,
    pub likes: i64,
    pub language: String,
    pub sentiment_label: String,
    pub sentiment_score: f64,
    pub abusive: bool,
    pub pii: Vec<PiiSpan>,
    pub topics: Vec<String>,
    pub priority: i64,
    pub action: Action,
    pub rule: String,
    pub reason: String,
    pub rules_version: Option<i64>,
    /// The winning rule's terms found in the text (what the inbox highlights).
    pub evidence: Vec<String>,
    /// How sure the engine was of the verdict (0..1).
    pub confidence: f64,
    /// When its author edited it on the platform (the text is the newest version).
    pub edited_at: Option<i64>,
    /// When its author deleted it on the platform.
    pub deleted_at: Option<i64>,
}

/// A reply with its delivery state.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReplyView {
    pub id: ReplyId,
    pub agent_name: String,
    pub text: String,
    pub created_at: i64,
    pub delivery_kind: DeliveryKind,
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    /// The name the reply is signed with (the channel's signature policy at the time).
    pub signature: String,
    pub agent_id: AgentId,
    /// Marked as a direct message (`Some(true)`) or public (`Some(false)`) by "take it
    /// private"; `None`: as the case state says.
    pub direct: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NoteView {
    pub agent_name: String,
    pub text: String,
    pub created_at: i64,
}

/// A conversation with everything in it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConversationDetail {
    pub summary: ConversationSummary,
    pub messages: Vec<MessageView>,
    pub replies: Vec<ReplyView>,
    pub notes: Vec<NoteView>,
}

const SUMMARY_SELECT: &str = "SELECT c.id, c.source_id, s.name AS source_name, a.handle, a.name AS author_name, \
     c.state, c.owner_id, g.display_name AS owner_name, c.verdict, c.priority, c.language, c.topics, \
     c.snippet, c.message_count, c.created_at, c.last_message_at, c.lead_flag, c.author_id, \
     (SELECT MIN(r.created_at) FROM replies r WHERE r.conversation_id = c.id) AS first_reply_at, \
     c.snoozed_until, c.snooze_note \
     FROM conversations c JOIN sources s ON s.id = c.source_id \
     LEFT JOIN authors a ON a.id = c.author_id LEFT JOIN agents g ON g.id = c.owner_id";

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

pub(crate) fn message_view_from_row(r: &AnyRow) -> Result<MessageView> {
    let pii: String = r.try_get(13)?;
    let topics: String = r.try_get(14)?;
    let action: String = r.try_get(16)?;
    Ok(MessageView {
        id: MessageId(r.try_get(0)?),
        external_id: r.try_get(1)?,
        text: r.try_get(2)?,
        author_handle: r.try_get(3)?,
        author_name: r.try_get(4)?,
        followers: r.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
        created_at: r.try_get(6)?,
        reposts: r.try_get(7)?,
        likes: r.try_get(8)?,
        language: r.try_get(9)?,
        sentiment_label: r.try_get(10)?,
        sentiment_score: r.try_get(11)?,
        abusive: r.try_get::<i64, _>(12)? != 0,
        pii: serde_json::from_str(&pii).map_err(corrupt)?,
        topics: serde_json::from_str(&topics).map_err(corrupt)?,
        priority: r.try_get(15)?,
        action: action.parse().map_err(corrupt)?,
        rule: r.try_get(17)?,
        reason: r.try_get(18)?,
        rules_version: r.try_get(19)?,
        evidence: serde_json::from_str(&r.try_get::<String, _>(20)?).map_err(corrupt)?,
        confidence: r.try_get("confidence")?,
        edited_at: r.try_get("edited_at")?,
        deleted_at: r.try_get("deleted_at")?,
    })
}

pub(crate) fn reply_view_from_row(r: &AnyRow) -> Result<ReplyView> {
    let kind: String = r.try_get(4)?;
    let state: String = r.try_get(5)?;
    Ok(ReplyView {
        id: ReplyId(r.try_get(0)?),
        agent_name: r.try_get(1)?,
        text: r.try_get(2)?,
        created_at: r.try_get(3)?,
        delivery_kind: kind.parse().map_err(corrupt)?,
        state: state.parse().map_err(corrupt)?,
        attempts: r.try_get(6)?,
        last_error: r.try_get(7)?,
        sent_at: r.try_get(8)?,
        signature: r.try_get("signature")?,
        agent_id: AgentId(r.try_get("agent_id")?),
        direct: r.try_get::<Option<i64>, _>("direct")?.map(|d| d != 0),
    })
}

fn summary_from_row(r: &AnyRow) -> Result<ConversationSummary> {
    let state: String = r.try_get("state")?;
    let verdict: String = r.try_get("verdict")?;
    let topics: String = r.try_get("topics")?;
    Ok(ConversationSummary {
        id: ConversationId(r.try_get("id")?),
        source_id: SourceId(r.try_get("source_id")?),
        source_name: r.try_get("source_name")?,
        author_handle: r.try_get("handle")?,
        author_name: r.try_get("author_name")?,
        state: state.parse().map_err(corrupt)?,
        owner_id: r.try_get::<Option<i64>, _>("owner_id")?.map(AgentId),
        owner_name: r.try_get("owner_name")?,
        verdict: verdict.parse().map_err(corrupt)?,
        priority: r.try_get("priority")?,
        language: r.try_get("language")?,
        topics: topics
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        snippet: r.try_get("snippet")?,
        message_count: r.try_get("message_count")?,
        created_at: r.try_get("created_at")?,
        last_message_at: r.try_get("last_message_at")?,
        lead_flag: r.try_get("lead_flag")?,
        author_id: r.try_get("author_id")?,
        first_reply_at: r.try_get("first_reply_at")?,
        snoozed_until: r.try_get("snoozed_until")?,
        snooze_note: r.try_get("snooze_note")?,
    })
}

/// Builds the WHERE clause of a filter; returns the SQL and the values to bind, in order.
fn filter_sql(filter: &ConversationFilter, skip_verdict: bool) -> (String, Vec<FilterValue>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    let mut push = |clause: &str, value: FilterValue| {
        values.push(value);
        clauses.push(clause.replace('?', &format!("${}", values.len())));
    };
    if let (Some(v), false) = (filter.verdict, skip_verdict) {
        push("c.verdict = ?", FilterValue::Text(v.as_str().to_owned()));
    }
    if let Some(s) = filter.source {
        push("c.source_id = ?", FilterValue::Int(s.0));
    }
    if let Some(l) = &filter.language {
        push("c.language = ?", FilterValue::Text(l.clone()));
    }
    if let Some(t) = &filter.topic {
        push("c.topics LIKE ?", FilterValue::Text(format!("%,{t},%")));
    }
    if let Some(s) = filter.state {
        push("c.state = ?", FilterValue::Text(s.as_str().to_owned()));
    }
    if let Some(o) = filter.owner {
        push("c.owner_id = ?", FilterValue::Int(o.0));
    }
    if let (Some(now), false) = (filter.awake_at, skip_verdict) {
        push(
            "(c.snoozed_until IS NULL OR c.snoozed_until <= ?)",
            FilterValue::Int(now),
        );
    }
    if filter.unassigned {
        clauses.push("c.owner_id IS NULL".to_owned());
    }
    if clauses.is_empty() {
        (String::new(), values)
    } else {
        (format!(" WHERE {}", clauses.join(" AND ")), values)
    }
}

enum FilterValue {
    Text(String),
    Int(i64),
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    values: &[FilterValue],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for v in values {
        q = match v {
            FilterValue::Text(t) => q.bind(t.clone()),
            FilterValue::Int(i) => q.bind(*i),
        };
    }
    q
}

impl Store {
    /// One page of the inbox in the filter's order (newest activity first by default). One
    /// query, whatever the page size and order.
    pub async fn list_conversations(
        &self,
        filter: &ConversationFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ConversationSummary>> {
        let (where_sql, values) = filter_sql(filter, false);
        let n = values.len();
        let sql = format!(
            "{SUMMARY_SELECT}{where_sql} ORDER BY {} LIMIT ${} OFFSET ${}",
            filter.sort.order_sql(),
            n + 1,
            n + 2
        );
        self.counted(1);
        let rows = bind_all(sqlx::query(&sql), &values)
            .bind(limit)
            .bind(offset)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// How many conversations match the filter, per verdict (the verdict filter itself is left
    /// out so the counts show what each verdict tab would hold). Read from the tallies the
    /// triggers keep, except for a topic filter, which counts the conversations themselves.
    pub async fn count_conversations_by_verdict(
        &self,
        filter: &ConversationFilter,
    ) -> Result<Vec<VerdictCount>> {
        let sql = if filter.topic.is_some() {
            let (where_sql, _) = filter_sql(filter, true);
            format!(
                "SELECT c.verdict, COUNT(*) FROM conversations c{where_sql} GROUP BY c.verdict ORDER BY c.verdict"
            )
        } else {
            let tally_filter = ConversationFilter {
                owner: filter.owner,
                unassigned: false,
                ..filter.clone()
            };
            let (where_sql, _) = filter_sql(&tally_filter, true);
            let unassigned = match (filter.unassigned, where_sql.is_empty()) {
                (false, _) => String::new(),
                (true, true) => " WHERE c.owner_id = 0".to_owned(),
                (true, false) => " AND c.owner_id = 0".to_owned(),
            };
            format!(
                "SELECT c.verdict, CAST(SUM(c.n) AS BIGINT) FROM conversation_tallies c{where_sql}{unassigned} \
                 GROUP BY c.verdict HAVING SUM(c.n) > 0 ORDER BY c.verdict"
            )
        };
        let (_, values) = filter_sql(
            &ConversationFilter {
                unassigned: false,
                ..filter.clone()
            },
            true,
        );
        self.counted(1);
        let rows = bind_all(sqlx::query(&sql), &values)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let v: String = r.try_get(0)?;
                Ok(VerdictCount {
                    verdict: v.parse().map_err(corrupt)?,
                    count: r.try_get(1)?,
                })
            })
            .collect()
    }

    pub async fn conversation_summary(
        &self,
        id: ConversationId,
    ) -> Result<Option<ConversationSummary>> {
        self.counted(1);
        let row = sqlx::query(&format!("{SUMMARY_SELECT} WHERE c.id = $1"))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(summary_from_row).transpose()
    }

    /// A conversation with its messages, replies and notes: four queries, whatever its length.
    pub async fn conversation(&self, id: ConversationId) -> Result<Option<ConversationDetail>> {
        let Some(summary) = self.conversation_summary(id).await? else {
            return Ok(None);
        };
        self.counted(3);
        let rows = sqlx::query(
            "SELECT m.id, m.external_id, m.text, a.handle, a.name, a.followers, m.created_at, m.reposts, m.likes, \
             t.language, t.sentiment_label, t.sentiment_score, t.abusive, t.pii, t.topics, t.priority, \
             t.action, t.rule, t.reason, t.rules_version, t.evidence, m.edited_at, m.deleted_at, t.confidence \
             FROM messages m JOIN triage t ON t.message_id = m.id LEFT JOIN authors a ON a.id = m.author_id \
             WHERE m.conversation_id = $1 ORDER BY m.created_at, m.id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?;
        let messages = rows
            .iter()
            .map(message_view_from_row)
            .collect::<Result<Vec<_>>>()?;
        let rows = sqlx::query(
            "SELECT r.id, g.display_name, r.text, r.created_at, r.delivery_kind, r.state, r.attempts, \
             r.last_error, r.sent_at, COALESCE(r.signature, g.display_name) AS signature, r.agent_id, r.direct \
             FROM replies r JOIN agents g ON g.id = r.agent_id \
             WHERE r.conversation_id = $1 ORDER BY r.created_at, r.id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?;
        let replies = rows
            .iter()
            .map(reply_view_from_row)
            .collect::<Result<Vec<_>>>()?;
        let rows = sqlx::query(
            "SELECT g.display_name, n.text, n.created_at FROM notes n JOIN agents g ON g.id = n.agent_id \
             WHERE n.conversation_id = $1 ORDER BY n.created_at, n.id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?;
        let notes = rows
            .iter()
            .map(|r| {
                Ok(NoteView {
                    agent_name: r.try_get(0)?,
                    text: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(ConversationDetail {
            summary,
            messages,
            replies,
            notes,
        }))
    }

    /// Puts a reply in the outbox and moves the case to `waiting`, in one transaction. The reply
    /// is delivered later by the outbox worker (webhook) or marked sent by the agent (manual).
    pub async fn add_reply(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        text: &str,
    ) -> Result<ReplyId> {
        self.add_signed_reply(conversation, agent, text, None).await
    }

    /// [`Store::add_reply`] with the signature the reply goes out with (`None`: the agent's
    /// display name, as read at delivery).
    pub async fn add_signed_reply(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        text: &str,
        signature: Option<&str>,
    ) -> Result<ReplyId> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(5);
        let reply = insert_reply(&mut tx, conversation, agent, text, signature, None).await?;
        tx.commit().await?;
        Ok(reply)
    }

    /// Replies other agents than `agent` queued on a conversation at or after `since` (UTC ms):
    /// their authors' names and times, oldest first.
    pub async fn replies_by_others_since(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        since: i64,
    ) -> Result<Vec<(String, i64)>> {
        self.counted(1);
        let rows = sqlx::query(
            "SELECT g.display_name, r.created_at FROM replies r JOIN agents g ON g.id = r.agent_id \
             WHERE r.conversation_id = $1 AND r.agent_id <> $2 AND r.created_at >= $3 \
             ORDER BY r.created_at, r.id",
        )
        .bind(conversation.0)
        .bind(agent.0)
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn add_note(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        text: &str,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        exists(&mut tx, conversation).await?;
        let row = sqlx::query("INSERT INTO notes (conversation_id, agent_id, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(conversation.0)
            .bind(agent.0)
            .bind(text)
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await?;
        let terms = crate::search::index_terms(text);
        let mut statements = 0;
        crate::search::index_documents(
            self.backend(),
            &mut tx,
            &[(crate::search::note_doc(row.try_get(0)?), &terms)],
            &mut statements,
        )
        .await?;
        self.counted(statements);
        audit(
            &mut tx,
            Some(agent.0),
            "note.add",
            "conversation",
            Some(conversation.0),
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gives a case to an agent, or takes it back (`None`).
    pub async fn assign(
        &self,
        conversation: ConversationId,
        owner: Option<AgentId>,
        actor: AgentId,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(3);
        let done = sqlx::query(
            "UPDATE conversations SET owner_id = $1, state = CASE WHEN state = 'new' THEN 'open' ELSE state END \
             WHERE id = $2",
        )
        .bind(owner.map(|o| o.0))
        .bind(conversation.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("conversation"));
        }
        let detail = match owner {
            Some(o) => format!("assigned to agent {o}"),
            None => "unassigned".to_owned(),
        };
        audit(
            &mut tx,
            Some(actor.0),
            "case.assign",
            "conversation",
            Some(conversation.0),
            &detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_state(
        &self,
        conversation: ConversationId,
        state: CaseState,
        actor: AgentId,
    ) -> Result<()> {
        let _guard = self.writer().await;
        let mut tx = self.write_tx().await?;
        self.counted(2);
        let done = sqlx::query("UPDATE conversations SET state = $1 WHERE id = $2")
            .bind(state.as_str())
            .bind(conversation.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("conversation"));
        }
        if state == CaseState::Closed {
            // Closing the case closes its private follow-up: a call-back link stops working.
            self.counted(1);
            sqlx::query(
                "UPDATE callback_links SET closed_at = $1 WHERE conversation_id = $2 AND closed_at IS NULL",
            )
            .bind(now_ms())
            .bind(conversation.0)
            .execute(&mut *tx)
            .await?;
            // Closed without a reply: the team chose not to answer (a reply or a lead's decision
            // recorded earlier is kept).
            self.counted(2);
            let verdict: String = sqlx::query("SELECT verdict FROM conversations WHERE id = $1")
                .bind(conversation.0)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            let decided = if verdict == Action::NoEngage.as_str() {
                Action::NoEngage
            } else {
                Action::Ignore
            };
            crate::decisions::record_decision(
                &mut tx,
                conversation,
                Some(actor),
                decided,
                crate::DecisionKind::Close,
            )
            .await?;
        }
        audit(
            &mut tx,
            Some(actor.0),
            "case.state",
            "conversation",
            Some(conversation.0),
            state.as_str(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn exists(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    conversation: ConversationId,
) -> Result<()> {
    sqlx::query("SELECT id FROM conversations WHERE id = $1")
        .bind(conversation.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?;
    Ok(())
}

/// Queues a reply in `tx`: the outbox row (with the media it carries, if any: its id and
/// description), the case waiting on the customer and owned by the agent, the team's decision
/// and the audit row. The caller holds the writer lock and commits.
pub(crate) async fn insert_reply(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    conversation: ConversationId,
    agent: AgentId,
    text: &str,
    signature: Option<&str>,
    media: Option<(i64, &str)>,
) -> Result<ReplyId> {
    let row = sqlx::query(
            "SELECT s.delivery_kind, c.verdict FROM conversations c JOIN sources s ON s.id = c.source_id WHERE c.id = $1",
        )
        .bind(conversation.0)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound("conversation"))?;
    let kind: String = row.try_get(0)?;
    let verdict: String = row.try_get(1)?;
    // What the team did: answered (in private when the verdict said so).
    let decided = match verdict.parse::<Action>() {
        Ok(a @ (Action::Private | Action::Alert | Action::Escalate)) => a,
        _ => Action::Respond,
    };
    let now = now_ms();
    let row = sqlx::query(
        "INSERT INTO replies (conversation_id, agent_id, text, created_at, delivery_kind, state, \
             next_attempt_at, idempotency_key, signature, media_id, media_alt) \
             VALUES ($1, $2, $3, $4, $5, 'queued', $4, $6, $7, $8, $9) RETURNING id",
    )
    .bind(conversation.0)
    .bind(agent.0)
    .bind(text)
    .bind(now)
    .bind(kind)
    .bind(random_token())
    .bind(signature)
    .bind(media.map(|m| m.0))
    .bind(media.map(|m| m.1))
    .fetch_one(&mut **tx)
    .await?;
    let reply: i64 = row.try_get(0)?;
    sqlx::query(
            "UPDATE conversations SET state = CASE WHEN state = 'private' THEN state ELSE 'waiting' END, \
             owner_id = COALESCE(owner_id, $1) WHERE id = $2",
        )
        .bind(agent.0)
        .bind(conversation.0)
        .execute(&mut **tx)
        .await?;
    crate::decisions::record_decision(
        tx,
        conversation,
        Some(agent),
        decided,
        crate::DecisionKind::Reply,
    )
    .await?;
    audit(
        tx,
        Some(agent.0),
        "reply.queue",
        "conversation",
        Some(conversation.0),
        &format!("reply {reply}"),
    )
    .await?;
    Ok(ReplyId(reply))
}
