//! One WebSocket to the browser endpoint, shared by every page through
//! flattened sessions (`sessionId` on each message).
//!
//! A writer task drains an unbounded channel into the socket; a reader task
//! routes responses by `id` to the oneshot sender of the waiting command and
//! events to the subscribers whose session filter matches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

/// Default time one CDP command may take before it is reported as hung.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// A CDP event: `method`, `params` and, for page-level events, the session it came from.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub method: String,
    pub session_id: Option<String>,
    pub params: Value,
}

type Reply = Result<Value, String>;

#[derive(Default)]
struct State {
    pending: HashMap<u64, oneshot::Sender<Reply>>,
    subscribers: HashMap<u64, (Option<String>, mpsc::UnboundedSender<Event>)>,
    /// Set once the reader task has stopped; explains why.
    closed: Option<String>,
}

struct Inner {
    next_id: AtomicU64,
    state: Mutex<State>,
    out: mpsc::UnboundedSender<Message>,
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means another thread panicked mid-update of a
        // map; the maps themselves stay usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Cheap to clone handle on the shared connection.
#[derive(Clone)]
pub(crate) struct Connection {
    inner: Arc<Inner>,
}

impl Connection {
    pub(crate) async fn connect(ws_url: &str) -> anyhow::Result<Connection> {
        let (socket, _response) =
            tokio::time::timeout(COMMAND_TIMEOUT, tokio_tungstenite::connect_async(ws_url))
                .await
                .map_err(|_| {
                    anyhow!("timed out connecting to the Chromium DevTools WebSocket {ws_url}")
                })?
                .with_context(|| {
                    format!("connecting to the Chromium DevTools WebSocket {ws_url}")
                })?;
        let (mut sink, mut stream) = socket.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        let inner = Arc::new(Inner {
            next_id: AtomicU64::new(1),
            state: Mutex::new(State::default()),
            out,
        });

        tokio::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                if sink.send(msg).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });

        // The reader only keeps a weak reference so that dropping every
        // handle (and with it the writer's sender) ends both tasks.
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            let reason = loop {
                let msg = match stream.next().await {
                    None => break "the DevTools WebSocket was closed".to_string(),
                    Some(Err(e)) => break format!("the DevTools WebSocket failed: {e}"),
                    Some(Ok(msg)) => msg,
                };
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                let text = match &msg {
                    Message::Text(t) => t.as_str(),
                    Message::Close(_) => {
                        break "Chromium closed the DevTools WebSocket".to_string();
                    }
                    _ => continue,
                };
                let Ok(value) = serde_json::from_str::<Value>(text) else {
                    continue;
                };
                dispatch(&inner, value);
            };
            if let Some(inner) = weak.upgrade() {
                let mut state = inner.state();
                state.closed = Some(reason.clone());
                for (_, tx) in state.pending.drain() {
                    let _ = tx.send(Err(reason.clone()));
                }
                state.subscribers.clear();
            }
        });

        Ok(Connection { inner })
    }

    /// Send a command (browser-level when `session_id` is `None`) and wait for its result.
    pub(crate) async fn send(
        &self,
        session_id: Option<&str>,
        method: &str,
        params: Value,
    ) -> anyhow::Result<Value> {
        self.send_with_timeout(session_id, method, params, COMMAND_TIMEOUT)
            .await
    }

    pub(crate) async fn send_with_timeout(
        &self,
        session_id: Option<&str>,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.inner.state();
            if let Some(reason) = &state.closed {
                bail!("CDP {method} not sent: {reason}");
            }
            state.pending.insert(id, tx);
        }
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(session_id) = session_id {
            msg["sessionId"] = Value::String(session_id.to_string());
        }
        if self
            .inner
            .out
            .send(Message::Text(msg.to_string().into()))
            .is_err()
        {
            self.inner.state().pending.remove(&id);
            bail!("CDP {method} not sent: the DevTools WebSocket writer has stopped");
        }
        match tokio::time::timeout(timeout, rx).await {
            Err(_) => {
                self.inner.state().pending.remove(&id);
                bail!("CDP {method} got no answer within {timeout:?}")
            }
            Ok(Err(_)) => bail!("CDP {method}: the connection to Chromium went away"),
            Ok(Ok(Err(e))) => bail!("CDP {method} failed: {e}"),
            Ok(Ok(Ok(result))) => Ok(result),
        }
    }

    /// Send a command without waiting for (or caring about) its answer. Used from `Drop`.
    pub(crate) fn send_and_forget(&self, session_id: Option<&str>, method: &str, params: Value) {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(session_id) = session_id {
            msg["sessionId"] = Value::String(session_id.to_string());
        }
        let _ = self.inner.out.send(Message::Text(msg.to_string().into()));
    }

    /// Receive every event from now on whose session is `session_id`
    /// (`None`: browser-level events only).
    pub(crate) fn subscribe(&self, session_id: Option<&str>) -> anyhow::Result<Subscription> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        let mut state = self.inner.state();
        if let Some(reason) = &state.closed {
            bail!("cannot listen for CDP events: {reason}");
        }
        state
            .subscribers
            .insert(id, (session_id.map(str::to_string), tx));
        Ok(Subscription {
            id,
            rx,
            conn: self.clone(),
        })
    }
}

fn dispatch(inner: &Inner, value: Value) {
    let mut state = inner.state();
    if let Some(id) = value.get("id").and_then(Value::as_u64) {
        if let Some(tx) = state.pending.remove(&id) {
            let reply = match value.get("error") {
                Some(err) => Err(describe_error(err)),
                None => Ok(value.get("result").cloned().unwrap_or(Value::Null)),
            };
            let _ = tx.send(reply);
        }
        return;
    }
    let Some(method) = value.get("method").and_then(Value::as_str) else {
        return;
    };
    let event = Event {
        method: method.to_string(),
        session_id: value
            .get("sessionId")
            .and_then(Value::as_str)
            .map(str::to_string),
        params: value.get("params").cloned().unwrap_or(Value::Null),
    };
    state
        .subscribers
        .retain(|_, (session, tx)| *session != event.session_id || tx.send(event.clone()).is_ok());
}

fn describe_error(err: &Value) -> String {
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("unknown error");
    let mut out = message.to_string();
    if let Some(code) = err.get("code").and_then(Value::as_i64) {
        out.push_str(&format!(" (code {code})"));
    }
    if let Some(data) = err.get("data").and_then(Value::as_str) {
        out.push_str(&format!(": {data}"));
    }
    out
}

/// A stream of events; unregisters itself on drop.
pub(crate) struct Subscription {
    id: u64,
    rx: mpsc::UnboundedReceiver<Event>,
    conn: Connection,
}

impl Subscription {
    /// Next event, or an error if the connection closed.
    pub(crate) async fn next(&mut self) -> anyhow::Result<Event> {
        match self.rx.recv().await {
            Some(event) => Ok(event),
            None => {
                let reason = self
                    .conn
                    .inner
                    .state()
                    .closed
                    .clone()
                    .unwrap_or_else(|| "event subscription ended".to_string());
                Err(anyhow!("waiting for a CDP event: {reason}"))
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.conn.inner.state().subscribers.remove(&self.id);
    }
}
