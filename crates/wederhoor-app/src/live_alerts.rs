//! The burst detector on the live stream (issue #13).
//!
//! Every process holds one [`LiveAlerts`]: the ingest use case feeds it each newly stored
//! message (API, webhooks, capture form, connectors; `wederhoor import` feeds its own). An alert
//! the detector opens is stored with its members, later messages of the wave join it, and the
//! listeners are told ([`Events::alert`]). Messages that share a detector key with an open
//! incident's alert join it too, however much later they come.
//!
//! Several nodes: each node detects on what it ingests, and storing is idempotent: an alert is
//! keyed by the smallest detector key of the message that opened it plus the ten-minute window
//! it opened in (`wave_key`, unique), and a node that opens an alert whose keys overlap an alert
//! stored as active in the same window joins that one instead. A restart rebuilds the detector
//! from the stored messages of the last [`LOOKBACK_SECS`] ([`LiveAlerts::rebuild`]) — the alerts
//! this replays find their stored rows the same way, so a wave in progress is neither forgotten
//! nor stored twice.

use crate::Result;
use crate::events::Events;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use wederhoor_core::{Action, SentimentLabel, Triage};
use wederhoor_store::{AlertMember, BurstRow, Store, parse_keys};
use wederhoor_triage::burst::{
    AlertEvent, AlertEventKind, BurstConfig, BurstDetector, BurstMessage, message_keys,
};

/// How far back a start rebuilds the detector, and the oldest message time fed live (older
/// messages, such as an import of history, are stored but not seen as a wave now).
pub const LOOKBACK_SECS: i64 = 6 * 3600;
/// Most messages read back on a start.
const REBUILD_LIMIT: i64 = 500_000;
/// How long the keys of the open incidents are kept before they are read again (changes on this
/// node clear them at once; other nodes' changes are seen within this time).
const INCIDENT_TTL: Duration = Duration::from_secs(10);

/// One newly stored message, as the detector takes it.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub message: i64,
    /// Milliseconds.
    pub created_at: i64,
    pub author: String,
    pub text: String,
    pub topic: Option<String>,
    pub phishing: bool,
    pub problem: bool,
}

/// Whether a triaged message counts as phishing and as a problem for the burst detector (the
/// same reading as the replay's).
pub fn burst_flags(topics: &[String], action: &str, rule: &str, sentiment: &str) -> (bool, bool) {
    let phishing = topics.iter().any(|t| t.contains("phishing"))
        || (action == Action::Alert.as_str() && rule.contains("phishing"));
    (phishing, sentiment == "negative")
}

impl FeedItem {
    /// A message just triaged and stored.
    pub fn new(message: i64, created_at: i64, author: &str, text: &str, t: &Triage) -> FeedItem {
        let (phishing, _) = burst_flags(&t.topics, t.verdict.action.as_str(), &t.verdict.rule, "");
        FeedItem {
            message,
            created_at,
            author: author.to_owned(),
            text: text.to_owned(),
            topic: t.topics.first().cloned(),
            phishing,
            problem: t.sentiment.label == SentimentLabel::Negative,
        }
    }

    fn from_row(r: BurstRow) -> FeedItem {
        let (phishing, problem) = burst_flags(&r.topics, &r.action, &r.rule, &r.sentiment);
        FeedItem {
            message: r.message,
            created_at: r.created_at,
            topic: r.topics.into_iter().next(),
            author: r.author,
            text: r.text,
            phishing,
            problem,
        }
    }
}

struct State {
    det: BurstDetector,
    /// Detector alert id → stored alert id.
    stored: HashMap<u64, i64>,
    /// The newest message time fed (seconds).
    latest: i64,
}

/// (alert id, its keys) of every open incident.
type IncidentKeys = Vec<(i64, Vec<u64>)>;

/// The per-process live detector. Cheap to share behind an `Arc`.
pub struct LiveAlerts {
    config: BurstConfig,
    state: tokio::sync::Mutex<State>,
    incidents: Mutex<Option<(Instant, IncidentKeys)>>,
}

impl Default for LiveAlerts {
    fn default() -> Self {
        LiveAlerts::new(BurstConfig::default())
    }
}

/// What one feed did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FeedOutcome {
    /// Stored alerts that are new.
    pub opened: Vec<i64>,
    /// Messages that joined a stored alert (the detector's updates and incident matches).
    pub joined: u64,
}

impl LiveAlerts {
    pub fn new(config: BurstConfig) -> LiveAlerts {
        LiveAlerts {
            config,
            state: tokio::sync::Mutex::new(State {
                det: BurstDetector::new(config),
                stored: HashMap::new(),
                latest: i64::MIN,
            }),
            incidents: Mutex::new(None),
        }
    }

    /// Rebuilds the detector from the stored messages of the last [`LOOKBACK_SECS`] (call once,
    /// at start). Alerts it opens find their stored rows; new ones are stored.
    pub async fn rebuild(&self, store: &Store, events: &dyn Events) -> Result<FeedOutcome> {
        let since = (jiff::Timestamp::now().as_second() - LOOKBACK_SECS) * 1000;
        let rows = store.burst_rows_since(since, REBUILD_LIMIT).await?;
        let items = rows.into_iter().map(FeedItem::from_row).collect();
        self.feed(store, events, items).await
    }

    /// The keys of open incidents changed on this node: read them again on the next feed.
    pub fn incidents_changed(&self) {
        if let Ok(mut g) = self.incidents.lock() {
            *g = None;
        }
    }

    async fn incident_keys(&self, store: &Store) -> Result<IncidentKeys> {
        if let Ok(g) = self.incidents.lock()
            && let Some((at, keys)) = g.as_ref()
            && at.elapsed() < INCIDENT_TTL
        {
            return Ok(keys.clone());
        }
        let keys: IncidentKeys = store
            .open_incidents()
            .await?
            .into_iter()
            .map(|i| (i.alert, parse_keys(&i.keys)))
            .collect();
        if let Ok(mut g) = self.incidents.lock() {
            *g = Some((Instant::now(), keys.clone()));
        }
        Ok(keys)
    }

    /// Feeds newly stored messages (any order: they are taken oldest first) to the detector and
    /// stores what it finds.
    pub async fn feed(
        &self,
        store: &Store,
        events: &dyn Events,
        mut items: Vec<FeedItem>,
    ) -> Result<FeedOutcome> {
        let mut out = FeedOutcome::default();
        if items.is_empty() {
            return Ok(out);
        }
        items.sort_by_key(|i| (i.created_at, i.message));
        let oldest = jiff::Timestamp::now().as_second() - LOOKBACK_SECS;
        let window = self.config.window_secs;
        let incidents = self.incident_keys(store).await?;
        let mut st = self.state.lock().await;
        for item in &items {
            let at = item.created_at.div_euclid(1000);
            // Too old to be part of a wave now (history being imported, a late backfill).
            let live = at >= oldest && at >= st.latest.saturating_sub(window);
            if !live && incidents.is_empty() {
                continue;
            }
            let keys = message_keys(&item.text, self.config.min_words);
            let member = AlertMember {
                message: item.message,
                created_at: item.created_at,
            };
            let mut joined_alert = None;
            if live {
                st.latest = st.latest.max(at);
                let id = format!("{}@{}", item.message, item.created_at);
                let event = st.det.push(&BurstMessage {
                    id: &id,
                    at,
                    author: &item.author,
                    text: &item.text,
                    topic: item.topic.as_deref(),
                    phishing: item.phishing,
                    problem: item.problem,
                });
                if let Some(e) = event {
                    joined_alert = self
                        .store_event(store, events, &mut st, &e, item, &keys, &mut out)
                        .await?;
                }
            }
            // Matches an open incident by its keys (after the detector forgot the wave).
            for (alert, alert_keys) in &incidents {
                if Some(*alert) != joined_alert && keys.iter().any(|k| alert_keys.contains(k)) {
                    out.joined += store
                        .join_burst_alert(*alert, &[member], &[], false)
                        .await?;
                }
            }
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    async fn store_event(
        &self,
        store: &Store,
        events: &dyn Events,
        st: &mut State,
        e: &AlertEvent,
        item: &FeedItem,
        keys: &[u64],
        out: &mut FeedOutcome,
    ) -> Result<Option<i64>> {
        match e.event {
            AlertEventKind::Opened => {
                let members: Vec<AlertMember> = e
                    .message_ids
                    .iter()
                    .filter_map(|id| member_of(id))
                    .collect();
                let window_ms = self.config.window_secs * 1000;
                let opened_ms = e.opened_at * 1000;
                let first = keys.iter().min().copied().unwrap_or(0);
                let wave_key = format!("{first:016x}-{}", e.opened_at / self.config.window_secs);
                let (id, new) = store
                    .open_burst_alert(
                        &wave_key,
                        e.kind.as_str(),
                        e.topic.as_deref(),
                        opened_ms,
                        opened_ms - window_ms,
                        &e.sample,
                        keys,
                        &members,
                    )
                    .await?;
                st.stored.insert(e.alert, id);
                if new {
                    out.opened.push(id);
                    events.alert(id);
                }
                Ok(Some(id))
            }
            AlertEventKind::Update => {
                let Some(&id) = st.stored.get(&e.alert) else {
                    return Ok(None);
                };
                let member = AlertMember {
                    message: item.message,
                    created_at: item.created_at,
                };
                out.joined += store
                    .join_burst_alert(id, &[member], keys, item.phishing)
                    .await?;
                Ok(Some(id))
            }
        }
    }
}

/// Reads back the detector id `message@created_at`.
fn member_of(id: &str) -> Option<AlertMember> {
    let (m, at) = id.split_once('@')?;
    Some(AlertMember {
        message: m.parse().ok()?,
        created_at: at.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_read_back() {
        assert_eq!(
            member_of("42@1700000000123"),
            Some(AlertMember {
                message: 42,
                created_at: 1_700_000_000_123
            })
        );
        assert_eq!(member_of("42"), None);
        assert_eq!(member_of("x@1"), None);
    }

    #[test]
    fn phishing_and_problem_follow_the_triage() {
        let topics = vec!["phishing".to_owned()];
        assert_eq!(
            burst_flags(&topics, "respond", "", "negative"),
            (true, true)
        );
        assert_eq!(
            burst_flags(&[], "alert", "phishing_link", "neutral"),
            (true, false)
        );
        assert_eq!(
            burst_flags(&[], "alert", "threat", "neutral"),
            (false, false)
        );
    }
}
