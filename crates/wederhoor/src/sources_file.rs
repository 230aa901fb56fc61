//! `sources.toml`: the source registry as a file, applied at `serve` start (config key
//! `sources_file`) or with `wederhoor source sync FILE`. Each `[[source]]` is matched by name:
//! created when missing, its settings updated when they differ. A bad entry is reported with
//! where and why and does not stop the others.
//!
//! ```toml
//! [[source]]
//! name = "Zuiderblog"
//! kind = "rss"
//! url = "https://blog.example/feed.xml"
//! listening_query = "zuiderbank AND (pas OR pinpas*)"
//! poll_interval_secs = 600
//! retention_days = 90
//! owned = false
//! ```

use anyhow::Context;
use serde::Deserialize;
use std::path::Path;
use wederhoor_core::DeliveryKind;
use wederhoor_store::{NewSource, SourceSettings, Store, StoreError};
use wederhoor_web::SourceSpec;
use wederhoor_web::i18n::Lang;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    #[serde(default)]
    source: Vec<toml::Spanned<toml::Value>>,
}

/// What applying the file did, one line per source (and per problem).
#[derive(Debug, Default)]
pub struct SyncReport {
    pub created: Vec<(String, String)>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    pub problems: Vec<String>,
}

pub async fn apply(store: &Store, path: &Path) -> anyhow::Result<SyncReport> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: SourcesFile = toml::from_str(&text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| line_col(&text, s.start));
        anyhow::anyhow!("{}:{line}:{col}: {}", path.display(), e.message())
    })?;
    let mut report = SyncReport::default();
    for entry in file.source {
        let (line, _) = line_col(&text, entry.span().start);
        let spec: SourceSpec = match entry.into_inner().try_into() {
            Ok(s) => s,
            Err(e) => {
                report
                    .problems
                    .push(format!("{}:{line}: {}", path.display(), e.message()));
                continue;
            }
        };
        let settings = match spec.validate(Lang::En) {
            Ok(s) => s,
            Err(why) => {
                report.problems.push(format!(
                    "{}:{line}: source {:?}: {why}",
                    path.display(),
                    spec.name
                ));
                continue;
            }
        };
        match store.source_by_name(&settings.name).await? {
            Some(existing) if SourceSettings::from(&existing) == settings => report.unchanged += 1,
            Some(existing) => {
                store
                    .update_source_settings(existing.id, &settings, None)
                    .await?;
                report.updated.push(settings.name.clone());
            }
            None => {
                let created = store
                    .create_source(&NewSource {
                        kind: settings.kind.clone(),
                        name: settings.name.clone(),
                        delivery_kind: DeliveryKind::Manual,
                        delivery_url: None,
                        delivery_secret: None,
                    })
                    .await;
                let (created, token) = match created {
                    Ok(c) => c,
                    // Another node starting with the same file created it just now.
                    Err(StoreError::Conflict(_)) => {
                        match store.source_by_name(&settings.name).await? {
                            Some(existing) => {
                                if SourceSettings::from(&existing) != settings {
                                    store
                                        .update_source_settings(existing.id, &settings, None)
                                        .await?;
                                }
                                report.unchanged += 1;
                                continue;
                            }
                            None => anyhow::bail!(
                                "source {:?} conflicts but cannot be found",
                                settings.name
                            ),
                        }
                    }
                    Err(e) => return Err(e.into()),
                };
                store
                    .update_source_settings(created.id, &settings, None)
                    .await?;
                report.created.push((settings.name.clone(), token));
            }
        }
    }
    Ok(report)
}

/// The report as lines: created sources with their ingest token (shown once), updates,
/// problems, and a summary.
pub fn lines(report: &SyncReport) -> Vec<String> {
    let mut out = Vec::new();
    for (name, token) in &report.created {
        out.push(format!(
            "source {name} created; ingest token (shown once): {token}"
        ));
    }
    for name in &report.updated {
        out.push(format!("source {name} updated"));
    }
    out.extend(report.problems.iter().cloned());
    out.push(format!(
        "sources file: {} created, {} updated, {} unchanged, {} refused",
        report.created.len(),
        report.updated.len(),
        report.unchanged,
        report.problems.len()
    ));
    out
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}
