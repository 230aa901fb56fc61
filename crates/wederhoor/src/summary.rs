//! `wederhoor summary`: the daily summary of one day on the command line.

use crate::config::Config;
use anyhow::{Context, bail};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use wederhoor_app::summary::{Language, daily_summary_at, render_csv, render_html, render_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
    Csv,
    Html,
}

/// Prints the summary of `date` (default: yesterday in the summary's time zone).
pub async fn run(
    config: &Config,
    date: Option<&str>,
    format: Format,
    lang: &str,
) -> anyhow::Result<()> {
    let Some(language) = Language::parse(lang) else {
        bail!("--lang: {lang:?} is not a language of the summary; use nl or en");
    };
    let zone = time_zone(config)?;
    let date = match date {
        Some(d) => parse_date(d)?,
        None => jiff::Timestamp::now()
            .to_zoned(zone.clone())
            .date()
            .yesterday()
            .context("the day before today")?,
    };
    let store = crate::open_store(config).await?;
    let levels = config.service_levels.policy()?.levels;
    let summary = daily_summary_at(
        &store,
        date,
        &zone,
        &levels,
        jiff::Timestamp::now().as_millisecond(),
    )
    .await
    .with_context(|| format!("summarising {date}"))?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        Format::Text => print!("{}", render_text(&summary, language)),
        Format::Csv => print!("{}", render_csv(&summary)),
        Format::Html => print!("{}", render_html(&summary, language)),
    }
    Ok(())
}

/// A day as `YYYY-MM-DD`, or a clear error.
pub fn parse_date(text: &str) -> anyhow::Result<Date> {
    let valid = text.len() == 10 && text.as_bytes().get(4) == Some(&b'-');
    match text.parse::<Date>() {
        Ok(d) if valid => Ok(d),
        _ => bail!("--date: {text:?} is not a day like 2026-12-07 (YYYY-MM-DD)"),
    }
}

/// The time zone the summary's days are taken in.
pub fn time_zone(config: &Config) -> anyhow::Result<TimeZone> {
    TimeZone::get(&config.summary.time_zone).with_context(|| {
        format!(
            "summary.time_zone: unknown zone {:?}",
            config.summary.time_zone
        )
    })
}

/// The day whose summary is due at `now`: yesterday once the local time has reached `send_at`,
/// otherwise none yet today.
pub fn due_day(now: &jiff::Zoned, send_at: jiff::civil::Time) -> Option<Date> {
    if now.time() >= send_at {
        now.date().yesterday().ok()
    } else {
        None
    }
}

/// The idempotency key of the summary mail of `date` to `to`: one mail-outbox row per day and
/// address, whichever node queues it first.
pub fn mail_key(date: Date, to: &str) -> String {
    format!("daily-summary:{date}:{to}")
}

/// Queues the summary of `date` to `to` unless it is queued already; `true` when it queued it.
pub async fn queue_summary_mail(
    store: &wederhoor_store::Store,
    date: Date,
    zone: &TimeZone,
    to: &str,
    language: Language,
    levels: &wederhoor_core::service_level::ServiceLevels,
) -> anyhow::Result<bool> {
    let key = mail_key(date, to);
    if store.mail_queued(&key).await? {
        return Ok(false);
    }
    let summary = daily_summary_at(
        store,
        date,
        zone,
        levels,
        jiff::Timestamp::now().as_millisecond(),
    )
    .await?;
    // Plain text, the same as HTML, and the figures as CSV for a spreadsheet.
    let parts = wederhoor_store::MailParts {
        html: Some(render_html(&summary, language)),
        attachment: Some(wederhoor_store::TextAttachment {
            filename: format!("webcare-{}.csv", summary.date),
            content_type: "text/csv; charset=utf-8".into(),
            text: render_csv(&summary),
        }),
    };
    store
        .queue_mail_with_parts(
            &wederhoor_store::NewMail {
                to: to.to_owned(),
                subject: wederhoor_app::summary::subject(&summary, language),
                body: render_text(&summary, language),
                idempotency_key: key,
            },
            &parts,
        )
        .await?;
    Ok(true)
}

/// Runs in every `serve` process: after `send_at` each day it queues yesterday's summary to
/// `[summary] mail_to` in the mail outbox (the mail worker sends it). Several nodes may run
/// this; the mail's idempotency key makes it one mail per day for the cluster.
pub async fn run_summary_mail(
    store: wederhoor_store::Store,
    config: crate::config::SummarySection,
    levels: wederhoor_core::service_level::ServiceLevels,
    wakeup: std::sync::Arc<tokio::sync::Notify>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    if config.mail_to.is_empty() {
        return;
    }
    let (Ok(zone), Ok(send_at), Some(language)) = (
        TimeZone::get(&config.time_zone),
        config.send_at.parse::<jiff::civil::Time>(),
        Language::parse(&config.language),
    ) else {
        tracing::error!("summary mail: invalid [summary] settings; no daily summary is sent");
        return;
    };
    loop {
        let now = jiff::Timestamp::now().to_zoned(zone.clone());
        if let Some(day) = due_day(&now, send_at) {
            match queue_summary_mail(&store, day, &zone, &config.mail_to, language, &levels).await {
                Ok(true) => {
                    tracing::info!(%day, "daily summary queued");
                    wakeup.notify_one();
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, %day, "daily summary failed; trying again"),
            }
        }
        // Until the next send time, at most an hour (a clock change never makes it miss a day).
        let next = now
            .date()
            .to_datetime(send_at)
            .to_zoned(zone.clone())
            .ok()
            .filter(|t| *t > now)
            .or_else(|| {
                now.date()
                    .tomorrow()
                    .ok()
                    .and_then(|d| d.to_datetime(send_at).to_zoned(zone.clone()).ok())
            });
        let wait = next
            .and_then(|t| now.duration_until(&t).try_into().ok())
            .unwrap_or(std::time::Duration::from_secs(3600))
            .clamp(
                std::time::Duration::from_secs(1),
                std::time::Duration::from_secs(3600),
            );
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|down| *down) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_must_be_whole_days() {
        assert_eq!(parse_date("2026-03-29").unwrap().to_string(), "2026-03-29");
        for bad in ["2026-02-30", "29-03-2026", "gisteren", "2026-3-29", ""] {
            let e = parse_date(bad).unwrap_err().to_string();
            assert!(e.contains("YYYY-MM-DD"), "{bad}: {e}");
        }
    }

    #[test]
    fn yesterdays_summary_is_due_from_the_send_time() {
        let zone = TimeZone::get("Europe/Amsterdam").unwrap();
        let at = |s: &str| {
            s.parse::<jiff::civil::DateTime>()
                .unwrap()
                .to_zoned(zone.clone())
                .unwrap()
        };
        let seven = "07:00".parse().unwrap();
        assert_eq!(due_day(&at("2026-03-30T06:59"), seven), None);
        assert_eq!(
            due_day(&at("2026-03-30T07:00"), seven).unwrap().to_string(),
            "2026-03-29"
        );
        assert_eq!(
            due_day(&at("2026-03-30T23:30"), seven).unwrap().to_string(),
            "2026-03-29"
        );
        assert_eq!(
            mail_key("2026-03-29".parse().unwrap(), "ks@example.nl"),
            "daily-summary:2026-03-29:ks@example.nl"
        );
    }
}
