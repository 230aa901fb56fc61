//! Live updates: server-sent events for new messages and replies, and presence (who else is
//! viewing or typing in a conversation) so two agents do not answer the same customer twice.

use crate::AppState;
use crate::auth::{AGENT, Auth};
use crate::error::AppError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use wederhoor_core::{AgentId, ConversationId};

/// Something changed; open pages decide whether it concerns them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LiveEvent {
    /// `message`, `reply`, `note`, `case`, `delivery` or `presence`.
    pub kind: &'static str,
    pub conversation: ConversationId,
    /// Only for `presence`: who is in the conversation now.
    pub viewers: Vec<Viewer>,
    /// The event came from another web node (over NATS): it is not sent on again.
    #[serde(skip)]
    pub remote: bool,
}

/// Every kind of live event (events from other nodes are checked against this list).
pub const EVENT_KINDS: &[&str] = &["message", "reply", "note", "case", "delivery", "presence"];

impl LiveEvent {
    pub fn changed(conversation: ConversationId, kind: &'static str) -> LiveEvent {
        LiveEvent {
            kind,
            conversation,
            viewers: Vec::new(),
            remote: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Viewer {
    pub agent: AgentId,
    pub name: String,
    pub typing: bool,
}

/// A heartbeat older than this means the agent left.
const PRESENCE_TTL: Duration = Duration::from_secs(15);

/// (display name, typing, last heartbeat)
type Seen = (String, bool, Instant);

/// Who is where, in memory (presence is a hint; losing it on restart loses nothing).
#[derive(Default)]
pub struct Presence {
    by_conversation: Mutex<HashMap<ConversationId, HashMap<AgentId, Seen>>>,
}

impl Presence {
    pub fn viewers(&self, conversation: ConversationId) -> Vec<Viewer> {
        let Ok(mut map) = self.by_conversation.lock() else {
            return Vec::new();
        };
        let Some(agents) = map.get_mut(&conversation) else {
            return Vec::new();
        };
        agents.retain(|_, (_, _, seen)| seen.elapsed() < PRESENCE_TTL);
        let mut out: Vec<Viewer> = agents
            .iter()
            .map(|(id, (name, typing, _))| Viewer {
                agent: *id,
                name: name.clone(),
                typing: *typing,
            })
            .collect();
        out.sort_by_key(|v| v.agent);
        out
    }

    /// Records (or, with `here == false`, forgets) an agent in a conversation.
    pub fn update(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        name: &str,
        typing: bool,
        here: bool,
    ) {
        if let Ok(mut map) = self.by_conversation.lock() {
            let agents = map.entry(conversation).or_default();
            if here {
                agents.insert(agent, (name.to_owned(), typing, Instant::now()));
            } else {
                agents.remove(&agent);
            }
        }
    }
}

#[derive(Deserialize)]
pub struct PresenceBody {
    #[serde(default)]
    typing: bool,
    /// `false` when the page is closed.
    #[serde(default = "yes")]
    here: bool,
}

fn yes() -> bool {
    true
}

/// `POST /c/{id}/presence` with `{"typing": bool}` and the CSRF token in `x-csrf-token`.
pub async fn presence(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<PresenceBody>,
) -> Result<Json<Vec<Viewer>>, AppError> {
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    auth.check_csrf(token)?;
    let id = ConversationId(id);
    let before = state.presence.viewers(id);
    state.presence.update(
        id,
        auth.agent.id,
        &auth.agent.display_name,
        body.typing,
        body.here,
    );
    let viewers = state.presence.viewers(id);
    if viewers != before {
        state.publish(LiveEvent {
            kind: "presence",
            conversation: id,
            viewers: viewers.clone(),
            remote: false,
        });
    }
    Ok(Json(viewers))
}

/// `GET /events`: a server-sent event stream of `LiveEvent`s as JSON.
pub async fn events(
    State(state): State<AppState>,
    _auth: Auth<AGENT>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut shutting_down = state.shutting_down.subscribe();
    let stop = async move {
        let _ = shutting_down.wait_for(|down| *down).await;
    };
    let events = futures_util::StreamExt::take_until(
        BroadcastStream::new(state.events.subscribe()),
        Box::pin(stop),
    );
    let stream = events.filter_map(|e| {
        // A lagging client skips events; its next event makes it refresh anyway.
        let e = e.ok()?;
        let data = serde_json::to_string(&e).ok()?;
        Some(Ok(Event::default().event("change").data(data)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
