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
        ("login.html", include_str!("../templates/login.html")),
        ("inbox.html", include_str!("../templates/inbox.html")),
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
            "rules_version.html",
            include_str!("../templates/rules_version.html"),
        ),
        ("review.html", include_str!("../templates/review.html")),
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
    ]
    .into_iter()
    .chain(crate::feedback::TEMPLATES.iter().copied())
    .chain(crate::accounts::TEMPLATES.iter().copied())
    {
        env.add_template(name, source)?;
    }
    env.add_filter("dt", format_time);
    env.add_filter("clip", clip);
    env.add_filter("urlq", |s: String| crate::error::url_encode(&s));
    env.add_filter("prio", priority_key);
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
    fn times_are_shown_in_amsterdam() {
        // 2026-07-01T12:00:00Z is 14:00 in summer time; 2026-01-01T12:00:00Z is 13:00 in winter.
        assert_eq!(format_time(1_782_907_200_000), "01-07-2026 14:00");
        assert_eq!(format_time(1_767_268_800_000), "01-01-2026 13:00");
    }
}
