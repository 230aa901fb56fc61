//! Live events between web nodes over NATS.
//!
//! With several `serve` processes on one database (PostgreSQL), an agent's page must hear about a
//! message stored, a reply queued or a colleague's presence on *another* node. Each node sends its
//! own live events to one NATS subject and hands the events of the other nodes to its open pages.
//! Events are hints (pages reload what changed from the database), so NATS core pub/sub is enough:
//! an event lost while NATS is down costs a page refresh, never data.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::watch;
use wederhoor_core::ConversationId;
use wederhoor_web::{AppState, EVENT_KINDS, LiveEvent, Viewer};

/// A live event on the wire.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Wire {
    /// The node that sent it (a node ignores its own).
    node: String,
    kind: String,
    conversation: i64,
    #[serde(default)]
    viewers: Vec<Viewer>,
}

impl Wire {
    fn from_event(node: &str, e: &LiveEvent) -> Wire {
        Wire {
            node: node.to_owned(),
            kind: e.kind.to_owned(),
            conversation: e.conversation.0,
            viewers: e.viewers.clone(),
        }
    }

    /// The event for this node's pages, if it is a kind we know (a newer node may send more).
    fn into_event(self) -> Option<LiveEvent> {
        let kind = EVENT_KINDS.iter().find(|k| **k == self.kind)?;
        Some(LiveEvent {
            kind,
            conversation: ConversationId(self.conversation),
            viewers: self.viewers,
            remote: true,
        })
    }
}

/// Connects to NATS (waiting for it at start, like for the database).
pub async fn connect(url: &str) -> anyhow::Result<async_nats::Client> {
    async_nats::ConnectOptions::new()
        .name("wederhoor")
        .no_echo()
        .connection_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .with_context(|| format!("connecting to NATS at {url}"))
}

/// Subscribes to the other nodes' events; when this returns, the server knows the subscription
/// (call it before the node says it is up, so no event in between is missed).
pub async fn subscribe(
    client: &async_nats::Client,
    subject: &str,
) -> anyhow::Result<async_nats::Subscriber> {
    let incoming = client
        .subscribe(subject.to_owned())
        .await
        .with_context(|| format!("subscribing to {subject}"))?;
    client.flush().await.context("NATS flush")?;
    tracing::info!(%subject, "live events shared over NATS");
    Ok(incoming)
}

/// Runs until shutdown: this node's events go out on `subject`, other nodes' events come in.
pub async fn run_live_bridge(
    state: AppState,
    client: async_nats::Client,
    mut incoming: async_nats::Subscriber,
    subject: String,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let node = wederhoor_store::random_token()[..16].to_owned();
    let mut local = state.events.subscribe();
    let stop = async move {
        let _ = shutdown.wait_for(|down| *down).await;
    };
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            event = local.recv() => match event {
                Ok(e) if !e.remote => {
                    let Ok(payload) = serde_json::to_vec(&Wire::from_event(&node, &e)) else {
                        continue;
                    };
                    if let Err(err) = client.publish(subject.clone(), payload.into()).await {
                        tracing::warn!(error = %err, "live event not sent to NATS");
                    }
                }
                Ok(_) => {}
                // Lagged: some events were skipped; pages catch up on their next event.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!(skipped = n, "live bridge lagged");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
            message = futures_util::StreamExt::next(&mut incoming) => {
                let Some(message) = message else { break };
                let wire: Wire = match serde_json::from_slice(&message.payload) {
                    Ok(w) => w,
                    Err(e) => {
                        tracing::warn!(error = %e, "unreadable live event from NATS, skipped");
                        continue;
                    }
                };
                if wire.node == node {
                    continue;
                }
                let Some(event) = wire.into_event() else { continue };
                if event.kind == "presence" {
                    // Viewers on other nodes join this node's presence (they expire when their
                    // heartbeats stop arriving), so every node shows everyone.
                    for v in &event.viewers {
                        state.presence.update(event.conversation, v.agent, &v.name, v.typing, true);
                    }
                    let merged = state.presence.viewers(event.conversation);
                    state.publish(LiveEvent { viewers: merged, ..event });
                } else {
                    state.publish(event);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wederhoor_core::AgentId;

    #[test]
    fn events_cross_the_wire_and_unknown_kinds_are_dropped() {
        let e = LiveEvent {
            kind: "presence",
            conversation: ConversationId(7),
            viewers: vec![Viewer {
                agent: AgentId(3),
                name: "Sanne".into(),
                typing: true,
            }],
            remote: false,
        };
        let wire = Wire::from_event("node-a", &e);
        let back: Wire = serde_json::from_slice(&serde_json::to_vec(&wire).unwrap_or_default())
            .unwrap_or(Wire {
                node: String::new(),
                kind: String::new(),
                conversation: 0,
                viewers: vec![],
            });
        assert_eq!(back, wire);
        let event = back.into_event();
        assert_eq!(
            event.as_ref().map(|e| (e.kind, e.conversation, e.remote)),
            Some(("presence", ConversationId(7), true))
        );
        let unknown = Wire {
            node: "b".into(),
            kind: "something-new".into(),
            conversation: 1,
            viewers: vec![],
        };
        assert!(unknown.into_event().is_none());
    }
}
