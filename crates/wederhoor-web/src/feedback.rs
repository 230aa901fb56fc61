//! The public feedback page: boards, ideas, votes, reactions, traffic-light statuses, the Atom
//! feed and the JSON list; and the staff tools on the same pages (status with explanation, staff
//! answers with a department badge, pin, merge, hide with a public reason, reports, figures).
//!
//! Reading needs no login. Taking part needs a verified account. Nothing is edited before it
//! appears: a post shows at once, unless triage finds abuse or personal data in it — then it
//! waits for a person and its author is told why.

use crate::error::{AppError, escape, url_encode};
use crate::i18n::{Lang, text};
use crate::markdown;
use crate::public::{Visitor, render_public};
use crate::{AppState, auth};
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use wederhoor_core::idea::{
    Department, Explanation, Hidden, HideReason, IdeaBody, IdeaColour, IdeaSort, IdeaTitle,
    InputError, Key, ReactionBody, search_terms, slug,
};
use wederhoor_core::{AccountId, ConversationId, IdeaId, MessageId, ReactionId};
use wederhoor_store::{
    Board, Follower, IdeaDetail, IdeaFilter, IdeaSummary, NewBoard, NewIdea, NewReaction, Poster,
    StoreError, VoteOutcome,
};
use wederhoor_triage::TriageInput;

/// The templates of this module (name, source).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("ideas.html", include_str!("../templates/ideas.html")),
    ("idea.html", include_str!("../templates/idea.html")),
    ("idea_new.html", include_str!("../templates/idea_new.html")),
    (
        "feedback_desk.html",
        include_str!("../templates/feedback_desk.html"),
    ),
    (
        "idea_cards.html",
        include_str!("../templates/idea_cards.html"),
    ),
];

/// Ideas per page.
const PAGE: i64 = 20;
const HOUR: Duration = Duration::from_secs(3600);

// ---------------------------------------------------------------- shared bits

/// A board's or status's word in `lang`: the Dutch or English column. French has no column of
/// its own: the shipped boards and statuses read from the catalogue (`word`: `board_name_<slug>`,
/// `board_description_<slug>`, `status_<key>`), anything a team named itself in English.
fn label_in(lang: Lang, word: &str, nl: &str, en: &str) -> String {
    match lang {
        Lang::Nl => nl.to_owned(),
        Lang::En => en.to_owned(),
        Lang::Fr => match text(Lang::Fr, word) {
            "" => en.to_owned(),
            french => french.to_owned(),
        },
    }
}

fn board_name(lang: Lang, b: &Board) -> String {
    label_in(
        lang,
        &format!("board_name_{}", b.slug),
        &b.name_nl,
        &b.name_en,
    )
}

fn status_word(lang: Lang, s: &wederhoor_store::BoardStatus) -> String {
    label_in(lang, &format!("status_{}", s.key), &s.label_nl, &s.label_en)
}

/// A board as templates see it: its name in the visitor's language and its statuses.
#[derive(Serialize)]
struct BoardView {
    id: i64,
    slug: String,
    name: String,
    description: String,
    statuses: Vec<StatusView>,
    ideas: i64,
}

#[derive(Serialize, Clone)]
struct StatusView {
    key: String,
    label: String,
    colour: &'static str,
    count: i64,
}

fn board_view(b: &Board, lang: Lang) -> BoardView {
    BoardView {
        id: b.id.0,
        slug: b.slug.clone(),
        name: board_name(lang, b),
        description: label_in(
            lang,
            &format!("board_description_{}", b.slug),
            &b.description_nl,
            &b.description_en,
        ),
        statuses: b
            .statuses
            .iter()
            .map(|s| StatusView {
                key: s.key.clone(),
                label: status_word(lang, s),
                colour: s.colour.as_str(),
                count: s.listed_ideas,
            })
            .collect(),
        ideas: b.statuses.iter().map(|s| s.listed_ideas).sum(),
    }
}

/// The label of a status key on a board (the key itself when unknown).
fn status_label(boards: &[Board], board: wederhoor_core::BoardId, key: &str, lang: Lang) -> String {
    boards
        .iter()
        .find(|b| b.id == board)
        .and_then(|b| b.status(key))
        .map_or_else(|| key.to_owned(), |s| status_word(lang, s))
}

/// An idea in a list, ready for a template.
#[derive(Serialize)]
struct Card {
    id: i64,
    url: String,
    title: String,
    excerpt: String,
    author: String,
    status: String,
    status_label: String,
    colour: &'static str,
    votes: i64,
    reactions: i64,
    evidence: i64,
    pinned: bool,
    created_at: i64,
    voted: bool,
    board: String,
}

pub fn idea_url(id: IdeaId, title: &str) -> String {
    format!("/ideeen/{}-{}", id.0, slug(title))
}

fn cards(
    ideas: &[IdeaSummary],
    boards: &[Board],
    lang: Lang,
    voted: &std::collections::HashSet<IdeaId>,
) -> Vec<Card> {
    ideas
        .iter()
        .map(|i| Card {
            id: i.id.0,
            url: idea_url(i.id, &i.title),
            title: i.title.clone(),
            excerpt: markdown::plain_excerpt(&i.excerpt, 180),
            author: i.author_name.clone(),
            status: i.status.clone(),
            status_label: status_label(boards, i.board_id, &i.status, lang),
            colour: i.colour.as_str(),
            votes: i.votes,
            reactions: i.reactions,
            evidence: i.evidence,
            pinned: i.pinned,
            created_at: i.created_at,
            voted: voted.contains(&i.id),
            board: boards
                .iter()
                .find(|b| b.id == i.board_id)
                .map(|b| board_name(lang, b))
                .unwrap_or_default(),
        })
        .collect()
}

/// What triage finds in a text written on the feedback page.
fn triage_text(state: &AppState, text: &str) -> wederhoor_core::Triage {
    state.active_rules().engine.triage(&TriageInput {
        text,
        source: Some("feedback"),
        author_handle: "",
        author_name: None,
        followers: 0,
        reposts: 0,
        likes: 0,
        direct: false,
    })
}

/// A customer's text that must wait for a person: `Some(reason key)` for personal data or abuse.
fn screen(state: &AppState, text: &str) -> Option<&'static str> {
    let t = triage_text(state, text);
    if !t.pii.is_empty() {
        Some("feedback_held_pii")
    } else if t.abusive {
        Some("feedback_held_abuse")
    } else {
        None
    }
}

/// Personal data in a staff text meant for the public page is refused (never echoed in public).
fn has_pii(state: &AppState, text: &str) -> bool {
    !triage_text(state, text).pii.is_empty()
}

fn input_message(lang: Lang, e: &InputError) -> String {
    let field = text(lang, &format!("field_{}", e.field));
    let problem = text(lang, e.kind.key()).replace("{n}", &e.limit.to_string());
    format!("{field}: {problem}")
}

/// Accepts `42` or `42-some-slug`.
fn parse_idea_id(raw: &str) -> Result<IdeaId, AppError> {
    let digits: String = raw.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse::<i64>()
        .map(IdeaId)
        .map_err(|_| AppError::NotFound)
}

fn limit(state: &AppState, key: String, max: usize, window: Duration) -> Result<(), AppError> {
    if state.limits.allow(&key, max, window) {
        Ok(())
    } else {
        Err(AppError::TooManyRequests)
    }
}

/// Where to go after a form: a local path only.
fn back_to(back: Option<&str>, fallback: &str) -> String {
    match back {
        Some(b) if !b.is_empty() => {
            let safe = auth::safe_back(Some(b));
            if safe == "/inbox" && b != "/inbox" {
                fallback.to_owned()
            } else {
                safe
            }
        }
        _ => fallback.to_owned(),
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

// ---------------------------------------------------------------- the list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    bord: Option<String>,
    status: Option<String>,
    sort: Option<String>,
    q: Option<String>,
    pagina: Option<i64>,
}

struct Listing {
    boards: Vec<Board>,
    board: Option<Board>,
    filter: IdeaFilter,
    page: i64,
}

async fn listing(state: &AppState, q: &ListQuery) -> Result<Listing, AppError> {
    let boards = state.store.boards().await?;
    let board = match q.bord.as_deref().filter(|b| !b.is_empty()) {
        Some(slug) => Some(
            boards
                .iter()
                .find(|b| b.slug == slug)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let sort = match q.sort.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse::<IdeaSort>()
            .map_err(|e| AppError::BadRequest(e.to_string()))?,
        None => IdeaSort::Trending,
    };
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            Key::parse(s)
                .map_err(|_| AppError::BadRequest(format!("unknown status {s:?}")))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let terms =
        q.q.as_deref()
            .map(|s| search_terms(s, 8))
            .unwrap_or_default();
    let page = q.pagina.unwrap_or(1).clamp(1, 10_000);
    Ok(Listing {
        filter: IdeaFilter {
            board: board.as_ref().map(|b| b.id),
            status,
            terms,
            sort,
            limit: PAGE,
            offset: (page - 1) * PAGE,
        },
        boards,
        board,
        page,
    })
}

/// `GET /ideeen`: the idea list (all boards or one), filtered, sorted, searched, paged.
pub async fn list(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let l = listing(&state, &q).await?;
    let (mut ideas, more) = state.store.list_ideas(&l.filter).await?;
    let pinned = if l.page == 1 && l.filter.terms.is_empty() && l.filter.status.is_none() {
        state.store.pinned_ideas(l.filter.board).await?
    } else {
        Vec::new()
    };
    // A pinned idea is shown once, at the top.
    ideas.retain(|i| !pinned.iter().any(|p| p.id == i.id));
    let voted = match &visitor.account {
        Some(a) => {
            let ids: Vec<IdeaId> = ideas.iter().chain(&pinned).map(|i| i.id).collect();
            state.store.my_marks(a.id, &ids).await?.0
        }
        None => Default::default(),
    };
    let lang = visitor.lang;
    // Status chips: the board's statuses, or for all boards the statuses summed by key.
    let statuses: Vec<StatusView> = match &l.board {
        Some(b) => board_view(b, lang).statuses,
        None => {
            let mut by_key: BTreeMap<String, StatusView> = BTreeMap::new();
            let mut order: Vec<String> = Vec::new();
            for b in &l.boards {
                for s in board_view(b, lang).statuses {
                    match by_key.get_mut(&s.key) {
                        Some(v) => v.count += s.count,
                        None => {
                            order.push(s.key.clone());
                            by_key.insert(s.key.clone(), s);
                        }
                    }
                }
            }
            order.iter().filter_map(|k| by_key.remove(k)).collect()
        }
    };
    // The legend names each colour as the statuses shown here do (first status of that colour).
    let legend: Vec<(&str, String)> = ["green", "orange", "red", "done"]
        .into_iter()
        .map(|colour| {
            let named = statuses
                .iter()
                .find(|s| s.colour == colour)
                .map(|s| s.label.clone());
            (
                colour,
                named.unwrap_or_else(|| text(lang, &format!("colour_{colour}")).to_owned()),
            )
        })
        .collect();
    let query_base = |page: i64| -> String {
        let mut parts = Vec::new();
        if let Some(b) = &l.board {
            parts.push(format!("bord={}", url_encode(&b.slug)));
        }
        if let Some(s) = &l.filter.status {
            parts.push(format!("status={}", url_encode(s)));
        }
        parts.push(format!("sort={}", l.filter.sort.as_str()));
        if let Some(t) = q.q.as_deref().filter(|t| !t.is_empty()) {
            parts.push(format!("q={}", url_encode(t)));
        }
        parts.push(format!("pagina={page}"));
        format!("/ideeen?{}", parts.join("&"))
    };
    let ctx = minijinja::context! {
        boards => l.boards.iter().map(|b| board_view(b, lang)).collect::<Vec<_>>(),
        board => l.board.as_ref().map(|b| board_view(b, lang)),
        legend => legend,
        statuses => statuses,
        status => &l.filter.status,
        sort => l.filter.sort.as_str(),
        sorts => IdeaSort::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        q => q.q.as_deref().unwrap_or(""),
        ideas => cards(&ideas, &l.boards, lang, &voted),
        pinned => cards(&pinned, &l.boards, lang, &voted),
        page => l.page,
        prev_url => (l.page > 1).then(|| query_base(l.page - 1)),
        next_url => more.then(|| query_base(l.page + 1)),
        warnings => crate::incidents::public_warnings(&state).await?,
        panel_results => if l.page == 1 {
            crate::panels::public_results(&state, lang, None).await?
        } else {
            Vec::new()
        },
    };
    render_public(&state, &visitor, "ideas.html", ctx, StatusCode::OK)
}

/// `GET /api/v1/ideas`: the same list as JSON (public).
pub async fn api_list(
    State(state): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Response, crate::ApiError> {
    let l = listing(&state, &q).await?;
    let (ideas, more) = state.store.list_ideas(&l.filter).await?;
    let items: Vec<serde_json::Value> = ideas
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id,
                "url": idea_url(i.id, &i.title),
                "board": l.boards.iter().find(|b| b.id == i.board_id).map(|b| b.slug.as_str()),
                "title": i.title,
                "status": i.status,
                "colour": i.colour,
                "votes": i.votes,
                "reactions": i.reactions,
                "evidence": i.evidence,
                "created_at": i.created_at,
                "updated_at": i.updated_at,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "ideas": items, "page": l.page, "more": more })).into_response())
}

#[derive(Deserialize)]
pub struct SimilarQuery {
    q: Option<String>,
    bord: Option<String>,
}

/// `GET /api/v1/ideas/similar?q=`: ideas like the title being typed (duplicate detection).
pub async fn api_similar(
    State(state): State<AppState>,
    Query(q): Query<SimilarQuery>,
) -> Result<Response, crate::ApiError> {
    let similar = similar(&state, q.q.as_deref().unwrap_or(""), q.bord.as_deref()).await?;
    let items: Vec<serde_json::Value> = similar
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id, "url": idea_url(i.id, &i.title), "title": i.title,
                "status": i.status, "colour": i.colour, "votes": i.votes,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "ideas": items })).into_response())
}

async fn similar(
    state: &AppState,
    title: &str,
    board: Option<&str>,
) -> Result<Vec<IdeaSummary>, AppError> {
    let terms = search_terms(title, 8);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let board_id = match board.filter(|b| !b.is_empty()) {
        Some(slug) => state
            .store
            .boards()
            .await?
            .into_iter()
            .find(|b| b.slug == slug)
            .map(|b| b.id),
        None => None,
    };
    Ok(state.store.similar_ideas(&terms, board_id, 5).await?)
}

// ---------------------------------------------------------------- one idea

#[derive(Serialize)]
struct ReactionItem {
    id: i64,
    author: String,
    staff: bool,
    department: Option<&'static str>,
    html: String,
    hidden: Option<&'static str>,
    hidden_reason: Option<String>,
    created_at: i64,
    mine: bool,
    replies: Vec<ReactionItem>,
}

fn reaction_items(detail: &IdeaDetail, me: Option<AccountId>) -> Vec<ReactionItem> {
    let item = |r: &wederhoor_store::ReactionView| ReactionItem {
        id: r.id.0,
        author: r.author_name.clone(),
        staff: r.staff,
        department: r.department.map(|d| d.as_str()),
        html: if r.hidden.is_none() {
            markdown::render(&r.body)
        } else {
            String::new()
        },
        hidden: r.hidden.map(|h| h.as_str()),
        hidden_reason: r.hidden_reason.clone(),
        created_at: r.created_at,
        mine: me.is_some() && r.account_id == me,
        replies: Vec::new(),
    };
    let mut top: Vec<ReactionItem> = Vec::new();
    for r in detail.reactions.iter().filter(|r| r.parent_id.is_none()) {
        let mut t = item(r);
        t.replies = detail
            .reactions
            .iter()
            .filter(|x| x.parent_id == Some(r.id))
            .map(item)
            .collect();
        top.push(t);
    }
    top
}

#[derive(Deserialize, Default)]
pub struct IdeaQuery {
    fout: Option<String>,
    ok: Option<String>,
}

/// `GET /ideeen/{id}`: the idea page. A merged idea redirects to what it was merged into.
pub async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
    Query(q): Query<IdeaQuery>,
) -> Result<Response, AppError> {
    let found = match parse_idea_id(&raw) {
        Ok(id) => state.store.idea(id).await?,
        Err(_) => None,
    };
    let Some(detail) = found else {
        // A customer who follows an old or mistyped link gets the feedback page, not the
        // team's error page.
        return render_public(
            &state,
            &visitor,
            "account_message.html",
            minijinja::context! {
                title => text(visitor.lang, "feedback_missing_title"),
                message => text(visitor.lang, "feedback_missing"),
                resend => false,
                login_hint => false,
            },
            StatusCode::NOT_FOUND,
        );
    };
    if let Some(target) = detail.merged_into {
        let title = match state.store.idea(target).await? {
            Some(t) => t.summary.title,
            None => String::new(),
        };
        return Ok(Redirect::permanent(&idea_url(target, &title)).into_response());
    }
    render_idea(&state, &visitor, detail, q, StatusCode::OK).await
}

async fn render_idea(
    state: &AppState,
    visitor: &Visitor,
    detail: IdeaDetail,
    q: IdeaQuery,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = visitor.lang;
    let id = detail.summary.id;
    let me = visitor.account.as_ref().map(|a| a.id);
    let is_author = me.is_some() && detail.account_id == me;
    // A post waiting for review is shown to its author and staff only.
    let pending = detail.hidden == Some(Hidden::PendingReview);
    let visible_body = detail.hidden.is_none() || is_author || visitor.staff.is_some();
    let boards = state.store.boards().await?;
    let board = boards
        .iter()
        .find(|b| b.id == detail.summary.board_id)
        .ok_or(AppError::NotFound)?;
    let (voted, following) = match me {
        Some(a) => {
            let (v, f) = state.store.my_marks(a, &[id]).await?;
            (v.contains(&id), f.contains(&id))
        }
        None => (false, false),
    };
    let history: Vec<_> = detail
        .history
        .iter()
        .map(|h| {
            minijinja::context! {
                label => status_label(&boards, board.id, &h.status, lang),
                colour => h.colour.as_str(),
                explanation => &h.explanation,
                agent => &h.agent_name,
                department => h.department.map(|d| d.as_str()),
                at => h.created_at,
            }
        })
        .collect();
    // A hidden idea's slug would repeat its title: its links use the bare number.
    let path = if visible_body {
        idea_url(id, &detail.summary.title)
    } else {
        format!("/ideeen/{}", id.0)
    };
    let url = format!("{}{path}", state.config.public_url);
    let evidence: Vec<_> = detail
        .evidence_by_kind
        .iter()
        .map(|(kind, n)| minijinja::context! { kind => kind, n => n })
        .collect();
    let shown_title: String = if visible_body {
        detail.summary.title.clone()
    } else {
        text(lang, "feedback_hidden_title").to_owned()
    };
    let share_title = shown_title.clone();
    let panel_results = if visible_body {
        crate::panels::public_results(state, lang, Some(id)).await?
    } else {
        Vec::new()
    };
    let ctx = minijinja::context! {
        panel_results => panel_results,
        idea => minijinja::context! {
            id => id.0,
            title => shown_title,
            html => if visible_body { markdown::render(&detail.body) } else { String::new() },
            author => &detail.summary.author_name,
            status => &detail.summary.status,
            status_label => status_label(&boards, board.id, &detail.summary.status, lang),
            colour => detail.summary.colour.as_str(),
            votes => detail.summary.votes,
            pinned => detail.summary.pinned,
            created_at => detail.summary.created_at,
            hidden => detail.hidden.map(|h| h.as_str()),
            hidden_reason => &detail.hidden_reason,
            pending => pending,
            mine => is_author,
            url => &url,
            path => &path,
            description => if visible_body { markdown::plain_excerpt(&detail.body, 200) } else { String::new() },
        },
        board => board_view(board, lang),
        history => history,
        reactions => reaction_items(&detail, me),
        evidence => evidence,
        evidence_total => detail.evidence_by_kind.iter().map(|(_, n)| n).sum::<i64>(),
        voted => voted,
        following => following,
        error => q.fout.as_deref().map(|k| text(lang, k)).filter(|t| !t.is_empty()),
        notice => q.ok.as_deref().map(|k| text(lang, k)).filter(|t| !t.is_empty()),
        share_mail => format!("mailto:?subject={}&body={}", url_encode(&share_title), url_encode(&url)),
        share_whatsapp => format!("https://wa.me/?text={}", url_encode(&format!("{share_title} {url}"))),
        share_x => format!("https://twitter.com/intent/tweet?text={}&url={}", url_encode(&share_title), url_encode(&url)),
        share_linkedin => format!("https://www.linkedin.com/sharing/share-offsite/?url={}", url_encode(&url)),
    };
    render_public(state, visitor, "idea.html", ctx, status)
}

fn idea_redirect(id: IdeaId, title: &str, flag: Option<(&str, &str)>) -> Response {
    let mut url = idea_url(id, title);
    if let Some((k, v)) = flag {
        url.push_str(&format!("?{k}={v}"));
    }
    Redirect::to(&url).into_response()
}

async fn idea_title(state: &AppState, id: IdeaId) -> Result<(IdeaDetail, String), AppError> {
    let d = state.store.idea(id).await?.ok_or(AppError::NotFound)?;
    let title = d.summary.title.clone();
    Ok((d, title))
}

// ---------------------------------------------------------------- taking part

#[derive(Deserialize, Default)]
pub struct NewIdeaQuery {
    bord: Option<String>,
    titel: Option<String>,
}

/// `GET /ideeen/nieuw`: the form (anyone may see it; posting needs an account). With `?titel=`
/// it lists similar ideas without JavaScript.
pub async fn new_form(
    State(state): State<AppState>,
    visitor: Visitor,
    Query(q): Query<NewIdeaQuery>,
) -> Result<Response, AppError> {
    let title = q.titel.clone().unwrap_or_default();
    let similar_ideas = similar(&state, &title, q.bord.as_deref()).await?;
    render_new(
        &state,
        &visitor,
        q.bord.as_deref().unwrap_or(""),
        &title,
        "",
        None,
        similar_ideas,
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn render_new(
    state: &AppState,
    visitor: &Visitor,
    board: &str,
    title: &str,
    body: &str,
    error: Option<String>,
    similar_ideas: Vec<IdeaSummary>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let boards = state.store.boards().await?;
    let lang = visitor.lang;
    let ctx = minijinja::context! {
        boards => boards.iter().map(|b| board_view(b, lang)).collect::<Vec<_>>(),
        selected => board,
        title => title,
        body => body,
        error => error,
        similar => cards(&similar_ideas, &boards, lang, &Default::default()),
        title_min => IdeaTitle::MIN,
        title_max => IdeaTitle::MAX,
    };
    render_public(state, visitor, "idea_new.html", ctx, status)
}

#[derive(Deserialize)]
pub struct NewIdeaForm {
    csrf: String,
    bord: String,
    titel: String,
    #[serde(default)]
    tekst: String,
    /// Honeypot: people leave it empty (it is hidden); bots fill it in.
    #[serde(default)]
    website: String,
}

/// `POST /ideeen/nieuw`: posts an idea (no pre-editing: it shows at once, unless triage holds it).
pub async fn create(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<NewIdeaForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    let account = visitor.participant("/ideeen/nieuw")?.clone();
    let lang = visitor.lang;
    if !form.website.is_empty() {
        tracing::info!("honeypot filled on the idea form; nothing stored");
        return Ok(Redirect::to("/ideeen").into_response());
    }
    limit(&state, format!("idea:a{}", account.id.0), 10, HOUR)?;
    limit(&state, format!("idea:ip{}", visitor.ip), 30, HOUR)?;
    let boards = state.store.boards().await?;
    let Some(board) = boards.iter().find(|b| b.slug == form.bord) else {
        return render_new(
            &state,
            &visitor,
            "",
            &form.titel,
            &form.tekst,
            Some(text(lang, "feedback_pick_board").to_owned()),
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let parsed =
        IdeaTitle::parse(&form.titel).and_then(|t| IdeaBody::parse(&form.tekst).map(|b| (t, b)));
    let (title, body) = match parsed {
        Ok(v) => v,
        Err(e) => {
            let similar_ideas = similar(&state, &form.titel, Some(&board.slug)).await?;
            return render_new(
                &state,
                &visitor,
                &board.slug,
                &form.titel,
                &form.tekst,
                Some(input_message(lang, &e)),
                similar_ideas,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let since = jiff::Timestamp::now().as_millisecond() - 3_600_000;
    if state.store.posts_since(account.id, since).await? >= 40 {
        return Err(AppError::TooManyRequests);
    }
    let held = screen(&state, &format!("{}\n{}", title.as_str(), body.as_str()));
    let id = state
        .store
        .create_idea(&NewIdea {
            board: board.id,
            poster: Poster::Customer {
                account: account.id,
                name: account.display_name.clone(),
            },
            title: title.as_str().to_owned(),
            body: body.as_str().to_owned(),
            hidden: held.map(|_| Hidden::PendingReview),
        })
        .await?;
    tracing::info!(idea = id.0, held = held.is_some(), "idea posted");
    Ok(idea_redirect(id, title.as_str(), held.map(|k| ("ok", k))))
}

#[derive(Deserialize)]
pub struct VoteForm {
    csrf: String,
    /// `stem` (vote) or `intrekken` (take the vote back).
    actie: String,
    terug: Option<String>,
}

/// `POST /ideeen/{id}/stem`: vote or take the vote back. JSON for the enhanced button.
pub async fn vote(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Form(form): Form<VoteForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    let id = parse_idea_id(&raw)?;
    let back = back_to(form.terug.as_deref(), &format!("/ideeen/{}", id.0));
    let account = visitor.participant(&back)?.clone();
    limit(&state, format!("vote:a{}", account.id.0), 200, HOUR)?;
    let voted = match form.actie.as_str() {
        "stem" => match state.store.vote(id, account.id).await {
            Ok(VoteOutcome::Added | VoteOutcome::AlreadyVoted) => true,
            Err(StoreError::Conflict(_)) => {
                return Err(AppError::Unprocessable(
                    text(visitor.lang, "feedback_vote_closed").to_owned(),
                ));
            }
            Err(e) => return Err(e.into()),
        },
        "intrekken" => {
            state.store.unvote(id, account.id).await?;
            false
        }
        other => return Err(AppError::BadRequest(format!("unknown action {other:?}"))),
    };
    if wants_json(&headers) {
        let d = state.store.idea(id).await?.ok_or(AppError::NotFound)?;
        return Ok(
            Json(serde_json::json!({ "votes": d.summary.votes, "voted": voted })).into_response(),
        );
    }
    Ok(Redirect::to(&back).into_response())
}

#[derive(Deserialize)]
pub struct FollowForm {
    csrf: String,
    /// `1` to follow, `0` to stop.
    volgen: String,
}

/// `POST /ideeen/{id}/volgen`
pub async fn follow(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<FollowForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    let id = parse_idea_id(&raw)?;
    let (_, title) = idea_title(&state, id).await?;
    let account = visitor.participant(&idea_url(id, &title))?.clone();
    state
        .store
        .follow(id, account.id, form.volgen == "1")
        .await?;
    Ok(idea_redirect(id, &title, None))
}

#[derive(Deserialize)]
pub struct ReactionForm {
    csrf: String,
    tekst: String,
    ouder: Option<String>,
    #[serde(default)]
    website: String,
}

fn parent_id(raw: Option<&str>) -> Result<Option<ReactionId>, AppError> {
    match raw.filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(p) => p
            .parse::<i64>()
            .map(|v| Some(ReactionId(v)))
            .map_err(|_| AppError::BadRequest("bad parent".into())),
    }
}

/// Builds the mail followers who asked for it get about a new reaction, in their language.
fn reaction_mail(
    state: &AppState,
    id: IdeaId,
    title: &str,
    who: String,
    body: &str,
) -> impl Fn(&Follower) -> (String, String) + Sync + use<> {
    let url = format!("{}{}", state.config.public_url, idea_url(id, title));
    let settings = format!("{}/account", state.config.public_url);
    let title = title.to_owned();
    let body = body.to_owned();
    move |f: &Follower| {
        let lang = Lang::parse(&f.language).unwrap_or(Lang::Nl);
        let subject = text(lang, "feedback_reaction_mail_subject").replace("{title}", &title);
        let text_body = text(lang, "feedback_reaction_mail_body")
            .replace("{title}", &title)
            .replace("{who}", &who)
            .replace("{text}", &body)
            .replace("{url}", &url)
            .replace("{settings}", &settings);
        (subject, text_body)
    }
}

/// `POST /ideeen/{id}/reactie`: a customer's reaction (or a reply to one).
pub async fn react(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<ReactionForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    let id = parse_idea_id(&raw)?;
    let (detail, title) = idea_title(&state, id).await?;
    let account = visitor.participant(&idea_url(id, &title))?.clone();
    if !form.website.is_empty() {
        return Ok(idea_redirect(id, &title, None));
    }
    if detail.hidden.is_some() {
        return Err(AppError::Unprocessable(
            text(visitor.lang, "feedback_vote_closed").to_owned(),
        ));
    }
    limit(&state, format!("react:a{}", account.id.0), 30, HOUR)?;
    limit(&state, format!("react:ip{}", visitor.ip), 60, HOUR)?;
    let body = match ReactionBody::parse(&form.tekst) {
        Ok(b) => b,
        Err(e) => {
            let q = IdeaQuery::default();
            let mut response = render_idea(
                &state,
                &visitor,
                detail,
                q,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await?;
            response.headers_mut().insert(
                "x-form-error",
                header::HeaderValue::from_str(&url_encode(&input_message(visitor.lang, &e)))
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            );
            return Ok(response);
        }
    };
    let since = jiff::Timestamp::now().as_millisecond() - 3_600_000;
    if state.store.posts_since(account.id, since).await? >= 40 {
        return Err(AppError::TooManyRequests);
    }
    let held = screen(&state, body.as_str());
    let mail = reaction_mail(
        &state,
        id,
        &title,
        account.display_name.clone(),
        body.as_str(),
    );
    state
        .store
        .add_reaction_notifying(
            &NewReaction {
                idea: id,
                parent: parent_id(form.ouder.as_deref())?,
                poster: Poster::Customer {
                    account: account.id,
                    name: account.display_name.clone(),
                },
                body: body.as_str().to_owned(),
                hidden: held.map(|_| Hidden::PendingReview),
            },
            Some(&mail),
        )
        .await?;
    state.mail_wakeup.notify_one();
    Ok(idea_redirect(id, &title, held.map(|k| ("ok", k))))
}

#[derive(Deserialize)]
pub struct ReportForm {
    csrf: String,
    reden: String,
    reactie: Option<String>,
}

/// `POST /ideeen/{id}/melden`: reports an idea or one of its reactions to the staff.
pub async fn report(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<ReportForm>,
) -> Result<Response, AppError> {
    visitor.check_csrf(&form.csrf)?;
    let id = parse_idea_id(&raw)?;
    let (_, title) = idea_title(&state, id).await?;
    let account = visitor.participant(&idea_url(id, &title))?.clone();
    limit(&state, format!("report:a{}", account.id.0), 20, HOUR)?;
    let reason = HideReason::parse(&form.reden)
        .map_err(|e| AppError::Unprocessable(input_message(visitor.lang, &e)))?;
    state
        .store
        .report(
            id,
            parent_id(form.reactie.as_deref())?,
            Some(account.id),
            reason.as_str(),
        )
        .await?;
    Ok(idea_redirect(id, &title, Some(("ok", "feedback_reported"))))
}

// ---------------------------------------------------------------- staff on the idea page

#[derive(Deserialize)]
pub struct StatusForm {
    csrf: String,
    status: String,
    uitleg: String,
}

/// `POST /ideeen/{id}/status`: a new status with its required public explanation. Followers
/// get a mail and linked social authors a reply through the outbox, in the same transaction.
pub async fn set_status(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    let staff = visitor.status_staff()?.clone();
    staff.check_csrf(&form.csrf)?;
    let id = parse_idea_id(&raw)?;
    let (detail, title) = idea_title(&state, id).await?;
    let explanation = match Explanation::parse(&form.uitleg) {
        Ok(e) => e,
        Err(_) => {
            return Ok(idea_redirect(
                id,
                &title,
                Some(("fout", "feedback_explanation_needed")),
            ));
        }
    };
    if has_pii(&state, explanation.as_str()) {
        return Ok(idea_redirect(id, &title, Some(("fout", "feedback_no_pii"))));
    }
    let boards = state.store.boards().await?;
    let board = boards
        .iter()
        .find(|b| b.id == detail.summary.board_id)
        .ok_or(AppError::NotFound)?;
    let Some(status) = board.status(&form.status) else {
        return Err(AppError::BadRequest(format!(
            "unknown status {:?}",
            form.status
        )));
    };
    let url = format!("{}{}", state.config.public_url, idea_url(id, &title));
    let public_url = state.config.public_url.clone();
    let name = staff.agent.display_name.clone();
    let dept = staff.department;
    let mail = |f: &Follower| -> (String, String) {
        let lang = Lang::parse(&f.language).unwrap_or(Lang::Nl);
        let status_label = status_word(lang, status);
        let who = match dept {
            Some(d) => format!(
                "{name} ({})",
                text(lang, &format!("department_{}", d.as_str()))
            ),
            None => name.clone(),
        };
        let subject = text(lang, "feedback_mail_subject")
            .replace("{title}", &title)
            .replace("{status}", &status_label);
        let body = text(lang, "feedback_mail_body")
            .replace("{title}", &title)
            .replace("{status}", &status_label)
            .replace("{explanation}", explanation.as_str())
            .replace("{who}", &who)
            .replace("{url}", &url)
            .replace("{settings}", &format!("{public_url}/account"));
        (subject, body)
    };
    // The update to each linked social author, in the language of their message (nl, en or
    // fr; Dutch otherwise). Board statuses have Dutch and English labels; French takes English.
    let clipped = crate::pages::clip(title.clone(), 80);
    let (label_nl, label_en) = (status.label_nl.clone(), status.label_en.clone());
    let social = |language: &str| -> String {
        let label = if language == "nl" || !["en", "fr"].contains(&language) {
            &label_nl
        } else {
            &label_en
        };
        crate::i18n::customer_text(language, "feedback_social_update")
            .replace("{title}", &clipped)
            .replace("{status}", label)
            .replace("{url}", &url)
    };
    let outcome = state
        .store
        .set_idea_status(
            id,
            &status.key,
            explanation.as_str(),
            (staff.agent.id, &staff.agent.display_name, staff.department),
            &mail,
            Some(&social),
        )
        .await?;
    if outcome.skipped > 0 {
        tracing::info!(
            idea = id.0,
            skipped = outcome.skipped,
            "status update not sent to some linked conversations (WhatsApp window closed)"
        );
    }
    if outcome.mails > 0 {
        state.mail_wakeup.notify_one();
    }
    if outcome.social_replies > 0 {
        state.outbox_wakeup.notify_one();
    }
    tracing::info!(
        idea = id.0,
        status = %status.key,
        mails = outcome.mails,
        replies = outcome.social_replies,
        "idea status set"
    );
    Ok(idea_redirect(
        id,
        &title,
        Some(("ok", "feedback_status_saved")),
    ))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    csrf: String,
    tekst: String,
    ouder: Option<String>,
}

/// `POST /ideeen/{id}/antwoord`: a staff answer, under the staff member's own name and badge.
pub async fn answer(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let staff = visitor.answering_staff()?.clone();
    staff.check_csrf(&form.csrf)?;
    let id = parse_idea_id(&raw)?;
    let (_, title) = idea_title(&state, id).await?;
    let Ok(body) = ReactionBody::parse(&form.tekst) else {
        return Ok(idea_redirect(
            id,
            &title,
            Some(("fout", "feedback_answer_empty")),
        ));
    };
    if has_pii(&state, body.as_str()) {
        return Ok(idea_redirect(id, &title, Some(("fout", "feedback_no_pii"))));
    }
    let mail = reaction_mail(
        &state,
        id,
        &title,
        staff.agent.display_name.clone(),
        body.as_str(),
    );
    state
        .store
        .add_reaction_notifying(
            &NewReaction {
                idea: id,
                parent: parent_id(form.ouder.as_deref())?,
                poster: Poster::Staff {
                    agent: staff.agent.id,
                    name: staff.agent.display_name.clone(),
                    department: staff.department,
                },
                body: body.as_str().to_owned(),
                hidden: None,
            },
            Some(&mail),
        )
        .await?;
    state.mail_wakeup.notify_one();
    Ok(idea_redirect(id, &title, None))
}

#[derive(Deserialize)]
pub struct PinForm {
    csrf: String,
    vast: String,
}

/// `POST /ideeen/{id}/vastzetten`
pub async fn pin(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<PinForm>,
) -> Result<Response, AppError> {
    let staff = visitor.moderator()?.clone();
    staff.check_csrf(&form.csrf)?;
    let id = parse_idea_id(&raw)?;
    let (_, title) = idea_title(&state, id).await?;
    state
        .store
        .pin_idea(id, form.vast == "1", staff.agent.id)
        .await?;
    Ok(idea_redirect(id, &title, None))
}

#[derive(Deserialize)]
pub struct MergeForm {
    csrf: String,
    /// The idea to merge into: its number or its URL.
    naar: String,
}

/// `POST /ideeen/{id}/samenvoegen`: merges this idea (a duplicate) into another.
pub async fn merge(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<MergeForm>,
) -> Result<Response, AppError> {
    let staff = visitor.moderator()?.clone();
    staff.check_csrf(&form.csrf)?;
    let id = parse_idea_id(&raw)?;
    let (_, title) = idea_title(&state, id).await?;
    let target_raw = form
        .naar
        .trim()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let Ok(target) = parse_idea_id(&target_raw) else {
        return Ok(idea_redirect(
            id,
            &title,
            Some(("fout", "feedback_merge_target")),
        ));
    };
    match state.store.merge_ideas(id, target, staff.agent.id).await {
        Ok(()) => {
            let (_, target_title) = idea_title(&state, target).await?;
            Ok(idea_redirect(
                target,
                &target_title,
                Some(("ok", "feedback_merged")),
            ))
        }
        Err(StoreError::Conflict(_) | StoreError::NotFound(_)) => Ok(idea_redirect(
            id,
            &title,
            Some(("fout", "feedback_merge_target")),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct HideForm {
    csrf: String,
    /// Empty: show again.
    #[serde(default)]
    reden: String,
    terug: Option<String>,
}

fn hide_choice(form: &HideForm, lang: Lang) -> Result<Option<(Hidden, String)>, AppError> {
    if form.reden.trim().is_empty() {
        return Ok(None);
    }
    let reason = HideReason::parse(&form.reden)
        .map_err(|e| AppError::Unprocessable(input_message(lang, &e)))?;
    Ok(Some((Hidden::Staff, reason.as_str().to_owned())))
}

/// `POST /ideeen/{id}/verbergen`: hides with a public reason, or shows again (empty reason).
pub async fn hide(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(raw): Path<String>,
    Form(form): Form<HideForm>,
) -> Result<Response, AppError> {
    let staff = visitor.moderator()?.clone();
    staff.check_csrf(&form.csrf)?;
    let id = parse_idea_id(&raw)?;
    let (detail, title) = idea_title(&state, id).await?;
    let choice = hide_choice(&form, visitor.lang)?;
    state
        .store
        .hide_idea(
            id,
            choice.as_ref().map(|(h, r)| (*h, r.as_str())),
            Some(staff.agent.id),
        )
        .await?;
    if detail.hidden == Some(Hidden::PendingReview) {
        tell_author_of_decision(
            &state,
            detail.account_id,
            id,
            &title,
            choice.as_ref(),
            "idea",
        )
        .await?;
    }
    let back = back_to(form.terug.as_deref(), &idea_url(id, &title));
    Ok(Redirect::to(&back).into_response())
}

/// `POST /reacties/{id}/verbergen`
pub async fn hide_reaction(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<HideForm>,
) -> Result<Response, AppError> {
    let staff = visitor.moderator()?.clone();
    staff.check_csrf(&form.csrf)?;
    let choice = hide_choice(&form, visitor.lang)?;
    let before = state.store.reaction_state(ReactionId(id)).await?;
    let idea = state
        .store
        .hide_reaction(
            ReactionId(id),
            choice.as_ref().map(|(h, r)| (*h, r.as_str())),
            Some(staff.agent.id),
        )
        .await?;
    let (_, title) = idea_title(&state, idea).await?;
    if let Some((author, Some(Hidden::PendingReview))) = before {
        tell_author_of_decision(
            &state,
            author,
            idea,
            &title,
            choice.as_ref(),
            &format!("reaction-{id}"),
        )
        .await?;
    }
    let back = back_to(form.terug.as_deref(), &idea_url(idea, &title));
    Ok(Redirect::to(&back).into_response())
}

/// A post triage held back was decided by staff: its author hears the outcome by mail (shown,
/// or kept hidden with the public reason), if they have a verified address.
async fn tell_author_of_decision(
    state: &AppState,
    author: Option<AccountId>,
    idea: IdeaId,
    title: &str,
    hidden: Option<&(Hidden, String)>,
    what: &str,
) -> Result<(), AppError> {
    let Some(author) = author else {
        return Ok(());
    };
    let Some(account) = state.store.account(author).await? else {
        return Ok(());
    };
    let (Some(email), true, false) = (&account.email, account.email_verified, account.deleted)
    else {
        return Ok(());
    };
    let lang = Lang::parse(&account.language).unwrap_or(Lang::Nl);
    let url = format!("{}{}", state.config.public_url, idea_url(idea, title));
    let (key, outcome) = match hidden {
        None => ("feedback_decision_shown", String::new()),
        Some((_, reason)) => ("feedback_decision_hidden", reason.clone()),
    };
    let body = text(lang, key)
        .replace("{title}", title)
        .replace("{reason}", &outcome)
        .replace("{url}", &url);
    state
        .store
        .queue_mail(&wederhoor_store::NewMail {
            to: email.clone(),
            subject: text(lang, "feedback_decision_subject").replace("{title}", title),
            body,
            idempotency_key: format!("decision-{what}-{}-{}", idea.0, key),
        })
        .await?;
    state.mail_wakeup.notify_one();
    Ok(())
}

// ---------------------------------------------------------------- the staff desk

/// `GET /ideeen/beheer`: reports, posts held by triage, figures, ideas waiting for a status,
/// the staff member's department and (admins) boards and their statuses.
pub async fn desk(State(state): State<AppState>, visitor: Visitor) -> Result<Response, AppError> {
    let staff = visitor.staff.clone().ok_or(AppError::Unauthenticated)?;
    let lang = visitor.lang;
    let boards = state.store.boards().await?;
    let report = state.store.feedback_report().await?;
    let reports = if staff.may_moderate() {
        state.store.open_reports(50).await?
    } else {
        Vec::new()
    };
    let pending = if staff.may_moderate() {
        state.store.pending_posts(50).await?
    } else {
        Vec::new()
    };
    let is_admin = staff.agent.role == wederhoor_core::Role::Admin;
    let mail = if is_admin {
        state.store.recent_mail(20).await?
    } else {
        Vec::new()
    };
    let hours = |ms: Option<i64>| ms.map(|m| format!("{:.1}", m as f64 / 3_600_000.0));
    let ctx = minijinja::context! {
        boards => boards.iter().map(|b| board_view(b, lang)).collect::<Vec<_>>(),
        report => minijinja::context! {
            answered => report.ideas_with_staff_answer,
            median_hours => hours(report.first_answer_median_ms),
            p90_hours => hours(report.first_answer_p90_ms),
            waiting_total => report.waiting_total,
            waiting => cards(&report.waiting, &boards, lang, &Default::default()),
        },
        reports => reports.iter().map(|r| minijinja::context! {
            id => r.id,
            idea_url => idea_url(r.idea_id, &r.idea_title),
            idea_title => &r.idea_title,
            reaction_id => r.reaction_id.map(|x| x.0),
            idea_id => r.idea_id.0,
            text => crate::pages::clip(r.text.clone(), 300),
            reason => &r.reason,
            at => r.created_at,
        }).collect::<Vec<_>>(),
        pending => pending.iter().map(|p| minijinja::context! {
            idea_id => p.idea_id.0,
            idea_url => idea_url(p.idea_id, &p.title),
            reaction_id => p.reaction_id.map(|x| x.0),
            title => &p.title,
            text => crate::pages::clip(p.text.clone(), 300),
            author => &p.author_name,
            at => p.created_at,
        }).collect::<Vec<_>>(),
        departments => Department::ALL.iter().map(|d| d.as_str()).collect::<Vec<_>>(),
        my_department => staff.department.map(|d| d.as_str()),
        is_admin => is_admin,
        mail => mail,
        colours => IdeaColour::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        staff_csrf => &staff.csrf,
    };
    render_public(&state, &visitor, "feedback_desk.html", ctx, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct DismissForm {
    csrf: String,
}

/// `POST /ideeen/beheer/meldingen/{id}/afwijzen`: the reported post is fine.
pub async fn dismiss_report(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<i64>,
    Form(form): Form<DismissForm>,
) -> Result<Response, AppError> {
    let staff = visitor.moderator()?.clone();
    staff.check_csrf(&form.csrf)?;
    state.store.dismiss_report(id, staff.agent.id).await?;
    Ok(Redirect::to("/ideeen/beheer").into_response())
}

#[derive(Deserialize)]
pub struct DepartmentForm {
    csrf: String,
    afdeling: String,
}

/// `POST /ideeen/beheer/afdeling`: the department a staff member answers for.
pub async fn set_department(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<DepartmentForm>,
) -> Result<Response, AppError> {
    let staff = visitor.staff.clone().ok_or(AppError::Unauthenticated)?;
    staff.check_csrf(&form.csrf)?;
    let department = match form.afdeling.as_str() {
        "" => None,
        d => Some(
            d.parse::<Department>()
                .map_err(|e| AppError::BadRequest(e.to_string()))?,
        ),
    };
    state
        .store
        .set_agent_department(staff.agent.id, department)
        .await?;
    Ok(Redirect::to("/ideeen/beheer").into_response())
}

#[derive(Deserialize)]
pub struct BoardForm {
    csrf: String,
    slug: String,
    naam_nl: String,
    naam_en: String,
    #[serde(default)]
    omschrijving_nl: String,
    #[serde(default)]
    omschrijving_en: String,
}

fn admin_of(visitor: &Visitor) -> Result<crate::public::Staff, AppError> {
    match &visitor.staff {
        Some(s) if s.agent.role == wederhoor_core::Role::Admin => Ok(s.clone()),
        _ => Err(AppError::Forbidden),
    }
}

fn short(field: &str, raw: &str, max: usize) -> Result<String, AppError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(AppError::Unprocessable(format!(
            "{field}: 1–{max} characters, one line"
        )));
    }
    Ok(t.to_owned())
}

/// `POST /ideeen/beheer/borden`: adds a board (admins).
pub async fn add_board(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<BoardForm>,
) -> Result<Response, AppError> {
    let staff = admin_of(&visitor)?;
    staff.check_csrf(&form.csrf)?;
    let slug = Key::parse(&form.slug)
        .map_err(|e| AppError::Unprocessable(input_message(visitor.lang, &e)))?;
    state
        .store
        .create_board(
            &NewBoard {
                slug: slug.as_str().to_owned(),
                name_nl: short("naam_nl", &form.naam_nl, 60)?,
                name_en: short("naam_en", &form.naam_en, 60)?,
                description_nl: form.omschrijving_nl.trim().chars().take(500).collect(),
                description_en: form.omschrijving_en.trim().chars().take(500).collect(),
            },
            Some(staff.agent.id),
        )
        .await?;
    Ok(Redirect::to("/ideeen/beheer").into_response())
}

#[derive(Deserialize)]
pub struct BoardStatusForm {
    csrf: String,
    sleutel: String,
    label_nl: String,
    label_en: String,
    kleur: String,
}

/// `POST /ideeen/beheer/borden/{slug}/status`: adds or relabels a status (admins).
pub async fn set_board_status(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(board_slug): Path<String>,
    Form(form): Form<BoardStatusForm>,
) -> Result<Response, AppError> {
    let staff = admin_of(&visitor)?;
    staff.check_csrf(&form.csrf)?;
    let board = state
        .store
        .boards()
        .await?
        .into_iter()
        .find(|b| b.slug == board_slug)
        .ok_or(AppError::NotFound)?;
    let key = Key::parse(&form.sleutel)
        .map_err(|e| AppError::Unprocessable(input_message(visitor.lang, &e)))?;
    let colour = form
        .kleur
        .parse::<IdeaColour>()
        .map_err(|e| AppError::Unprocessable(e.to_string()))?;
    state
        .store
        .set_board_status(
            board.id,
            key.as_str(),
            &short("label_nl", &form.label_nl, 40)?,
            &short("label_en", &form.label_en, 40)?,
            colour,
            staff.agent.id,
        )
        .await?;
    Ok(Redirect::to("/ideeen/beheer").into_response())
}

// ---------------------------------------------------------------- from the inbox

#[derive(Deserialize)]
pub struct AttachForm {
    csrf: String,
    /// The idea: its number or URL.
    idee: String,
    /// The message to attach (default: the conversation's first inbound message).
    bericht: Option<String>,
}

/// `POST /c/{id}/idee`: attaches a message of a conversation to an idea as evidence; its
/// author then counts as a supporter and hears about status changes through the outbox.
pub async fn attach_from_inbox(
    State(state): State<AppState>,
    auth: crate::auth::Auth<{ crate::auth::AGENT }>,
    Path(id): Path<i64>,
    Form(form): Form<AttachForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let conversation = ConversationId(id);
    let detail = state
        .store
        .conversation(conversation)
        .await?
        .ok_or(AppError::NotFound)?;
    let message = match form.bericht.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => {
            let mid = m
                .parse::<i64>()
                .map(MessageId)
                .map_err(|_| AppError::BadRequest("bad message id".into()))?;
            if !detail.messages.iter().any(|x| x.id == mid) {
                return Err(AppError::BadRequest(
                    "the message is not part of this conversation".into(),
                ));
            }
            mid
        }
        None => detail
            .messages
            .first()
            .map(|m| m.id)
            .ok_or(AppError::NotFound)?,
    };
    let target_raw = form
        .idee
        .trim()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let back = format!("/c/{id}");
    let Ok(idea) = parse_idea_id(&target_raw) else {
        return Ok(Redirect::to(&format!("{back}?error=feedback_attach_unknown")).into_response());
    };
    match state
        .store
        .attach_evidence(idea, message, auth.agent.id)
        .await
    {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(StoreError::NotFound(_)) => {
            Ok(Redirect::to(&format!("{back}?error=feedback_attach_unknown")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct IdeaFromInboxForm {
    csrf: String,
    bord: String,
    titel: String,
    #[serde(default)]
    tekst: String,
}

/// `POST /c/{id}/nieuw-idee`: a suggestion heard on social media or a consumer site becomes an
/// idea on the public page, with the conversation's first message attached as evidence (so its
/// author hears what becomes of it). The idea is shown as coming "via Mastodon" (the source's
/// kind), never under the person's name; title and text are the agent's own words, and personal
/// data in them is refused.
pub async fn create_from_inbox(
    State(state): State<AppState>,
    auth: crate::auth::Auth<{ crate::auth::AGENT }>,
    Path(id): Path<i64>,
    Form(form): Form<IdeaFromInboxForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let conversation = ConversationId(id);
    let detail = state
        .store
        .conversation(conversation)
        .await?
        .ok_or(AppError::NotFound)?;
    let back = |key: &str| Redirect::to(&format!("/c/{id}?error={key}")).into_response();
    let Some(first) = detail.messages.first() else {
        return Err(AppError::NotFound);
    };
    let boards = state.store.boards().await?;
    let Some(board) = boards.iter().find(|b| b.slug == form.bord) else {
        return Ok(back("feedback_pick_board"));
    };
    let (Ok(title), Ok(body)) = (IdeaTitle::parse(&form.titel), IdeaBody::parse(&form.tekst))
    else {
        return Ok(back("feedback_idea_from_inbox_invalid"));
    };
    if has_pii(&state, &format!("{}\n{}", title.as_str(), body.as_str())) {
        return Ok(back("feedback_no_pii"));
    }
    let kind = state
        .store
        .list_sources()
        .await?
        .into_iter()
        .find(|s| s.id == detail.summary.source_id)
        .map_or_else(|| "webhook".to_owned(), |s| s.kind);
    let kind_label = crate::i18n::text(Lang::Nl, &format!("kind_{kind}"));
    let author = text(Lang::Nl, "feedback_via_source").replace(
        "{kind}",
        if kind_label.is_empty() {
            &kind
        } else {
            kind_label
        },
    );
    let department = state.store.agent_department(auth.agent.id).await?;
    let idea = state
        .store
        .create_idea(&NewIdea {
            board: board.id,
            poster: Poster::Staff {
                agent: auth.agent.id,
                name: author,
                department,
            },
            title: title.as_str().to_owned(),
            body: body.as_str().to_owned(),
            hidden: None,
        })
        .await?;
    state
        .store
        .attach_evidence(idea, first.id, auth.agent.id)
        .await?;
    tracing::info!(
        idea = idea.0,
        conversation = id,
        "idea created from the inbox"
    );
    Ok(idea_redirect(idea, title.as_str(), None))
}

// ---------------------------------------------------------------- the Atom feed

#[derive(Deserialize, Default)]
pub struct FeedQuery {
    bord: Option<String>,
}

/// `GET /ideeen/feed.atom` (`?bord=` for one panel): new ideas and status changes (RFC 4287).
pub async fn feed(
    State(state): State<AppState>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, AppError> {
    let boards = state.store.boards().await?;
    let board = match q.bord.as_deref().filter(|b| !b.is_empty()) {
        Some(slug) => Some(
            boards
                .iter()
                .find(|b| b.slug == slug)
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let entries = state.store.feed_entries(50, board.map(|b| b.id)).await?;
    let base = &state.config.public_url;
    let rfc3339 = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_string())
            .unwrap_or_default()
    };
    let updated = entries.first().map_or_else(
        || rfc3339(jiff::Timestamp::now().as_millisecond()),
        |e| rfc3339(e.at),
    );
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    xml.push_str(&format!(
        "<title>{} · {}</title>\n<id>{base}/ideeen</id>\n<link rel=\"alternate\" href=\"{base}/ideeen\"/>\n<link rel=\"self\" href=\"{base}/ideeen/feed.atom\"/>\n<updated>{updated}</updated>\n",
        escape(&state.config.brand_name),
        escape(text(Lang::Nl, "feedback_title"))
    ));
    for e in &entries {
        let url = format!("{base}{}", idea_url(e.idea_id, &e.title));
        let (id, title) = match &e.status {
            None => (
                format!("{url}#idee"),
                format!("{}: {}", text(Lang::Nl, "feedback_feed_new"), e.title),
            ),
            Some(s) => {
                let board = boards
                    .iter()
                    .find(|b| b.statuses.iter().any(|x| &x.key == s));
                let label = board
                    .and_then(|b| b.status(s))
                    .map_or_else(|| s.clone(), |x| x.label_nl.clone());
                (
                    format!("{url}#status-{}", e.at),
                    format!("{label}: {}", e.title),
                )
            }
        };
        let author = if e.author_name.is_empty() {
            text(Lang::Nl, "feedback_deleted_account").to_owned()
        } else {
            e.author_name.clone()
        };
        xml.push_str(&format!(
            "<entry>\n<id>{}</id>\n<title>{}</title>\n<link rel=\"alternate\" href=\"{}\"/>\n<updated>{}</updated>\n<author><name>{}</name></author>\n<summary>{}</summary>\n</entry>\n",
            escape(&id),
            escape(&title),
            escape(&url),
            rfc3339(e.at),
            escape(&author),
            escape(&markdown::plain_excerpt(&e.text, 400)),
        ));
    }
    xml.push_str("</feed>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idea_ids_come_from_the_leading_digits() {
        assert_eq!(parse_idea_id("42-donkere-modus").ok(), Some(IdeaId(42)));
        assert_eq!(parse_idea_id("7").ok(), Some(IdeaId(7)));
        assert!(parse_idea_id("nieuw").is_err());
        assert!(parse_idea_id("").is_err());
    }

    #[test]
    fn back_links_stay_local() {
        assert_eq!(back_to(Some("/ideeen?pagina=2"), "/x"), "/ideeen?pagina=2");
        assert_eq!(back_to(Some("//evil.example"), "/x"), "/x");
        assert_eq!(back_to(Some("https://evil.example"), "/x"), "/x");
        assert_eq!(back_to(None, "/x"), "/x");
    }
}
