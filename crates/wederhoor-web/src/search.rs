//! Search (`/zoeken?q=&bron=&oordeel=&van=&tot=&pagina=`): a thin handler over
//! `wederhoor_app::search`. Agents and leads; bad input is answered on the page itself, with a
//! 422 and the reason in words.

use crate::AppState;
use crate::auth::{AGENT, Auth};
use crate::error::AppError;
use crate::i18n::text;
use crate::pages::{self, AMSTERDAM};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use wederhoor_app::search::{self, SearchError, SearchForm};
use wederhoor_core::Action;

/// The search form as it arrives in the query string; empty values mean "all".
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    bron: String,
    #[serde(default)]
    oordeel: String,
    #[serde(default)]
    van: String,
    #[serde(default)]
    tot: String,
    /// Kept as text, so a bad page number is told like any other bad input.
    #[serde(default)]
    pagina: String,
}

impl SearchQuery {
    /// The query string of this search on another page.
    fn with_page(&self, page: i64) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("bron", &self.bron),
            ("oordeel", &self.oordeel),
            ("van", &self.van),
            ("tot", &self.tot),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::error::url_encode(v)));
            }
        }
        parts.push(format!("pagina={page}"));
        parts.join("&")
    }
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let page = if query.pagina.trim().is_empty() {
        Ok(1)
    } else {
        query.pagina.trim().parse::<i64>()
    };
    let form = SearchForm {
        query: query.q.clone(),
        source: query.bron.clone(),
        verdict: query.oordeel.clone(),
        from: query.van.clone(),
        until: query.tot.clone(),
        page: page.unwrap_or(0),
    };
    let searched = !query.q.trim().is_empty();
    let (result, error) = if searched {
        match search::search(&state.store, &form, &AMSTERDAM).await {
            Ok(r) => (Some(r), None),
            Err(SearchError::Invalid(why)) => (None, Some(text(auth.lang, why.key()))),
            Err(SearchError::Store(e)) => return Err(AppError::Store(e)),
        }
    } else {
        (None, None)
    };
    let sources = state.store.list_sources().await?;
    let ctx = minijinja::context! {
        agent => &auth.agent,
        csrf => &auth.csrf,
        query => &query,
        searched => searched,
        error => error,
        result => &result,
        sources => &sources,
        verdicts => Action::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        prev_link => result.as_ref().filter(|r| r.page > 1).map(|r| query.with_page(r.page - 1)),
        next_link => result.as_ref().filter(|r| r.has_next).map(|r| query.with_page(r.page + 1)),
    };
    let html = pages::render(&state, "search.html", auth.lang, ctx)?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, html).into_response())
}
