//! E-cards from a case (`/c/{id}/kaart`: the form with a preview, the preview picture and the
//! send) and the public link of a card sent as a link (`/kaarten/{hash}.png`): thin handlers
//! over `wederhoor_app::cards`.

use crate::AppState;
use crate::auth::{AGENT, Auth, LEAD};
use crate::error::AppError;
use crate::i18n::{Lang, customer_text, text};
use crate::pages;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wederhoor_app::cards::{
    CardOutcome, CardRefusal, CardRequest, CardTemplate, CardText, MAX_LINE_CHARS, send_ecard,
};
use wederhoor_core::ConversationId;

#[derive(Deserialize, Default)]
pub struct CardQuery {
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    line: Option<String>,
    /// Set after a printed card was requested (the page says so).
    #[serde(default)]
    printed: bool,
}

#[derive(Deserialize)]
pub struct CardForm {
    csrf: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    line: String,
}

fn template_of(name: Option<&str>) -> Result<CardTemplate, AppError> {
    match name {
        None | Some("") => Ok(CardTemplate::Thanks),
        Some(n) => CardTemplate::parse(n)
            .ok_or_else(|| AppError::BadRequest(format!("unknown card template {n:?}"))),
    }
}

/// The card's heading in the customer's language (the language of their messages).
fn heading(language: &str, template: CardTemplate) -> &'static str {
    customer_text(language, &format!("card_heading_{}", template.name()))
}

fn refusal_text(lang: Lang, refusal: &CardRefusal) -> String {
    text(lang, refusal.key()).replace("{max}", &MAX_LINE_CHARS.to_string())
}

async fn language_of(state: &AppState, id: ConversationId) -> Result<String, AppError> {
    let summary = state
        .store
        .conversation_summary(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(summary.language)
}

/// What the printed card form shows again after a refusal.
#[derive(serde::Serialize, Default)]
struct PrintedDraft {
    recipient: String,
    address: String,
    error: Option<String>,
    requested: bool,
}

/// Cents as euros with a decimal comma ("2,50").
fn euros(cents: i64) -> String {
    format!("{},{:02}", cents / 100, (cents % 100).abs())
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    auth: &Auth<AGENT>,
    id: ConversationId,
    template: CardTemplate,
    line: &str,
    error: Option<String>,
    status: StatusCode,
    printed: Option<PrintedDraft>,
) -> Result<Response, AppError> {
    let summary = state
        .store
        .conversation_summary(id)
        .await?
        .ok_or(AppError::NotFound)?;
    let source = state
        .store
        .source(summary.source_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let cards = state.store.cards_of_conversation(id).await?;
    let now = jiff::Timestamp::now().as_millisecond();
    let (from, to) = wederhoor_app::cards::month_of(now)?;
    let spent = state.store.printed_spent(from, to).await?;
    let policy = state.config.printed_cards;
    let preview = (!line.trim().is_empty() && error.is_none()).then(|| {
        format!(
            "/c/{}/kaart.png?template={}&line={}",
            id.0,
            template.name(),
            urlencode(line.trim())
        )
    });
    let html = pages::render(
        state,
        "card.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            c => &summary,
            templates => CardTemplate::ALL.iter().map(|t| t.name()).collect::<Vec<_>>(),
            template => template.name(),
            line => line,
            max => MAX_LINE_CHARS,
            preview => preview,
            error => error,
            as_media => wederhoor_app::cards::connector_sends_media(source.delivery_kind),
            cards => cards,
            printed => printed.unwrap_or_default(),
            budget_left => euros(policy.monthly_budget_cents.saturating_sub(spent).max(0)),
            card_cost => euros(policy.cost_cents),
        },
    )?;
    Ok((status, html).into_response())
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `GET /c/{id}/kaart`: the e-card form; with a line, its preview (or why it cannot be sent).
pub async fn form(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Query(query): Query<CardQuery>,
) -> Result<Response, AppError> {
    let id = ConversationId(id);
    let template = template_of(query.template.as_deref())?;
    let line = query.line.unwrap_or_default();
    let mut error = None;
    if !line.trim().is_empty()
        && let Err(refusal) = wederhoor_app::cards::check_line(&state.active_rules().engine, &line)
    {
        error = Some(refusal_text(auth.lang, &refusal));
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let printed = query.printed.then(|| PrintedDraft {
        requested: true,
        ..PrintedDraft::default()
    });
    page(&state, &auth, id, template, &line, error, status, printed).await
}

/// `GET /c/{id}/kaart.png`: the card as it would be sent (PNG).
pub async fn preview(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Query(query): Query<CardQuery>,
) -> Result<Response, AppError> {
    let id = ConversationId(id);
    let template = template_of(query.template.as_deref())?;
    let language = language_of(&state, id).await?;
    let line = query.line.unwrap_or_default();
    let engine = state.active_rules().engine;
    let name = auth.agent.display_name.clone();
    let png = tokio::task::spawn_blocking(move || {
        wederhoor_app::cards::preview(
            &engine,
            &CardText {
                template,
                heading: heading(&language, template),
                line: &line,
                agent_name: &name,
            },
        )
    })
    .await
    .map_err(|e| AppError::Internal(format!("card preview: {e}")))??;
    match png {
        Ok(png) => Ok((
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            png,
        )
            .into_response()),
        Err(refusal) => Err(AppError::Unprocessable(refusal_text(auth.lang, &refusal))),
    }
}

/// `POST /c/{id}/kaart`: send the e-card.
pub async fn send(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<CardForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let id = ConversationId(id);
    let template = template_of(Some(&form.template))?;
    let language = language_of(&state, id).await?;
    let rules = state.active_rules();
    let outcome = send_ecard(
        &state.store,
        &rules.engine,
        &state.config.replies,
        &state,
        CardRequest {
            conversation: id,
            agent: auth.agent.id,
            card: CardText {
                template,
                heading: heading(&language, template),
                line: &form.line,
                agent_name: &auth.agent.display_name,
            },
            public_url: &state.config.public_url,
            description: customer_text(&language, &format!("card_description_{}", template.name())),
        },
    )
    .await?;
    match outcome {
        CardOutcome::Sent { .. } => {
            state.outbox_wakeup.notify_one();
            Ok((
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("/c/{}", id.0))],
            )
                .into_response())
        }
        CardOutcome::Refused(refusal) => {
            let error = Some(refusal_text(auth.lang, &refusal));
            page(
                &state,
                &auth,
                id,
                template,
                &form.line,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
            )
            .await
        }
    }
}

/// `GET /kaarten/{file}`: the picture of a sent card (`HASH.png`), for channels that take no
/// media. Public (the customer follows the link); only cards' pictures are served.
pub async fn picture(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let hash = file.strip_suffix(".png").ok_or(AppError::NotFound)?;
    if hash.len() != 64
        || !hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err(AppError::NotFound);
    }
    let (content_type, bytes) = state
        .store
        .card_picture(hash)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct PrintedForm {
    csrf: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    address: String,
}

/// `POST /c/{id}/kaart/drukwerk`: request a printed card (the address the agent has from a
/// private channel), within the month's budget.
pub async fn request_printed(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<PrintedForm>,
) -> Result<Response, AppError> {
    use wederhoor_app::cards::{PrintedCardRequest, PrintedRefusal, request_printed_card};
    auth.check_csrf(&form.csrf)?;
    let id = ConversationId(id);
    let template = template_of(Some(&form.template))?;
    let outcome = request_printed_card(
        &state.store,
        &state.active_rules().engine,
        state.config.printed_cards,
        PrintedCardRequest {
            conversation: id,
            agent: auth.agent.id,
            template,
            line: &form.line,
            recipient: &form.recipient,
            address: &form.address,
            now: jiff::Timestamp::now().as_millisecond(),
        },
    )
    .await?;
    match outcome {
        Ok(_) => Ok((
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/c/{}/kaart?printed=true", id.0))],
        )
            .into_response()),
        Err(refusal) => {
            let message = match &refusal {
                PrintedRefusal::Line(r) => refusal_text(auth.lang, r),
                PrintedRefusal::OverBudget {
                    spent_cents,
                    budget_cents,
                } => text(auth.lang, refusal.key())
                    .replace("{spent}", &euros(*spent_cents))
                    .replace("{budget}", &euros(*budget_cents)),
                _ => text(auth.lang, refusal.key()).replace(
                    "{max}",
                    &wederhoor_app::cards::MAX_ADDRESS_CHARS.to_string(),
                ),
            };
            let draft = PrintedDraft {
                recipient: form.recipient.clone(),
                address: form.address.clone(),
                error: Some(message),
                requested: false,
            };
            page(
                &state,
                &auth,
                id,
                template,
                &form.line,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(draft),
            )
            .await
        }
    }
}

/// `GET /drukwerk`: the fulfilment list of printed cards with the month's budget (leads).
pub async fn fulfilment(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
) -> Result<Response, AppError> {
    let now = jiff::Timestamp::now().as_millisecond();
    let (from, to) = wederhoor_app::cards::month_of(now)?;
    let spent = state.store.printed_spent(from, to).await?;
    let cards = state.store.printed_cards().await?;
    let policy = state.config.printed_cards;
    let html = pages::render(
        &state,
        "printed.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            cards => cards,
            spent => euros(spent),
            budget => euros(policy.monthly_budget_cents),
            over => spent > policy.monthly_budget_cents,
        },
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// `POST /drukwerk/{id}/verstuurd`: the card is in the post; its address is forgotten.
pub async fn mark_printed_sent(
    State(state): State<AppState>,
    auth: Auth<LEAD>,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let now = jiff::Timestamp::now().as_millisecond();
    if !state
        .store
        .mark_printed_card_sent(id, auth.agent.id, now)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/drukwerk")]).into_response())
}
