//! The contact page (`/contacten/{id}`): one person's authors across sources, one timeline of
//! everything that happened with them, suggestions of other contacts that may be the same
//! person, and merge/split forms. Thin handlers over `wederhoor_app::contacts`; every agent may
//! view, merge and split (audited, reversible).

use crate::AppState;
use crate::auth::{AGENT, Auth};
use crate::error::AppError;
use crate::i18n::text;
use crate::pages;
use crate::system::see_other;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wederhoor_app::contacts::{self, ContactError};
use wederhoor_store::ContactLookup;

impl AppError {
    fn from_contact(e: ContactError, lang: crate::i18n::Lang) -> AppError {
        match e {
            ContactError::NotFound => AppError::NotFound,
            ContactError::Nothing(_) => {
                AppError::Unprocessable(text(lang, "contact_nothing_to_do").to_owned())
            }
            ContactError::Store(e) => AppError::Store(e),
        }
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    pagina: Option<String>,
}

/// `GET /contacten/{id}`: the contact, its timeline (50 lines a page, `?pagina=N`) and
/// suggestions. An id whose author has joined another contact leads there.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let lang = auth.lang;
    let contact = match contacts::find(&state.store, id)
        .await
        .map_err(|e| AppError::from_contact(e, lang))?
    {
        ContactLookup::Found(c) => c,
        ContactLookup::MovedTo(other) => return Ok(see_other(format!("/contacten/{other}"))),
        ContactLookup::Missing => return Err(AppError::NotFound),
    };
    let page = query
        .pagina
        .as_deref()
        .and_then(|p| p.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let timeline = contacts::timeline(&state.store, &contact, page)
        .await
        .map_err(|e| AppError::from_contact(e, lang))?;
    let suggestions = contacts::suggestions(&state.store, &contact)
        .await
        .map_err(|e| AppError::from_contact(e, lang))?;
    let history = state.store.audit_of("contact", id).await?;
    let history: Vec<minijinja::Value> = history
        .iter()
        .map(|(at, who, action, _)| {
            minijinja::context! {
                at => at,
                who => who,
                what => text(lang, &format!("contact_history_{}", action.replace('.', "_"))),
            }
        })
        .collect();
    Ok(pages::render(
        &state,
        "contact.html",
        lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            contact => &contact,
            display_name => contact.display_name(),
            timeline => &timeline,
            suggestions => &suggestions,
            history => history,
        },
    )?
    .into_response())
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// `GET /contacten?q=`: find a contact by handle, full name or number.
pub async fn search(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let q: String = query.q.chars().take(200).collect();
    let found = contacts::search(&state.store, &q)
        .await
        .map_err(|e| AppError::from_contact(e, auth.lang))?;
    Ok(pages::render(
        &state,
        "contacts.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            q => q,
            found => found,
        },
    )?
    .into_response())
}

#[derive(Deserialize)]
pub struct MergeForm {
    csrf: String,
    #[serde(default)]
    met: String,
}

/// `POST /contacten/{id}/samenvoegen`: the contact `met` joins this one.
pub async fn merge(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let other: i64 = form
        .met
        .trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| AppError::Unprocessable(text(auth.lang, "contact_merge_bad").to_owned()))?;
    let into = contacts::merge(&state.store, id, other, auth.agent.id)
        .await
        .map_err(|e| AppError::from_contact(e, auth.lang))?;
    Ok(see_other(format!("/contacten/{into}")))
}

#[derive(Deserialize)]
pub struct SplitForm {
    csrf: String,
    #[serde(default)]
    auteur: String,
}

/// `POST /contacten/{id}/losmaken`: the author `auteur` leaves this contact for one of its own.
pub async fn split(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Path(id): Path<i64>,
    Form(form): Form<SplitForm>,
) -> Result<Response, AppError> {
    auth.check_csrf(&form.csrf)?;
    let author: i64 = form
        .auteur
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("auteur must be an author id".into()))?;
    let remains = contacts::unmerge(&state.store, id, author, auth.agent.id)
        .await
        .map_err(|e| AppError::from_contact(e, auth.lang))?;
    Ok(see_other(format!("/contacten/{remains}")))
}
