//! Several `serve` nodes on one database: this node's id (the holder of its sources' leases) and
//! the rules sync, so a rules save or a trained model on one node is what every node triages
//! with. With NATS the saving node announces the change on `{nats_subject}.rules` and the others
//! reload at once; every node also checks the active versions in the database every
//! `cluster.rules_poll_secs` (the only way without NATS, and the fallback when an announcement is
//! lost: NATS core pub/sub does not keep messages).

use crate::config::Config;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;
use tokio::sync::watch;
use wederhoor_store::ActiveVersions;
use wederhoor_web::{ActiveRules, AppState};

/// This node's id: `cluster.node_id`, else the one kept in `data_dir/node-id` (made at first
/// start, so a node restarted after a crash takes its own sources back at once instead of
/// waiting for its old leases to expire), else a random one for this process. The file is
/// locked while the process runs (the returned guard): a second process on the same data
/// directory gets a random id, so two live processes never share one.
pub fn node_id(config: &Config) -> (String, Option<std::fs::File>) {
    if !config.cluster.node_id.is_empty() {
        return (config.cluster.node_id.clone(), None);
    }
    let file = config.data_dir.join("node-id");
    match claim_id_file(&file) {
        Ok(Some((id, guard))) => (id, Some(guard)),
        Ok(None) => {
            tracing::info!(file = %file.display(), "another process uses this data directory's node id; using a random one");
            (random_id(), None)
        }
        Err(e) => {
            tracing::warn!(error = %e, file = %file.display(), "cannot keep the node id; using a random one for this process");
            (random_id(), None)
        }
    }
}

fn random_id() -> String {
    wederhoor_store::random_token()[..16].to_owned()
}

/// The id in `file` (written first if missing or unreadable), with the file locked; `None` when
/// another live process holds the lock.
fn claim_id_file(file: &Path) -> std::io::Result<Option<(String, std::fs::File)>> {
    use std::io::{Read, Seek, Write};
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(file)?;
    match f.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
        Err(std::fs::TryLockError::Error(e)) => return Err(e),
    }
    let mut text = String::new();
    f.read_to_string(&mut text)?;
    let id = text.trim();
    if !id.is_empty() && id.len() <= 64 && !id.chars().any(char::is_whitespace) {
        return Ok(Some((id.to_owned(), f)));
    }
    let id = random_id();
    f.set_len(0)?;
    f.rewind()?;
    writeln!(f, "{id}")?;
    f.sync_all()?;
    Ok(Some((id, f)))
}

/// What a `serve` process runs (`cluster.roles`, `serve --role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// Pages, JSON API, ingest and webhooks, live events.
    pub web: bool,
    /// The listening connectors (each source on the node holding its lease).
    pub listen: bool,
    /// The outbox and mail workers and the retention job.
    pub worker: bool,
}

impl Roles {
    /// `web,listen,worker` or any non-empty part of it.
    pub fn parse(text: &str) -> anyhow::Result<Roles> {
        let mut roles = Roles {
            web: false,
            listen: false,
            worker: false,
        };
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "web" => roles.web = true,
                "listen" => roles.listen = true,
                "worker" => roles.worker = true,
                other => anyhow::bail!(
                    "cluster.roles / --role: unknown role {other:?}; use web, listen and/or worker"
                ),
            }
        }
        if !(roles.web || roles.listen || roles.worker) {
            anyhow::bail!("cluster.roles / --role: name at least one of web, listen, worker");
        }
        Ok(roles)
    }
}

/// The leases of this node's listening connectors.
pub fn leases(config: &Config, node: &str) -> wederhoor_listen::Leases {
    let ttl = Duration::from_secs(config.cluster.lease_secs);
    wederhoor_listen::Leases {
        node: node.to_owned(),
        ttl,
        renew: ttl / 3,
    }
}

/// "The rules changed" on the wire.
#[derive(Debug, Serialize, Deserialize)]
struct RulesChanged {
    node: String,
    rules: Option<i64>,
    model: Option<i64>,
}

/// The NATS side of the rules sync.
pub struct RulesBus {
    pub client: async_nats::Client,
    pub subject: String,
}

impl RulesBus {
    /// Subscribes before the node says it is up, so no announcement in between is missed.
    pub async fn subscribe(
        client: async_nats::Client,
        live_subject: &str,
    ) -> anyhow::Result<(RulesBus, async_nats::Subscriber)> {
        let subject = format!("{live_subject}.rules");
        let incoming = client
            .subscribe(subject.clone())
            .await
            .with_context(|| format!("subscribing to {subject}"))?;
        client.flush().await.context("NATS flush")?;
        Ok((RulesBus { client, subject }, incoming))
    }
}

/// Runs until shutdown: announces this node's rules changes and takes over other nodes'.
pub async fn run_rules_sync(
    state: AppState,
    poll: Duration,
    bus: Option<(RulesBus, async_nats::Subscriber)>,
    mut shutdown: watch::Receiver<bool>,
) {
    // Which process sent an announcement (not the lease holder id: that may be configured).
    let node = random_id();
    // What this node runs; a save elsewhere between its start and now is taken over at once.
    let mut seen = ActiveVersions {
        rules: state.active_rules().version,
        model: None,
    };
    reload(&state, &mut seen).await;
    let mut local = state.rules_changed.subscribe();
    let (bus, mut incoming) = match bus {
        Some((b, s)) => (Some(b), Some(s)),
        None => (None, None),
    };
    let stop = async move {
        let _ = shutdown.wait_for(|down| *down).await;
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            changed = local.changed() => {
                if changed.is_err() {
                    return;
                }
                // A save here: the store has it; tell the others.
                match state.store.active_versions().await {
                    Ok(now) => {
                        seen = now;
                        if let Some(bus) = &bus {
                            let wire = RulesChanged { node: node.clone(), rules: now.rules, model: now.model };
                            if let Ok(payload) = serde_json::to_vec(&wire)
                                && let Err(e) = bus.client.publish(bus.subject.clone(), payload.into()).await
                            {
                                tracing::warn!(error = %e, "rules change not announced on NATS; other nodes see it at their next check");
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "reading the active rules version"),
                }
            }
            message = next_announcement(&mut incoming) => {
                let Some(message) = message else {
                    incoming = None;
                    continue;
                };
                match serde_json::from_slice::<RulesChanged>(&message.payload) {
                    Ok(wire) if wire.node == node => {}
                    Ok(_) => reload(&state, &mut seen).await,
                    Err(e) => tracing::warn!(error = %e, "unreadable rules announcement, skipped"),
                }
            }
            _ = tokio::time::sleep(poll) => reload(&state, &mut seen).await,
        }
    }
}

/// The next announcement from NATS; never, without NATS.
async fn next_announcement(
    incoming: &mut Option<async_nats::Subscriber>,
) -> Option<async_nats::Message> {
    match incoming {
        Some(s) => futures_util::StreamExt::next(s).await,
        None => std::future::pending().await,
    }
}

/// Takes the store's active rules and model when they are not the ones `seen` last.
async fn reload(state: &AppState, seen: &mut ActiveVersions) {
    let now = match state.store.active_versions().await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "reading the active rules version");
            return;
        }
    };
    if now == *seen {
        return;
    }
    match rebuild(state, now).await {
        Ok(Some(rules)) => {
            tracing::info!(version = ?rules.version, model = ?now.model, "rules changed on another node; now active here");
            state.replace_rules(rules);
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "the active rules from the database cannot be used; keeping the current ones")
        }
    }
    // Also after an error: the same broken version is not tried again every few seconds.
    *seen = now;
}

/// The engine for the store's active versions, from the running one (same brand and topics).
async fn rebuild(state: &AppState, now: ActiveVersions) -> anyhow::Result<Option<ActiveRules>> {
    let current = state.active_rules();
    let mut engine = current.engine.clone();
    let mut version = current.version;
    if let Some(v) = now.rules
        && current.version != Some(v)
    {
        let Some((_, text)) = state.store.rules_version(v).await? else {
            return Ok(None);
        };
        engine = tokio::task::spawn_blocking(move || engine.with_rules(&text))
            .await?
            .map_err(|e| anyhow::anyhow!("rules version {v}: {e}"))?;
        version = Some(v);
    }
    let engine = wederhoor_web::learning::with_active_model(&state.store, engine.with_model(None))
        .await
        .map_err(|e| anyhow::anyhow!("the learned model: {e}"))?;
    Ok(Some(ActiveRules { engine, version }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_parsed_and_unknown_ones_refused() {
        let all = Roles::parse("web,listen,worker").unwrap();
        assert!(all.web && all.listen && all.worker);
        let some = Roles::parse(" listen , worker").unwrap();
        assert_eq!(
            some,
            Roles {
                web: false,
                listen: true,
                worker: true
            }
        );
        assert!(Roles::parse("web,cook").is_err());
        assert!(Roles::parse(" , ").is_err());
    }

    #[test]
    fn the_node_id_is_kept_and_locked_per_data_directory() {
        let dir = std::env::temp_dir().join(format!("wederhoor-node-{}", random_id()));
        let file = dir.join("node-id");
        let (id, guard) = claim_id_file(&file).unwrap().unwrap();
        // While this process holds it, a second claimant is told so (and takes a random id).
        assert!(claim_id_file(&file).unwrap().is_none());
        drop(guard);
        // After a restart: the same id.
        let (again, _guard) = claim_id_file(&file).unwrap().unwrap();
        assert_eq!(again, id);
    }
}
