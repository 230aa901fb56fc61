//! A fake OpenAI-compatible chat endpoint on loopback (`POST /v1/chat/completions`): it keeps
//! every request body it receives (what the tests check for masked personal data) and answers
//! with a fixed reply, or with an error status.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Inner {
    reply: Mutex<String>,
    status: Mutex<u16>,
    requests: Mutex<Vec<(Value, Option<String>)>>,
}

/// A running fake endpoint on `127.0.0.1`. It stops when dropped.
pub struct FakeLlm {
    inner: Arc<Inner>,
    base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn completions(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Ok(mut r) = inner.requests.lock() {
        r.push((value.clone(), auth));
    }
    let status = inner.status.lock().map_or(200, |s| *s);
    if status != 200 {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (code, "error").into_response();
    }
    let reply = inner.reply.lock().map(|r| r.clone()).unwrap_or_default();
    axum::Json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": value["model"],
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": reply }, "finish_reason": "stop" }],
    }))
    .into_response()
}

impl FakeLlm {
    /// Starts the endpoint on a free port of `127.0.0.1`, answering `reply`.
    ///
    /// # Panics
    /// When no port can be bound (this is test support).
    #[allow(clippy::expect_used)]
    pub async fn start(reply: &str) -> FakeLlm {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the fake language model");
        let port = listener.local_addr().expect("its address").port();
        let inner = Arc::new(Inner {
            reply: Mutex::new(reply.to_owned()),
            status: Mutex::new(200),
            requests: Mutex::default(),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeLlm {
            inner,
            base_url: format!("http://127.0.0.1:{port}"),
            task,
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Answers every next request with `status` (200: the reply again).
    pub fn set_status(&self, status: u16) {
        if let Ok(mut s) = self.inner.status.lock() {
            *s = status;
        }
    }

    /// The request bodies received so far, with their `Authorization` header.
    pub fn requests(&self) -> Vec<(Value, Option<String>)> {
        self.inner
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}
