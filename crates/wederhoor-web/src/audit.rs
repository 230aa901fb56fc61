//! The auditor's page (`/admin/audit`, admins): the audit log a page at a time, filtered by
//! actor, action and period, with the result of checking its hash chain, and the same
//! selection as CSV (`/admin/audit.csv`). There is no separate auditor role: admins audit.

use crate::auth::{ADMIN, Auth};
use crate::error::AppError;
use crate::i18n::{Lang, fill, text};
use crate::{AppState, pages};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wederhoor_store::{AuditCheck, AuditEntry, AuditFilter};

/// Entries per page.
const PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    /// `YYYY-MM-DD`, Amsterdam, inclusive.
    #[serde(default)]
    from: String,
    /// `YYYY-MM-DD`, Amsterdam, inclusive.
    #[serde(default)]
    until: String,
    #[serde(default)]
    page: Option<i64>,
}

/// The start of an Amsterdam calendar day `days` after `date`, in ms.
fn day_start_ms(date: &str, days: i64, lang: Lang) -> Result<i64, AppError> {
    let bad = || AppError::BadRequest(fill(text(lang, "audit_bad_date"), &[("date", date)]));
    let day: jiff::civil::Date = date.trim().parse().map_err(|_| bad())?;
    let day = day
        .checked_add(jiff::Span::new().days(days))
        .map_err(|_| bad())?;
    let zoned = day.to_zoned(pages::AMSTERDAM.clone()).map_err(|_| bad())?;
    Ok(zoned.timestamp().as_millisecond())
}

fn filter_of(q: &AuditQuery, lang: Lang) -> Result<AuditFilter, AppError> {
    let nonempty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(AuditFilter {
        actor: nonempty(&q.actor),
        action: nonempty(&q.action),
        from_ms: nonempty(&q.from)
            .map(|d| day_start_ms(&d, 0, lang))
            .transpose()?,
        until_ms: nonempty(&q.until)
            .map(|d| day_start_ms(&d, 1, lang))
            .transpose()?,
    })
}

/// The query string of a filter, for the paging links and the export link.
fn query_string(q: &AuditQuery) -> String {
    let enc = crate::error::url_encode;
    format!(
        "actor={}&action={}&from={}&until={}",
        enc(q.actor.trim()),
        enc(q.action.trim()),
        enc(q.from.trim()),
        enc(q.until.trim())
    )
}

/// `GET /admin/audit`.
pub async fn page(
    State(state): State<AppState>,
    auth: Auth<ADMIN>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let filter = filter_of(&q, auth.lang)?;
    let page = q.page.unwrap_or(1).max(1);
    let (entries, total) = state
        .store
        .audit_entries(&filter, PAGE, (page - 1) * PAGE)
        .await?;
    let check = state.store.verify_audit_chain().await?;
    let (intact, checked, unchained, broken_at) = match check {
        AuditCheck::Intact { entries, unchained } => (true, entries, unchained, None),
        AuditCheck::Broken { id } => (false, 0, 0, Some(id)),
    };
    let actors: Vec<String> = state
        .store
        .list_agents()
        .await?
        .into_iter()
        .map(|a| a.username)
        .collect();
    let actions = state.store.audit_actions().await?;
    let pages_n = (total + PAGE - 1) / PAGE;
    let html = pages::render(
        &state,
        "audit.html",
        auth.lang,
        minijinja::context! {
            agent => &auth.agent,
            csrf => &auth.csrf,
            entries => entries,
            total => total,
            page => page,
            pages => pages_n.max(1),
            query => query_string(&q),
            actor => q.actor.trim(),
            action => q.action.trim(),
            from => q.from.trim(),
            until => q.until.trim(),
            actors => actors,
            actions => actions,
            intact => intact,
            checked => checked,
            unchained => unchained,
            broken_at => broken_at,
        },
    )?;
    Ok(html.into_response())
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-` or `@` defused so a
/// spreadsheet does not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv(entries: &[AuditEntry]) -> String {
    let mut out = String::from("id,at,actor,action,object_kind,object_id,detail,hash\r\n");
    for e in entries {
        let at = jiff::Timestamp::from_millisecond(e.at)
            .map(|t| {
                t.to_zoned(pages::AMSTERDAM.clone())
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string()
            })
            .unwrap_or_default();
        let fields = [
            e.id.to_string(),
            at,
            e.actor.clone().unwrap_or_default(),
            e.action.clone(),
            e.object_kind.clone(),
            e.object_id.map(|i| i.to_string()).unwrap_or_default(),
            e.detail.clone(),
            e.hash.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// `GET /admin/audit.csv`: every entry of the filter, newest first.
pub async fn export(
    State(state): State<AppState>,
    auth: Auth<ADMIN>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let filter = filter_of(&q, auth.lang)?;
    let (entries, _) = state.store.audit_entries(&filter, 0, 0).await?;
    tracing::info!(
        agent = %crate::security::loggable(&auth.agent.username),
        entries = entries.len(),
        "audit log exported"
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"wederhoor-audit.csv\"".to_owned(),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv(&entries),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }
}
