//! Accessibility checks with axe-core in the browser tests.
//!
//! A [`crate::Browser`] launched with axe available audits every page its tabs load (after
//! [`crate::Page::goto`] and [`crate::Page::click_and_wait_navigation`]): each kind of page once
//! (its language and its path with every segment that starts with a digit read as `N`, so
//! `/c/12` and `/c/13` in Dutch are one kind), with
//! axe-core's default rules. A serious or critical violation makes that navigation return an
//! error naming the rule, the page and the elements.
//!
//! axe-core is never downloaded by the tests. It is read from the file named by
//! [`AXE_ENV`], else from `.ci/axe/node_modules/axe-core/axe.min.js` in the workspace, which
//! `.ci/run` installs with npm (`npm ci --prefix .ci/axe`). When the file is missing the tests
//! fail if the environment says axe must run (`CI` set to anything but `false`/`0`, or
//! [`REQUIRE_ENV`] = `1`); otherwise they print a notice once and run without the audit.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context as _, bail};
use serde_json::Value;

/// Environment variable naming `axe.min.js` (overrides the workspace's `.ci/axe`).
pub const AXE_ENV: &str = "WEDERHOOR_AXE";
/// Set to `1` to make a missing axe-core fail the browser tests outside CI too.
pub const REQUIRE_ENV: &str = "WEDERHOOR_REQUIRE_AXE";

/// How long one axe run may take (a long inbox in a debug build is slow).
const RUN_TIMEOUT: Duration = Duration::from_secs(90);

/// Where `.ci/run` installs axe-core.
pub fn default_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(".ci/axe/node_modules/axe-core/axe.min.js")
}

/// Whether the environment demands the audit.
pub fn required() -> bool {
    let on = |name: &str| {
        std::env::var(name)
            .ok()
            .is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    };
    on("CI") || on(REQUIRE_ENV)
}

/// The audit shared by a browser's tabs: axe-core's source and the kinds of pages already seen.
pub struct Audit {
    source: String,
    seen: Mutex<HashSet<String>>,
}

impl Audit {
    /// The audit if axe-core is there; `None` (after a notice) if it is not and need not be;
    /// an error if it is not and must be.
    pub fn from_env() -> anyhow::Result<Option<Audit>> {
        let path = std::env::var_os(AXE_ENV)
            .filter(|v| !v.is_empty())
            .map_or_else(default_path, PathBuf::from);
        Audit::load(&path, required())
    }

    /// The audit with axe-core from `path`; when it is missing, an error if `required`, else
    /// `None` after a notice.
    pub fn load(path: &std::path::Path, required: bool) -> anyhow::Result<Option<Audit>> {
        match std::fs::read_to_string(path) {
            Ok(source) if source.len() > 10_000 => Ok(Some(Audit {
                source,
                seen: Mutex::new(HashSet::new()),
            })),
            result => {
                let why = match result {
                    Ok(_) => "is not axe-core (too short)".to_owned(),
                    Err(e) => e.to_string(),
                };
                if required {
                    bail!(
                        "axe-core is required here (CI or {REQUIRE_ENV}=1) but {} {why}: run \
                         `npm ci --prefix .ci/axe` (as .ci/run does) or point {AXE_ENV} at axe.min.js",
                        path.display()
                    );
                }
                static NOTICE: std::sync::Once = std::sync::Once::new();
                NOTICE.call_once(|| {
                    eprintln!(
                        "note: no accessibility audit: {} {why} (`npm ci --prefix .ci/axe` \
                         installs axe-core; CI or {REQUIRE_ENV}=1 makes it required)",
                        path.display()
                    );
                });
                Ok(None)
            }
        }
    }

    /// Audits the page now shown in `page`, if its kind was not audited yet.
    pub(crate) async fn check(&self, page: &crate::Page) -> anyhow::Result<()> {
        let info = page
            .eval(
                "[location.href, location.pathname, document.contentType, \
                 document.documentElement.lang]",
            )
            .await?;
        let field = |i: usize| info.get(i).and_then(Value::as_str).unwrap_or_default();
        let (href, path, content_type) = (field(0).to_owned(), field(1), field(2));
        if content_type != "text/html" || href.starts_with("about:") {
            return Ok(());
        }
        // Each language of a page is its own kind: longer words can break a layout.
        let kind = format!("{} {}", field(3), page_kind(path));
        {
            let mut seen = match self.seen.lock() {
                Ok(s) => s,
                Err(poisoned) => poisoned.into_inner(),
            };
            if !seen.insert(kind) {
                return Ok(());
            }
        }
        let loaded = page.eval("typeof window.axe === 'object'").await?;
        if loaded != Value::Bool(true) {
            page.eval_with_timeout(&format!("{};true", self.source), RUN_TIMEOUT)
                .await
                .context("loading axe-core into the page")?;
        }
        let found = page
            .eval_with_timeout(
                "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations\
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                 .map(v => `${v.impact} ${v.id} (${v.help}): ` + v.nodes.slice(0, 5)\
                 .map(n => n.target.join(' ')).join(', ')))",
                RUN_TIMEOUT,
            )
            .await
            .with_context(|| format!("running axe-core on {href}"))?;
        let violations: Vec<String> = serde_json::from_value(found).unwrap_or_default();
        if !violations.is_empty() {
            bail!(
                "axe-core: {} serious/critical violation(s) on {href}:\n  {}",
                violations.len(),
                violations.join("\n  ")
            );
        }
        Ok(())
    }
}

/// A page's kind: its path with every segment that starts with a digit as `N` (`/c/12`,
/// `/ideeen/12-donkere-modus`).
fn page_kind(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with(|c: char| c.is_ascii_digit()) {
                "N"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_axe_fails_only_when_required() {
        let missing = std::path::Path::new("/nonexistent/axe.min.js");
        let err = Audit::load(missing, true).err().unwrap();
        assert!(
            format!("{err:#}").contains("npm ci --prefix .ci/axe"),
            "{err:#}"
        );
        assert!(Audit::load(missing, false).unwrap().is_none());
    }

    #[test]
    fn pages_of_one_kind_share_a_key() {
        assert_eq!(page_kind("/c/123"), "/c/N");
        assert_eq!(page_kind("/c/7"), page_kind("/c/98765"));
        assert_eq!(page_kind("/ideeen/12-donkere-modus"), "/ideeen/N");
        assert_eq!(page_kind("/ideeen/nieuw"), "/ideeen/nieuw");
        assert_ne!(page_kind("/inbox"), page_kind("/review"));
    }
}
