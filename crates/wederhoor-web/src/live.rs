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
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use wederhoor_core::{AgentId, ConversationId};

/// Something changed; open pages decide whether it concerns them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LiveEvent {
    /// `message`, `reply`, `note`, `case`, `delivery`, `presence` or `alert` (a new alert of the
    /// burst detector; `conversation` then holds the alert's id).
    pub kind: &'static str,
    pub conversation: ConversationId,
    /// Only for `presence`: who is in the conversation now.
    pub viewers: Vec<Viewer>,
    /// The event came from another web node (over NATS): it is not sent on again.
    #[serde(skip)]
    pub remote: bool,
}

/// Every kind of live event (events from other nodes are checked against this list).
pub const EVENT_KINDS: &[&str] = &[
    "message", "reply", "note", "case", "delivery", "presence", "alert",
];

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

/// Who is where, in memory (presence is a hint; losing it on restart loses nothing), and the
/// open live streams per session.
#[derive(Default)]
pub struct Presence {
    by_conversation: Mutex<HashMap<ConversationId, HashMap<AgentId, Seen>>>,
    streams: Streams,
}

/// At most this many `/events` streams per session; a newer one ends the oldest. A browser opens
/// only six connections to one server (HTTP/1.1): were every one held by a stream (tabs, pages
/// kept in the back/forward cache), the next click would wait until one timed out.
pub const MAX_STREAMS_PER_SESSION: usize = 3;

/// One session's open streams, oldest first: (stream id, "end now").
type SessionStreams = VecDeque<(u64, oneshot::Sender<()>)>;

/// The open live streams, per session; each can be told to end.
#[derive(Default)]
struct Streams {
    next_id: AtomicU64,
    by_session: Mutex<HashMap<String, SessionStreams>>,
}

/// One open stream; dropping it (the stream ended) takes it off the list.
struct StreamTicket {
    presence: Arc<Presence>,
    session: String,
    id: u64,
}

impl Drop for StreamTicket {
    fn drop(&mut self) {
        if let Ok(mut map) = self.presence.streams.by_session.lock()
            && let Some(list) = map.get_mut(&self.session)
        {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() {
                map.remove(&self.session);
            }
        }
    }
}

impl Streams {
    /// Registers stream `id` of `session`, telling the oldest ones to end while there are more
    /// than [`MAX_STREAMS_PER_SESSION`]; the receiver fires when this one must end.
    fn open(&self, session: &str, id: u64) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut map) = self.by_session.lock() {
            let list = map.entry(session.to_owned()).or_default();
            list.push_back((id, tx));
            while list.len() > MAX_STREAMS_PER_SESSION {
                if let Some((_, oldest)) = list.pop_front() {
                    let _ = oldest.send(());
                }
            }
        }
        rx
    }

    /// How many streams are open.
    fn count(&self) -> usize {
        self.by_session
            .lock()
            .map(|m| m.values().map(VecDeque::len).sum())
            .unwrap_or(0)
    }
}

/// Opens a live stream of `session` (see [`Streams::open`]); the ticket closes it when dropped.
fn open_stream(presence: &Arc<Presence>, session: &str) -> (StreamTicket, oneshot::Receiver<()>) {
    let id = presence.streams.next_id.fetch_add(1, Ordering::Relaxed);
    let rx = presence.streams.open(session, id);
    let ticket = StreamTicket {
        presence: presence.clone(),
        session: session.to_owned(),
        id,
    };
    (ticket, rx)
}

impl Presence {
    /// How many live streams are open now.
    pub fn open_streams(&self) -> usize {
        self.streams.count()
    }

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

/// `GET /events`: a server-sent event stream of `LiveEvent`s as JSON (`event: change`). At most
/// [`MAX_STREAMS_PER_SESSION`] per session: the oldest then gets `event: replaced` and ends (the
/// page does not reconnect until it is shown again). Streams end when the server shuts down.
pub async fn events(
    State(state): State<AppState>,
    auth: Auth<AGENT>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (out, out_rx) = mpsc::channel::<Event>(16);
    let mut shutting_down = state.shutting_down.subscribe();
    let mut changes = state.events.subscribe();
    // The session's CSRF token names the session (it is per session and already in memory).
    // Registered before the task starts, so streams are ordered as they were asked for.
    let (ticket, mut replaced) = open_stream(&state.presence, &auth.csrf);
    tokio::spawn(async move {
        let _ticket = ticket;
        let stop = async move {
            let _ = shutting_down.wait_for(|down| *down).await;
        };
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                r = &mut replaced => {
                    if r.is_ok() {
                        let _ = out.send(Event::default().event("replaced").data("{}")).await;
                    }
                    break;
                }
                // The page went away.
                _ = out.closed() => break,
                e = changes.recv() => match e {
                    Ok(e) => {
                        let Ok(data) = serde_json::to_string(&e) else { continue };
                        if out.send(Event::default().event("change").data(data)).await.is_err() {
                            break;
                        }
                    }
                    // A lagging client skips events; its next event makes it refresh anyway.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
    });
    let stream = ReceiverStream::new(out_rx).map(Ok);
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_keeps_at_most_its_newest_streams() {
        let presence = Arc::new(Presence::default());
        let (first, mut first_end) = open_stream(&presence, "s1");
        let mut rest = Vec::new();
        for _ in 1..MAX_STREAMS_PER_SESSION {
            rest.push(open_stream(&presence, "s1"));
        }
        let (_other, mut other_end) = open_stream(&presence, "s2");
        assert_eq!(presence.open_streams(), MAX_STREAMS_PER_SESSION + 1);
        assert!(first_end.try_recv().is_err(), "still within the cap");
        // One more for s1: its oldest is told to end; s2 is not touched.
        let (_newest, _) = open_stream(&presence, "s1");
        assert_eq!(first_end.try_recv(), Ok(()));
        assert!(other_end.try_recv().is_err());
        drop(first);
        assert_eq!(presence.open_streams(), MAX_STREAMS_PER_SESSION + 1);
        drop(rest);
        assert_eq!(presence.open_streams(), 2);
    }
}
