//! The shared inbox: the conversation list, the conversation view and what agents do there.

use crate::auth::{AGENT, ApiAuth, Auth, safe_back};
use crate::error::{ApiError, AppError};
use crate::live::LiveEvent;
use crate::{AppState, pages};
use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use wederhoor_core::{Action, AgentId, CaseState, ConversationId, PiiSpan, ReplyId, SourceId};
use wederhoor_store::{ConversationFilter, ConversationSummary, InboxSort};

/// Conversations per inbox page.
pub const PAGE_SIZE: i64 = 50;
/// Longest reply or note, in bytes.
const MAX_TEXT: usize = 10_000;

pub async fn home() -> Redirect {
    Redirect::to("/inbox")
}

/// The inbox filters as they arrive in the query string; empty values mean "all".
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct InboxQuery {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    unassigned: String,
    /// `newest` (default), `priority` or `waiting`.
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    fragment: String,
}

impl InboxQuery {
    fn filter(&self, me: AgentId) -> Result<ConversationFilter, AppError> {
        let bad =
            |what: &str, e: &dyn std::fmt::Display| AppError::BadRequest(format!("{what}: {e}"));
        Ok(ConversationFilter {
            verdict: non_empty(&self.verdict)
                .map(|v| v.parse::<Action>().map_err(|e| bad("verdict", &e)))
                .transpose()?,
            source: non_empty(&self.source)
                .map(|v| v.parse::<SourceId>().map_err(|e| bad("source", &e)))
                .transpose()?,
            language: non_empty(&self.language).map(str::to_owned),
            topic: non_empty(&self.topic).map(str::to_owned),
            state: non_empty(&self.state)
                .map(|v| v.parse::<CaseState>().map_err(|e| bad("state", &e)))
                .transpose()?,
            owner: (!self.mine.is_empty()).then_some(me),
            unassigned: !self.unassigned.is_empty(),
            sort: match non_empty(&self.sort) {
                None => InboxSort::default(),
                Some(s) => InboxSort::parse(s)
                    .ok_or_else(|| bad("sort", &"expected newest, priority, waiting or due"))?,
            },
            awake_at: None,
        })
    }

    /// The query string of this filter on another page.
    fn with_page(&self, page: i64) -> String {
        let mut q = self.clone();
        q.page = Some(page);
        q.fragment = String::new();
        serde_urlencoded_lite(&q)
    }
}

fn non_empty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// Encodes the inbox query without pulling in another crate.
fn serde_urlencoded_lite(q: &InboxQuery) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("verdict", &q.verdict),
        ("source", &q.source),
        ("language", &q.language),
        ("topic", &q.topic),
        ("state", &q.state),
        ("mine", &q.mine),
        ("unassigned", &q.unassigned),
        ("sort", &q.sort),
    ] {
        if !v.is_empty() {
            parts.push(format!("{k}={}", percent_encode(v)));
        }
    }
    if let Some(p) = q.page {
        parts.push(format!("page={p}"));
    }
    parts.join("&")
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Query(query): Query<InboxQuery>,
) -> Result<Html<String>, AppError> {
    let now = state.clock.now_ms();
    let filter = ConversationFilter {
        awake_at: Some(now),
        ..query.filter(auth.agent.id)?
    };
    let page = query.page.unwrap_or(1).max(1);
    let rows = state
        .store
        .list_conversations(&filter, (page - 1).saturating_mul(PAGE_SIZE), PAGE_SIZE + 1)
        .await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<ConversationSummary> = rows.into_iter().take(PAGE_SIZE as usize).collect();
    let timers = crate::service_levels::timers(&state, auth.lang, &rows, now);
    let counts = state.store.count_conversations_by_verdict(&filter).await?;
    let total: i64 = counts.iter().map(|c| c.count).sum();
    let ctx = minijinja::context! {
        agent => &auth.agent,
        csrf => &auth.csrf,
        rows => &rows,
        timers => &timers,
        now => now,
        counts => &counts,
        total => total,
        query => &query,
        page => page,
        prev_link => (page > 1).then(|| query.with_page(page - 1)),
        next_link => has_next.then(|| query.with_page(page + 1)),
        verdicts => Action::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        states => CaseState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        sorts => InboxSort::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        current_url => format!("/inbox?{}", query.with_page(page)),
    };
    if query.fragment == "list" {
        return pages::render(&state, "inbox_list.html", auth.lang, ctx);
    }
    let sources = state.store.list_sources().await?;
    let incidents = state.store.open_incidents().await?;
    let ctx = minijinja::context! { sources => &sources, incidents => &incidents, ..ctx };
    pages::render(&state, "inbox.html", auth.lang, ctx)
}

/// JSON list for integrations: `GET /api/v1/conversations?verdict=…&page=…`.
pub async fn api_list(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth<AGENT>,
    Query(query): Query<InboxQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let filter = query.filter(auth.agent.id)?;
    let page = query.page.unwrap_or(1).max(1);
    let rows = state
        .store
        .list_conversations(&filter, (page - 1).saturating_mul(PAGE_SIZE), PAGE_SIZE)
        .await?;
    Ok(Json(
        serde_json::json!({ "page": page, "per_page": PAGE_SIZE, "conversations": rows }),
    ))
}

/// One piece of a message text: plain, or personal data to highlight.
#[derive(Serialize)]
struct Segment<'a> {
    text: &'a str,
    /// A PII kind, `evidence`, or nothing.
    mark: Option<&'static str>,
}

/// Splits a text at the PII spans and the rule's evidence so the template can mark them
/// (spans are byte offsets; ones that do not fall on character boundaries or overlap an earlier
/// mark are skipped, never a panic). Personal data wins over evidence where both start together.
fn segments<'a>(text: &'a str, pii: &[PiiSpan], evidence: &[String]) -> Vec<Segment<'a>> {
    let mut spans: Vec<(usize, usize, &'static str)> = pii
        .iter()
        .map(|s| (s.start, s.end, s.kind.as_str()))
        .collect();
    spans.extend(
        evidence_spans(text, evidence)
            .into_iter()
            .map(|(a, b)| (a, b, EVIDENCE)),
    );
    spans.sort_by_key(|(start, _, kind)| (*start, *kind == EVIDENCE));
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end, kind) in spans {
        if start < at || end <= start {
            continue;
        }
        let (Some(before), Some(inside)) = (text.get(at..start), text.get(start..end)) else {
            continue;
        };
        if !before.is_empty() {
            out.push(Segment {
                text: before,
                mark: None,
            });
        }
        out.push(Segment {
            text: inside,
            mark: Some(kind),
        });
        at = end;
    }
    if let Some(rest) = text.get(at..).filter(|r| !r.is_empty()) {
        out.push(Segment {
            text: rest,
            mark: None,
        });
    }
    out
}

/// The mark of a rule term found in the text.
const EVIDENCE: &str = "evidence";

/// Where the rule's terms occur in the text: case-insensitive (ASCII), starting at a word.
fn evidence_spans(text: &str, terms: &[String]) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for term in terms {
        let term = term.trim().to_ascii_lowercase();
        if term.is_empty() {
            continue;
        }
        let mut from = 0;
        while let Some(pos) = lower.get(from..).and_then(|rest| rest.find(&term)) {
            let start = from + pos;
            let end = start + term.len();
            let at_word_start = lower
                .get(..start)
                .and_then(|before| before.chars().next_back())
                .is_none_or(|c| !c.is_alphanumeric());
            if at_word_start && text.is_char_boundary(start) && text.is_char_boundary(end) {
                out.push((start, end));
            }
            from = end;
        }
    }
    out
}

pub async fn conversation(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Query(query): Query<FragmentQuery>,
) -> Result<Html<String>, AppError> {
    let error = query
        .error
        .as_deref()
        .map(|k| crate::i18n::text(auth.lang, k).to_owned());
    render_conversation(
        &state,
        &auth,
        ConversationId(id),
        error,
        None,
        query.fragment.as_deref() == Some("thread"),
        PageExtra {
            suggested_incident: query.antwoord,
            canned_search: query.standaard,
            canned_use: query.standaard_id,
            structural_issue: query.structureel,
            suggestion_use: query.suggestie,
            fact_use: query.feit,
            inserted: None,
        },
    )
    .await
}

/// What a case page shows besides the case: an incident's suggested reply, the canned replies
/// an agent searched for, and the one they insert into the composer.
#[derive(Default)]
pub(crate) struct PageExtra {
    pub suggested_incident: Option<i64>,
    pub canned_search: Option<String>,
    pub canned_use: Option<i64>,
    /// A fixed structural issue whose resolution text goes into the composer (a hint's action).
    pub structural_issue: Option<i64>,
    /// An earlier case whose suggested answer goes into the composer.
    pub suggestion_use: Option<i64>,
    /// A fact whose text and source go into the composer.
    pub fact_use: Option<i64>,
    /// A text for the composer (a draft from the language model).
    pub inserted: Option<String>,
}

/// The case page with `extra` (a draft in the composer, a message above it).
pub(crate) async fn render_case(
    state: &AppState,
    auth: &Auth<AGENT>,
    id: ConversationId,
    error: Option<String>,
    extra: PageExtra,
) -> Result<Html<String>, AppError> {
    render_conversation(state, auth, id, error, None, false, extra).await
}

/// A reply the composer shows again: the agent's text, what was refused in it, and the
/// colleagues' answers that ask for a confirmation.
#[derive(Serialize, Default)]
struct Draft<'a> {
    text: &'a str,
    /// The text with the refused parts marked (personal data), when something was refused.
    marked: Vec<Segment<'a>>,
    /// The kinds of personal data found, in words.
    kinds: Vec<&'static str>,
    /// `(name, time)` of colleagues' answers since the agent opened the case.
    answers: Vec<(String, i64)>,
    /// The text came from "take it private" (it goes back to that form, not the composer).
    private: bool,
}

/// The conversation page (or only its thread), with a message above the composer and the
/// agent's draft when a reply came back.
async fn render_conversation(
    state: &AppState,
    auth: &Auth<AGENT>,
    id: ConversationId,
    error: Option<String>,
    draft: Option<Draft<'_>>,
    thread_only: bool,
    extra: PageExtra,
) -> Result<Html<String>, AppError> {
    let detail = state.store.conversation(id).await?.ok_or(AppError::Store(
        wederhoor_store::StoreError::NotFound("conversation"),
    ))?;
    let messages: Vec<_> = detail
        .messages
        .iter()
        .map(|m| minijinja::context! { m => m, segments => segments(&m.text, &m.pii, &m.evidence) })
        .collect();
    // All attachments of the conversation in one query (not one per message).
    let attachments = state.store.conversation_attachments(id).await?;
    let viewers = state.presence.viewers(id);
    let composer = wederhoor_app::reply::composer(
        &state.store,
        &state.config.replies,
        &detail.summary,
        &auth.agent.display_name,
    )
    .await?;
    let now = jiff::Timestamp::now().as_millisecond();
    let window_end = composer.whatsapp_window_end;
    let window_open = window_end.map(|end| now <= end);
    // What a manual reply's customer receives: the text with its signature.
    let replies: Vec<minijinja::Value> = detail
        .replies
        .iter()
        .map(|r| {
            minijinja::context! {
                ..minijinja::Value::from_serialize(r),
                ..minijinja::context! { signed => wederhoor_core::signed_text(&r.text, &r.signature) }
            }
        })
        .collect();
    let lang = auth.lang;
    let channel_name = crate::i18n::text(lang, &format!("channel_{}", composer.channel.as_str()));
    let counter_key = match composer.limit.map(|l| l.unit) {
        Some(wederhoor_core::LengthUnit::Graphemes) => "reply_counter_graphemes",
        _ => "reply_counter_chars",
    };
    let ctx = minijinja::context! {
        whatsapp_window_end => window_end,
        whatsapp_window_open => window_open,
        agent => &auth.agent,
        csrf => &auth.csrf,
        c => &detail.summary,
        messages => messages,
        attachments => attachments,
        replies => replies,
        notes => &detail.notes,
        viewers => viewers,
        states => CaseState::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        error => error,
        composer => &composer,
        counter_label => crate::i18n::fill(crate::i18n::text(lang, counter_key), &[("channel", channel_name)]),
        signed_as => crate::i18n::fill(crate::i18n::text(lang, "signed_as_channel"), &[("channel", channel_name)]),
        opened_at => now,
        draft => draft,
    };
    if thread_only {
        return pages::render(state, "thread.html", lang, ctx);
    }
    let history = state.store.audit_of("conversation", id.0).await?;
    let ideas = state.store.ideas_of_conversation(id).await?;
    let boards = state.store.boards().await?;
    let agents = state.store.list_agents().await?;
    let history = history_lines(lang, &history, &agents);
    let contacts = state.store.earlier_contacts(id, 20).await?;
    let contact_id = state.store.contact_of_conversation(id).await?;
    let lead_flag = detail
        .summary
        .lead_flag
        .as_deref()
        .map(|code| lead_flag_text(lang, code));
    // An attached idea's status by its label ("Wordt bekeken"), not its key.
    let ideas: Vec<minijinja::Value> = ideas
        .iter()
        .map(|i| {
            let label = wederhoor_core::idea::DEFAULT_STATUSES
                .iter()
                .find(|(key, ..)| *key == i.status)
                .map(|(_, nl, en, _)| if lang == crate::i18n::Lang::Nl { *nl } else { *en })
                .unwrap_or_else(|| crate::i18n::text(lang, &format!("colour_{}", i.colour.as_str())));
            minijinja::context! { idea_id => i.idea_id, title => &i.title, status => &i.status, status_label => label, colour => i.colour.as_str() }
        })
        .collect();
    let incidents = state.store.incidents_of_conversation(id).await?;
    let mut suggested = extra
        .suggested_incident
        .and_then(|n| incidents.iter().find(|i| i.id == n))
        .map(|i| i.reply.clone());
    let followup =
        crate::followup::case_panel(state, lang, &detail.summary, &auth.agent, &extra).await?;
    if let Some(text) = followup.inserted.clone() {
        suggested = Some(text);
    }
    let answers = crate::answers::case_panel(state, lang, &detail, &extra).await?;
    if let Some(text) = answers.inserted.clone().or_else(|| extra.inserted.clone()) {
        suggested = Some(text);
    }
    let escalations = state.store.escalations_of(id).await?;
    let survey = crate::surveys::brief_for_staff(state, id).await?;
    let structural = crate::structural::case_panel(state, lang, id, &detail.summary).await?;
    let hints = crate::structural::case_hints(state, lang, id, now).await?;
    if let Some(text) = crate::structural::fixed_text(state, extra.structural_issue).await? {
        suggested = Some(text);
    }
    let ctx = minijinja::context! { structural => structural, hints => hints, survey => survey, escalations => escalations, history => history, agents => agents, ideas => ideas, boards => boards, contacts => contacts, contact_id => contact_id, lead_flag => lead_flag, incidents => incidents, suggested => suggested, followup => followup, answers => answers, ..ctx };
    pages::render(state, "conversation.html", lang, ctx)
}

/// Why a case was flagged for a lead, in words: `viral BEFORE AFTER` (reposts).
pub(crate) fn lead_flag_text(lang: crate::i18n::Lang, code: &str) -> String {
    let mut words = code.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("viral"), Some(before), Some(after)) => crate::i18n::fill(
            crate::i18n::text(lang, "lead_flag_viral"),
            &[("before", before), ("after", after)],
        ),
        (Some("escalation"), Some(kind), None) => crate::i18n::fill(
            crate::i18n::text(lang, "lead_flag_escalation"),
            &[(
                "kind",
                crate::i18n::text(lang, &format!("escalation_kind_{kind}")),
            )],
        ),
        _ => code.to_owned(),
    }
}

/// One line of a conversation's history, in words.
#[derive(Debug, Serialize, PartialEq)]
struct HistoryLine {
    at: i64,
    /// Who did it: an agent's name, or Wederhoor itself.
    who: String,
    what: String,
    /// The audit action (`case.assign`, …), for tests and styling.
    action: String,
}

/// The audit rows of a conversation as sentences ("Sanne Jansen wees het gesprek toe aan Mehmet
/// Yilmaz"), never the raw codes. A row of an action this version does not know still reads as
/// a sentence ("andere wijziging").
fn history_lines(
    lang: crate::i18n::Lang,
    rows: &[(i64, Option<String>, String, String)],
    agents: &[wederhoor_store::Agent],
) -> Vec<HistoryLine> {
    use crate::i18n::{fill, text};
    let agent_name = |id: &str| -> String {
        agents
            .iter()
            .find(|a| a.id.0.to_string() == id)
            .map_or_else(
                || text(lang, "hist_someone").to_owned(),
                |a| a.display_name.clone(),
            )
    };
    rows.iter()
        .map(|(at, actor, action, detail)| {
            let what = match action.as_str() {
                "case.assign" => match detail.strip_prefix("assigned to agent ") {
                    Some(id) => fill(
                        text(lang, "hist_assign"),
                        &[("name", &agent_name(id.trim()))],
                    ),
                    None => text(lang, "hist_unassign").to_owned(),
                },
                "case.state" => {
                    let word = text(lang, &format!("state_{}", detail.trim()));
                    let word = if word.is_empty() {
                        detail.as_str()
                    } else {
                        word
                    };
                    fill(text(lang, "hist_state"), &[("state", word)])
                }
                "reply.queue" => text(lang, "hist_reply").to_owned(),
                "card.send" => text(lang, "hist_card").to_owned(),
                "card.print_request" => text(lang, "hist_card_print_request").to_owned(),
                "reply.sent_by_hand" => text(lang, "hist_sent_by_hand").to_owned(),
                "case.callback_link" => text(lang, "hist_callback_link").to_owned(),
                "case.callback_request" => text(lang, "hist_callback_request").to_owned(),
                "case.lead_flag" => fill(
                    text(lang, "hist_lead_flag"),
                    &[("reason", &lead_flag_text(lang, detail))],
                ),
                "message.metrics" => {
                    let mut numbers = detail.split_whitespace();
                    let reposts = numbers.next().unwrap_or("0");
                    let likes = numbers.next().unwrap_or("0");
                    fill(
                        text(lang, "hist_metrics"),
                        &[("reposts", reposts), ("likes", likes)],
                    )
                }
                // "whatsapp_window" (the reason's code) after a skipped status update.
                "reply.skipped" => {
                    let reason = text(lang, &format!("skip_{}", detail.trim()));
                    let reason = if reason.is_empty() {
                        detail.as_str()
                    } else {
                        reason
                    };
                    fill(text(lang, "hist_reply_skipped"), &[("reason", reason)])
                }
                "note.add" => text(lang, "hist_note").to_owned(),
                "structural.link" => text(lang, "hist_structural_link").to_owned(),
                "structural.unlink" => text(lang, "hist_structural_unlink").to_owned(),
                "review.decide" => {
                    // "{action} (precedent {id}): {reason}"
                    let (verdict, reason) = match detail.split_once(':') {
                        Some((head, reason)) => (head, reason.trim()),
                        None => (detail.as_str(), ""),
                    };
                    let code = verdict.split_whitespace().next().unwrap_or_default();
                    let word = text(lang, &format!("action_{code}"));
                    let word = if word.is_empty() { code } else { word };
                    let mut line = fill(text(lang, "hist_review"), &[("action", word)]);
                    if !reason.is_empty() {
                        line.push_str(" — ");
                        line.push_str(reason);
                    }
                    line
                }
                "survey.schedule" => text(lang, "hist_survey_schedule").to_owned(),
                "survey.send" => text(lang, "hist_survey_send").to_owned(),
                "survey.answer" => fill(
                    text(lang, "hist_survey_answer"),
                    &[("score", detail.trim_start_matches("score ").trim())],
                ),
                "survey.skip" => {
                    let reason = text(lang, &format!("survey_skip_{}", detail.trim()));
                    let reason = if reason.is_empty() {
                        detail.as_str()
                    } else {
                        reason
                    };
                    fill(text(lang, "hist_survey_skip"), &[("reason", reason)])
                }
                "message.edited" => text(lang, "hist_edited").to_owned(),
                "message.deleted" => text(lang, "hist_deleted").to_owned(),
                _ => text(lang, "hist_other").to_owned(),
            };
            // The customer's own edits read as a whole sentence, without an actor.
            let who = if action.starts_with("message.") || action == "case.callback_request" {
                String::new()
            } else {
                actor
                    .clone()
                    .unwrap_or_else(|| text(lang, "hist_system").to_owned())
            };
            HistoryLine {
                at: *at,
                who,
                what,
                action: action.clone(),
            }
        })
        .collect()
}

/// Content types an attachment may be served as; everything else is `application/octet-stream`.
const SAFE_ATTACHMENT_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "application/pdf"];

/// An attachment's bytes, always as a download (`Content-Disposition: attachment`, `nosniff`).
pub async fn attachment(
    State(state): State<AppState>,
    _auth: Auth<AGENT>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (info, content) = state
        .store
        .attachment(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let content = content.ok_or(AppError::NotFound)?;
    let ctype = if SAFE_ATTACHMENT_TYPES.contains(&info.content_type.as_str()) {
        info.content_type.as_str()
    } else {
        "application/octet-stream"
    };
    // A header-safe file name: ASCII without quotes, backslashes or control characters.
    let ascii: String = info
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"");
    let headers = [
        (axum::http::header::CONTENT_TYPE, ctype.to_owned()),
        (axum::http::header::CONTENT_DISPOSITION, disposition),
        (
            axum::http::header::X_CONTENT_TYPE_OPTIONS,
            "nosniff".to_owned(),
        ),
    ];
    Ok((headers, content).into_response())
}

#[derive(Deserialize)]
pub struct FragmentQuery {
    fragment: Option<String>,
    error: Option<String>,
    /// An incident whose suggested reply goes into the composer.
    antwoord: Option<i64>,
    /// Search the canned replies.
    standaard: Option<String>,
    /// A canned reply whose text (filled in for this case) goes into the composer.
    standaard_id: Option<i64>,
    /// A fixed structural issue whose resolution text goes into the composer.
    structureel: Option<i64>,
    /// An earlier case whose suggested answer goes into the composer.
    suggestie: Option<i64>,
    /// A fact whose text and source go into the composer.
    feit: Option<i64>,
}

#[derive(Deserialize)]
pub struct TextForm {
    csrf: String,
    text: String,
}

/// The composer's form: the text, when the agent opened the case, and the confirmation after a
/// colleague's answer.
#[derive(Deserialize)]
pub struct ReplyForm {
    csrf: String,
    text: String,
    #[serde(default)]
    opened_at: Option<i64>,
    #[serde(default)]
    confirm: Option<String>,
}

fn checked_text(text: &str) -> Result<&str, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        Err("empty_text")
    } else if text.len() > MAX_TEXT {
        Err("text_too_long")
    } else {
        Ok(text)
    }
}

fn back_to(id: ConversationId, error: Option<&str>) -> Response {
    match error {
        Some(e) => Redirect::to(&format!("/c/{id}?error={e}#composer")).into_response(),
        None => Redirect::to(&format!("/c/{id}")).into_response(),
    }
}

pub async fn reply(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, AppError> {
    use wederhoor_app::reply::{ReplyOutcome, ReplyRequest, queue_reply};
    auth.check_csrf(&form.csrf)?;
    let id = ConversationId(id);
    let rules = state.active_rules();
    let outcome = queue_reply(
        &state.store,
        &rules.engine,
        &state.config.replies,
        &state,
        ReplyRequest {
            conversation: id,
            agent: auth.agent.id,
            agent_name: &auth.agent.display_name,
            text: &form.text,
            opened_at: form.opened_at,
            confirmed: form.confirm.is_some_and(|c| !c.is_empty()),
            now: jiff::Timestamp::now().as_millisecond(),
        },
    )
    .await?;
    let (refusal, text) = match outcome {
        ReplyOutcome::Queued(_) => {
            state
                .metrics
                .replies_queued
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            state.outbox_wakeup.notify_one();
            return Ok(back_to(id, None));
        }
        ReplyOutcome::Refused { refusal, text } => (refusal, text),
    };
    refused_page(&state, &auth, id, &refusal, &text, false).await
}

/// The case page after a refused reply (or a refused "take it private", `private`): the
/// message that says why, and the agent's text with what was refused marked.
pub(crate) async fn refused_page(
    state: &AppState,
    auth: &Auth<AGENT>,
    id: ConversationId,
    refusal: &wederhoor_app::reply::Refusal,
    text: &str,
    private: bool,
) -> Result<Response, AppError> {
    use wederhoor_app::reply::Refusal;
    // Nothing worth keeping: these go back to the page with their message.
    if matches!(
        refusal,
        Refusal::Empty | Refusal::TooLong | Refusal::WhatsappWindowClosed { .. }
    ) {
        return Ok(back_to(id, Some(refusal.key())));
    }
    let lang = auth.lang;
    let mut message = crate::i18n::text(lang, refusal.key()).to_owned();
    let mut draft = Draft {
        text,
        private,
        ..Draft::default()
    };
    let status = match &refusal {
        Refusal::OverChannelLimit {
            channel,
            limit,
            length,
        } => {
            let name = crate::i18n::text(lang, &format!("channel_{}", channel.as_str()));
            message = crate::i18n::fill(
                &message,
                &[
                    ("channel", name),
                    ("length", &length.to_string()),
                    ("max", &limit.max.to_string()),
                ],
            );
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
        Refusal::PersonalData { spans, .. } | Refusal::ConfidentialByEmail { spans } => {
            draft.marked = segments(text, spans, &[]);
            let mut kinds: Vec<&'static str> = spans
                .iter()
                .map(|s| crate::i18n::text(lang, &format!("pii_kind_{}", s.kind.as_str())))
                .collect();
            kinds.sort_unstable();
            kinds.dedup();
            draft.kinds = kinds;
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
        Refusal::ColleagueAnswered { answers } => {
            draft.answers = answers.clone();
            axum::http::StatusCode::CONFLICT
        }
        Refusal::Empty | Refusal::TooLong | Refusal::WhatsappWindowClosed { .. } => {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    let page = render_conversation(
        state,
        auth,
        id,
        Some(message),
        Some(draft),
        false,
        PageExtra::default(),
    )
    .await?;
    Ok((status, page).into_response())
}

pub async fn note(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id = ConversationId(id);
    let text = match checked_text(&form.text) {
        Ok(t) => t,
        Err(key) => return Ok(back_to(id, Some(key))),
    };
    state.store.add_note(id, auth.agent.id, text).await?;
    state.publish(LiveEvent::changed(id, "note"));
    Ok(back_to(id, None))
}

#[derive(Deserialize)]
pub struct AssignForm {
    csrf: String,
    /// `me`, `none`, or an agent id.
    owner: String,
    back: Option<String>,
}

pub async fn assign(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id = ConversationId(id);
    let owner = match form.owner.as_str() {
        "me" => Some(auth.agent.id),
        "none" => None,
        other => Some(other.parse::<AgentId>().map_err(|_| {
            AppError::BadRequest(format!("owner: {other:?} is not me, none or an agent id"))
        })?),
    };
    if let Some(o) = owner {
        state
            .store
            .agent(o)
            .await?
            .ok_or(AppError::BadRequest("owner: no such agent".into()))?;
    }
    state.store.assign(id, owner, auth.agent.id).await?;
    state.publish(LiveEvent::changed(id, "case"));
    Ok(after_form(id, form.back.as_deref()))
}

fn after_form(id: ConversationId, back: Option<&str>) -> Response {
    match back {
        Some(_) => Redirect::to(&safe_back(back)).into_response(),
        None => back_to(id, None),
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    csrf: String,
    state: String,
    back: Option<String>,
}

pub async fn set_state(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<StateForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id = ConversationId(id);
    let new_state = form
        .state
        .parse::<CaseState>()
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    state.store.set_state(id, new_state, auth.agent.id).await?;
    if new_state == CaseState::Closed {
        crate::surveys::after_close(&state, id).await?;
    }
    state.publish(LiveEvent::changed(id, "case"));
    Ok(after_form(id, form.back.as_deref()))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn mark_sent(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let conversation = state
        .store
        .mark_reply_sent(ReplyId(id), Some(auth.agent.id))
        .await?;
    state.publish(LiveEvent::changed(conversation, "delivery"));
    Ok(back_to(conversation, None))
}

pub async fn retry(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let conversation = state.store.retry_reply(ReplyId(id), auth.agent.id).await?;
    state.outbox_wakeup.notify_one();
    state.publish(LiveEvent::changed(conversation, "delivery"));
    Ok(back_to(conversation, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wederhoor_core::PiiKind;

    #[test]
    fn segments_cover_the_text_and_mark_pii() {
        let text = "bel 0612345678 of mail a@b.nl";
        let spans = [
            PiiSpan {
                kind: PiiKind::Email,
                start: 23,
                end: 29,
            },
            PiiSpan {
                kind: PiiKind::Phone,
                start: 4,
                end: 14,
            },
        ];
        let s = segments(text, &spans, &[]);
        let joined: String = s.iter().map(|s| s.text).collect();
        assert_eq!(joined, text);
        let marked: Vec<_> = s
            .iter()
            .filter_map(|s| s.mark.map(|k| (k, s.text)))
            .collect();
        assert_eq!(marked, vec![("phone", "0612345678"), ("email", "a@b.nl")]);
    }

    #[test]
    fn evidence_is_marked_at_word_starts_and_pii_wins() {
        let text = "Mijn PAS is kwijt, paspoort ook; bel 0612345678";
        let pii = [PiiSpan {
            kind: PiiKind::Phone,
            start: 37,
            end: 47,
        }];
        let evidence = vec!["pas".to_owned(), "kwijt".to_owned(), "0612".to_owned()];
        let s = segments(text, &pii, &evidence);
        let joined: String = s.iter().map(|s| s.text).collect();
        assert_eq!(joined, text);
        let marked: Vec<_> = s
            .iter()
            .filter_map(|s| s.mark.map(|k| (k, s.text)))
            .collect();
        // "pas" inside "paspoort" is a word start too (a stem), so it is marked as well.
        assert_eq!(
            marked,
            vec![
                ("evidence", "PAS"),
                ("evidence", "kwijt"),
                ("evidence", "pas"),
                ("phone", "0612345678")
            ]
        );
    }

    #[test]
    fn history_reads_as_sentences() {
        use crate::i18n::Lang;
        let agents = vec![wederhoor_store::Agent {
            id: AgentId(3),
            username: "mehmet".into(),
            display_name: "Mehmet Yilmaz".into(),
            role: wederhoor_core::Role::Agent,
            language: "nl".into(),
            disabled: false,
        }];
        let sanne = Some("Sanne Jansen".to_owned());
        let rows = vec![
            (
                1,
                sanne.clone(),
                "case.assign".into(),
                "assigned to agent 3".into(),
            ),
            (2, sanne.clone(), "case.assign".into(), "unassigned".into()),
            (3, sanne.clone(), "case.state".into(), "closed".into()),
            (4, sanne.clone(), "reply.queue".into(), "reply 5".into()),
            (
                5,
                sanne.clone(),
                "review.decide".into(),
                "respond (precedent 2): klant wacht".into(),
            ),
            (
                6,
                None,
                "message.edited".into(),
                "message 9 edited by its author".into(),
            ),
            (7, sanne, "something.new".into(), "x".into()),
        ];
        let lines = history_lines(Lang::Nl, &rows, &agents);
        let what: Vec<&str> = lines.iter().map(|l| l.what.as_str()).collect();
        assert_eq!(
            what,
            vec![
                "wees het gesprek toe aan Mehmet Yilmaz",
                "hief de toewijzing op",
                "zette de status op gesloten",
                "zette een antwoord klaar voor verzending",
                "besliste bij de beoordeling: reageren — klant wacht",
                "De klant bewerkte een bericht",
                "andere wijziging",
            ]
        );
        assert_eq!(lines[5].who, "");
        for l in &lines {
            assert!(
                !l.what.contains("case.") && !l.what.contains("agent 3"),
                "{l:?}"
            );
        }
        let en = history_lines(Lang::En, &rows[..1], &agents);
        assert_eq!(en[0].what, "assigned the conversation to Mehmet Yilmaz");
    }

    #[test]
    fn bad_spans_are_skipped_not_panicked_on() {
        let text = "één";
        let spans = [PiiSpan {
            kind: PiiKind::Phone,
            start: 1,
            end: 2,
        }];
        let joined: String = segments(text, &spans, &[]).iter().map(|s| s.text).collect();
        assert_eq!(joined, text);
    }
}
