//! What every page of the public feedback page shares: who is visiting (nobody, a customer with
//! an account, and/or a logged-in staff member), in which language, the CSRF token their forms
//! carry, and rate limits per account and address.
//!
//! Reading needs no login. Customers log in with their own session cookie (`wederhoor_account`),
//! separate from the team's (`wederhoor_session`); a staff member who is logged in to the inbox
//! sees the staff controls on the same pages.

use crate::AppState;
use crate::auth::{SESSION_COOKIE, constant_time_eq, cookie};
use crate::error::AppError;
use crate::i18n::{Lang, catalogue};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wederhoor_core::Role;
use wederhoor_core::idea::Department;
use wederhoor_store::{Account, Agent};

pub const ACCOUNT_COOKIE: &str = "wederhoor_account";
/// Double-submit CSRF token for visitors without a session (register and login forms).
pub const VISITOR_CSRF_COOKIE: &str = "wederhoor_pcsrf";
pub const LANG_COOKIE: &str = "wederhoor_lang";

/// A staff member on the public pages.
#[derive(Debug, Clone)]
pub struct Staff {
    pub agent: Agent,
    pub csrf: String,
    pub department: Option<Department>,
}

impl Staff {
    /// Every staff member answers on the feedback page under their own name (customer service
    /// is the webcare team); specialists, leads and admins decide statuses; leads and admins
    /// moderate (hide, merge, pin).
    pub fn may_answer(&self) -> bool {
        self.agent.role.allows(Role::Agent)
    }
    pub fn may_set_status(&self) -> bool {
        self.agent.role.allows(Role::Specialist)
    }
    pub fn may_moderate(&self) -> bool {
        self.agent.role.allows(Role::Lead)
    }
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

/// Whoever is looking at a public page.
pub struct Visitor {
    pub account: Option<Account>,
    pub staff: Option<Staff>,
    pub lang: Lang,
    /// The token forms on this page carry: the account session's, or the visitor cookie's.
    pub csrf: String,
    /// The visitor cookie must be (re)set with the response (it was missing).
    pub new_csrf_cookie: bool,
    /// The client address (for rate limits); "unknown" when not served over TCP (tests).
    pub ip: String,
    /// The path and query of this request (for "log in and come back").
    pub here: String,
}

impl Visitor {
    /// Refuses a form whose CSRF token is not this visitor's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if !self.csrf.is_empty() && constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }

    /// The account that may take part, or a redirect to the login page (and back here).
    pub fn participant(&self, back: &str) -> Result<&Account, AppError> {
        match &self.account {
            Some(a) if a.may_take_part() => Ok(a),
            Some(_) => Err(AppError::Unverified),
            None => Err(AppError::LoginRequired(back.to_owned())),
        }
    }

    /// The staff member allowed to answer, or 403.
    pub fn answering_staff(&self) -> Result<&Staff, AppError> {
        match &self.staff {
            Some(s) if s.may_answer() => Ok(s),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The staff member allowed to set statuses, or 403.
    pub fn status_staff(&self) -> Result<&Staff, AppError> {
        match &self.staff {
            Some(s) if s.may_set_status() => Ok(s),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The staff member allowed to moderate, or 403.
    pub fn moderator(&self) -> Result<&Staff, AppError> {
        match &self.staff {
            Some(s) if s.may_moderate() => Ok(s),
            _ => Err(AppError::Forbidden),
        }
    }
}

fn query_param(parts: &Parts, name: &str) -> Option<String> {
    parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    })
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let headers = &parts.headers;
        let (account, session_csrf) = match cookie(headers, ACCOUNT_COOKIE) {
            Some(token) if !token.is_empty() => match state.store.account_session(token).await? {
                Some((a, csrf)) => (Some(a), Some(csrf)),
                None => (None, None),
            },
            _ => (None, None),
        };
        let staff = match cookie(headers, SESSION_COOKIE) {
            Some(token) if !token.is_empty() => match state.store.session(token).await? {
                Some(s) if !s.agent.disabled => {
                    let department = state.store.agent_department(s.agent.id).await?;
                    Some(Staff {
                        agent: s.agent,
                        csrf: s.csrf,
                        department,
                    })
                }
                _ => None,
            },
            _ => None,
        };
        let lang = visitor_lang(
            query_param(parts, "lang").as_deref(),
            headers,
            account.as_ref().map(|a| a.language.as_str()),
        );
        let (csrf, new_csrf_cookie) = match session_csrf {
            Some(c) => (c, false),
            None => match cookie(headers, VISITOR_CSRF_COOKIE) {
                Some(c) if c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    (c.to_owned(), false)
                }
                _ => (wederhoor_store::random_token(), true),
            },
        };
        let forwarded = state
            .config
            .trust_proxy
            .then(|| forwarded_for(headers))
            .flatten();
        let ip = forwarded.unwrap_or_else(|| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
        });
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/ideeen".to_owned(), |p| p.as_str().to_owned());
        Ok(Visitor {
            account,
            staff,
            lang,
            csrf,
            new_csrf_cookie,
            ip,
            here,
        })
    }
}

/// The language of a public page: `?lang=`, else the language cookie (set by the switch), else
/// the customer's account, else the browser's `Accept-Language`, else Dutch.
pub fn visitor_lang(
    query: Option<&str>,
    headers: &axum::http::HeaderMap,
    account: Option<&str>,
) -> Lang {
    query
        .and_then(Lang::parse)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| account.and_then(Lang::parse))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Nl)
}

/// The language switch of a public page: every other language, named in itself.
pub fn other_languages(lang: Lang) -> Vec<minijinja::Value> {
    Lang::ALL
        .into_iter()
        .filter(|l| *l != lang)
        .map(|l| minijinja::context! { code => l.code(), name => l.own_name() })
        .collect()
}

/// The client address a trusted reverse proxy put first in `X-Forwarded-For`, if it parses.
fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("x-forwarded-for")?
        .to_str()
        .ok()?
        .split(',')
        .next()?
        .trim()
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

/// A cookie for the public pages (HttpOnly, SameSite=Lax, Secure over HTTPS).
pub fn public_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// Renders a public page with what every public template needs: `tr`, `lang`, `other_langs`,
/// `csrf`, `account`, `staff` (with `may_answer`/`may_set_status`/`may_moderate`) and `here`.
pub fn render_public(
    state: &AppState,
    visitor: &Visitor,
    name: &str,
    ctx: minijinja::Value,
    status: StatusCode,
) -> Result<Response, AppError> {
    let template = state.templates.get_template(name)?;
    let staff = visitor.staff.as_ref().map(|s| {
        minijinja::context! {
            name => &s.agent.display_name,
            role => s.agent.role.as_str(),
            department => s.department.map(|d| d.as_str()),
            csrf => &s.csrf,
            may_answer => s.may_answer(),
            may_set_status => s.may_set_status(),
            may_moderate => s.may_moderate(),
        }
    });
    let base = minijinja::context! {
        tr => catalogue(visitor.lang),
        lang => visitor.lang.code(),
        other_langs => other_languages(visitor.lang),
        csrf => &visitor.csrf,
        account => &visitor.account,
        staff => staff,
        here => &visitor.here,
        brand => &state.config.brand_name,
    };
    let html = template.render(minijinja::context! { ..ctx, ..base })?;
    let mut response = (status, Html(html)).into_response();
    if visitor.new_csrf_cookie
        && let Ok(v) = header::HeaderValue::from_str(&public_cookie(
            state,
            VISITOR_CSRF_COOKIE,
            &visitor.csrf,
            86_400,
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// Sliding-window rate limits in memory: per account and per address, per kind of action.
/// (Per process: with several web nodes each allows the limit; the store-side count in
/// `Store::posts_since` is the limit that holds across nodes for posts.)
#[derive(Default)]
pub struct RateLimits {
    hits: Mutex<HashMap<String, Vec<Instant>>>,
    /// Failed logins (staff and customers), with backoff (`security::LoginThrottle`).
    pub logins: crate::security::LoginThrottle,
}

impl RateLimits {
    /// Records a hit for `key` and says whether it is within `max` per `window`.
    pub fn allow(&self, key: &str, max: usize, window: Duration) -> bool {
        let now = Instant::now();
        let mut hits = match self.hits.lock() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        };
        if hits.len() > 50_000 {
            // Forget idle keys now and then, so memory stays bounded.
            hits.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < window));
        }
        let list = hits.entry(key.to_owned()).or_default();
        list.retain(|t| now.duration_since(*t) < window);
        if list.len() >= max {
            return false;
        }
        list.push(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_parsed_not_trusted_blindly() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.7, 10.0.0.1"
                .parse()
                .unwrap_or_else(|_| axum::http::HeaderValue::from_static("")),
        );
        assert_eq!(forwarded_for(&h).as_deref(), Some("203.0.113.7"));
        h.insert(
            "x-forwarded-for",
            axum::http::HeaderValue::from_static("nonsense"),
        );
        assert_eq!(forwarded_for(&h), None);
        assert_eq!(forwarded_for(&axum::http::HeaderMap::new()), None);
    }

    #[test]
    fn rate_limits_count_per_key() {
        let limits = RateLimits::default();
        let hour = Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(limits.allow("ip:1.2.3.4:idea", 3, hour));
        }
        assert!(!limits.allow("ip:1.2.3.4:idea", 3, hour));
        assert!(limits.allow("ip:5.6.7.8:idea", 3, hour));
        assert!(limits.allow("ip:1.2.3.4:idea", 3, Duration::ZERO));
    }
}
