//! Templates (embedded in the binary), their filters and the shared page context.

use crate::i18n::{Lang, catalogue};
use crate::{AppState, error::AppError};
use axum::response::Html;
use minijinja::{Environment, UndefinedBehavior, Value};
use std::sync::LazyLock;

pub(crate) static AMSTERDAM: LazyLock<jiff::tz::TimeZone> = LazyLock::new(|| {
    jiff::tz::TimeZone::get("Europe/Amsterdam").unwrap_or(jiff::tz::TimeZone::UTC)
});

pub fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (name, source) in [
        ("base.html", include_str!("../templates/base.html")),
        ("contact.html", include_str!("../templates/contact.html")),
        ("contacts.html", include_str!("../templates/contacts.html")),
        ("login.html", include_str!("../templates/login.html")),
        (
            "login_code.html",
            include_str!("../templates/login_code.html"),
        ),
        ("me.html", include_str!("../templates/me.html")),
        ("audit.html", include_str!("../templates/audit.html")),
        ("inbox.html", include_str!("../templates/inbox.html")),
        ("search.html", include_str!("../templates/search.html")),
        (
            "inbox_list.html",
            include_str!("../templates/inbox_list.html"),
        ),
        (
            "conversation.html",
            include_str!("../templates/conversation.html"),
        ),
        ("thread.html", include_str!("../templates/thread.html")),
        ("admin.html", include_str!("../templates/admin.html")),
        ("rules.html", include_str!("../templates/rules.html")),
        ("model.html", include_str!("../templates/model.html")),
        (
            "model_version.html",
            include_str!("../templates/model_version.html"),
        ),
        (
            "rules_version.html",
            include_str!("../templates/rules_version.html"),
        ),
        ("review.html", include_str!("../templates/review.html")),
        ("alerts.html", include_str!("../templates/alerts.html")),
        (
            "escalations.html",
            include_str!("../templates/escalations.html"),
        ),
        (
            "watchlist.html",
            include_str!("../templates/watchlist.html"),
        ),
        ("incident.html", include_str!("../templates/incident.html")),
        ("card.html", include_str!("../templates/card.html")),
        ("printed.html", include_str!("../templates/printed.html")),
        (
            "broadcast.html",
            include_str!("../templates/broadcast.html"),
        ),
        (
            "structural.html",
            include_str!("../templates/structural.html"),
        ),
        (
            "structural_list.html",
            include_str!("../templates/structural_list.html"),
        ),
        ("sources.html", include_str!("../templates/sources.html")),
        (
            "public_sources.html",
            include_str!("../templates/public_sources.html"),
        ),
        ("capture.html", include_str!("../templates/capture.html")),
        ("privacy.html", include_str!("../templates/privacy.html")),
        (
            "public_base.html",
            include_str!("../templates/public_base.html"),
        ),
        ("error.html", include_str!("../templates/error.html")),
        ("callback.html", include_str!("../templates/callback.html")),
        ("canned.html", include_str!("../templates/canned.html")),
        ("reports.html", include_str!("../templates/reports.html")),
        ("wall.html", include_str!("../templates/wall.html")),
        (
            "wall_body.html",
            include_str!("../templates/wall_body.html"),
        ),
        ("survey.html", include_str!("../templates/survey.html")),
        ("promises.html", include_str!("../templates/promises.html")),
        ("facts.html", include_str!("../templates/facts.html")),
        (
            "team_public.html",
            include_str!("../templates/team_public.html"),
        ),
    ]
    .into_iter()
    .chain(crate::feedback::TEMPLATES.iter().copied())
    .chain(crate::accounts::TEMPLATES.iter().copied())
    .chain(crate::panels::TEMPLATES.iter().copied())
    {
        env.add_template(name, source)?;
    }
    env.add_filter("dt", format_time);
    env.add_filter("clip", clip);
    env.add_filter("urlq", |s: String| crate::error::url_encode(&s));
    env.add_filter("prio", priority_key);
    env.add_function("plural", plural);
    env.add_filter("topic", topic_label);
    env.add_filter("kind", kind_label);
    env.add_filter("delivery_kind", delivery_kind_label);
    env.add_filter("delivery_problem", delivery_problem);
    Ok(env)
}

/// The catalogue key of a priority's word (`{{ tr[p|prio] }}`): urgent (3), high (2), normal
/// (1), low (0); a number outside that range reads as the nearest.
pub fn priority_key(priority: i64) -> &'static str {
    match priority {
        i64::MIN..=0 => "priority_low",
        1 => "priority_normal",
        2 => "priority_high",
        _ => "priority_urgent",
    }
}

/// At most `n` characters of `s`, with an ellipsis when something was cut.
pub fn clip(s: String, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

/// The language of the page being rendered (`lang` in its context).
fn page_lang(state: &minijinja::State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or(Lang::Nl)
}

/// `{{ plural(n, "n_messages") }}`: a count with the right form ("1 bericht", "2 berichten").
fn plural(state: &minijinja::State, n: i64, key: &str) -> String {
    crate::i18n::plural(page_lang(state), key, n)
}

/// `{{ t|topic }}`: a topic's label ("spaarrente" for `savings_interest`); a topic outside the
/// catalogue reads with spaces for underscores.
fn topic_label(state: &minijinja::State, topic: String) -> String {
    let label = crate::i18n::text(page_lang(state), &format!("topic_{topic}"));
    if label.is_empty() {
        topic.replace('_', " ")
    } else {
        label.to_owned()
    }
}

/// `{{ s.kind|kind }}`: a source kind's name ("Twitter", "RSS-feed"); an unknown kind starts with
/// a capital.
pub fn kind_label(state: &minijinja::State, kind: String) -> String {
    kind_name(page_lang(state), &kind)
}

/// A source kind's name in `lang` (see [`kind_label`]).
pub fn kind_name(lang: Lang, kind: &str) -> String {
    let label = crate::i18n::text(lang, &format!("kind_{kind}"));
    if !label.is_empty() {
        return label.to_owned();
    }
    let mut chars = kind.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars)
            .collect::<String>()
            .replace('_', " "),
        None => String::new(),
    }
}

/// `{{ s.delivery_kind|delivery_kind }}`: how replies leave, in words ("handmatig").
fn delivery_kind_label(state: &minijinja::State, kind: String) -> String {
    let label = crate::i18n::text(page_lang(state), &format!("dk_{kind}"));
    if label.is_empty() {
        kind
    } else {
        label.to_owned()
    }
}

/// `{{ r.last_error|delivery_problem }}`: what went wrong with a delivery, in the page's
/// language (the connector's own message stays in the log and under "technical details").
fn delivery_problem(state: &minijinja::State, error: String) -> String {
    delivery_problem_text(page_lang(state), &error)
}

/// See [`delivery_problem`].
pub fn delivery_problem_text(lang: Lang, error: &str) -> String {
    use crate::i18n::{fill, text};
    let lower = error.to_ascii_lowercase();
    if let Some(code) = lower
        .split("http ")
        .nth(1)
        .and_then(|rest| rest.get(..3))
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
    {
        return fill(text(lang, "delivery_err_http"), &[("code", code)]);
    }
    if lower.contains("no webhook url") {
        return text(lang, "delivery_err_no_url").to_owned();
    }
    if [
        "could not reach",
        "error sending request",
        "timed out",
        "connect",
        "dns",
    ]
    .iter()
    .any(|cue| lower.contains(cue))
    {
        return text(lang, "delivery_err_unreachable").to_owned();
    }
    text(lang, "delivery_err_other").to_owned()
}

/// Milliseconds since the epoch, shown as Amsterdam wall-clock time.
pub fn format_time(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned(AMSTERDAM.clone())
            .strftime("%d-%m-%Y %H:%M")
            .to_string(),
        Err(_) => String::new(),
    }
}

/// Renders a template with the catalogue of `lang` available as `tr` and `lang` itself.
pub fn render(
    state: &AppState,
    name: &str,
    lang: Lang,
    ctx: Value,
) -> Result<Html<String>, AppError> {
    let template = state.templates.get_template(name)?;
    let base = minijinja::context! { tr => catalogue(lang), lang => lang.code() };
    let html = template.render(minijinja::context! { ..ctx, ..base })?;
    Ok(Html(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_problems_are_told_in_words() {
        assert_eq!(
            delivery_problem_text(
                Lang::Nl,
                "could not reach http://x/hook: error sending request for url (http://x/hook)"
            ),
            "De ontvanger was niet bereikbaar."
        );
        assert_eq!(
            delivery_problem_text(Lang::Nl, "webhook answered HTTP 503"),
            "De ontvanger weigerde het antwoord (HTTP 503)."
        );
        assert_eq!(
            delivery_problem_text(Lang::En, "the source has no webhook URL"),
            "This source has no webhook address to send replies to."
        );
        assert_eq!(
            delivery_problem_text(Lang::Nl, "something else"),
            "De bezorging is mislukt."
        );
    }

    #[test]
    fn source_kinds_have_names() {
        assert_eq!(kind_name(Lang::Nl, "twitter"), "Twitter");
        assert_eq!(kind_name(Lang::Nl, "rss"), "RSS-feed");
        assert_eq!(kind_name(Lang::En, "some_forum"), "Some forum");
    }

    #[test]
    fn times_are_shown_in_amsterdam() {
        // 2026-07-01T12:00:00Z is 14:00 in summer time; 2026-01-01T12:00:00Z is 13:00 in winter.
        assert_eq!(format_time(1_782_907_200_000), "01-07-2026 14:00");
        assert_eq!(format_time(1_767_268_800_000), "01-01-2026 13:00");
    }
}
