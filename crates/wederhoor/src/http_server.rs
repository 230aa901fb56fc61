//! The HTTP server loop with connection limits (issue 14: nothing an anonymous client can
//! exhaust). `axum::serve` has no timeouts and no connection caps, so connections are served
//! here with hyper directly:
//!
//! - **header timeout**: a request's headers must be complete within this time, counted from the
//!   connection's opening or from the end of the previous response; so it is also how long an
//!   idle keep-alive connection stays open (hyper's `header_read_timeout`);
//! - **body timeout**: enforced by the web crate's guard (`WebConfig::body_deadline`, from the
//!   same `[server] body_timeout_secs`): a stalled upload gets 408 and, its body unread, hyper
//!   closes the connection;
//! - **idle timeout**: a connection on which no byte moves either way for this time, while no
//!   handler is working on one of its requests, is closed (a client that stops reading a
//!   response); live-update streams send a keep-alive every 15 s, so they stay open;
//! - **connection caps**: at most `max_connections` connections at once (more wait in the
//!   listen backlog) and at most `max_connections_per_ip` from one address (more are answered
//!   503 and closed), so one browser's many `/events` streams cannot hold every connection.

use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// The limits, from `[server]` in the configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// 0: no cap per address.
    pub max_connections_per_ip: usize,
}

/// What a refused connection (over the per-address cap) is told before it is closed.
fn too_many() -> String {
    let body = r#"{"error":"too many connections from this address"}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         connection: close\r\nretry-after: 5\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Serves `router` on `listener` until `signal` completes; then stops accepting, lets each
/// connection finish its current request and waits for all of them.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    signal: impl Future<Output = ()> + Send + 'static,
) {
    let (signal_tx, signal_rx) = watch::channel(());
    tokio::spawn(async move {
        signal.await;
        drop(signal_rx);
    });
    // Every connection task holds a receiver; all dropped: every connection is closed.
    let (close_tx, close_rx) = watch::channel(());
    let total = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_ip = PerIp::default();
    let limits = Arc::new(limits);
    loop {
        // Over the total cap, new connections wait in the kernel's backlog.
        let permit = tokio::select! {
            p = total.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = signal_tx.closed() => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: try again shortly.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = signal_tx.closed() => break,
        };
        let Some(slot) = per_ip.take(remote.ip(), limits.max_connections_per_ip) else {
            tracing::debug!("too many connections from one address; refused");
            // Best effort, never waits: the socket's send buffer is empty.
            let _ = stream.try_write(too_many().as_bytes());
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let limits = limits.clone();
        let signal_tx = signal_tx.clone();
        let close_rx = close_rx.clone();
        tokio::spawn(async move {
            serve_connection(stream, remote, router, &limits, &signal_tx).await;
            drop(slot);
            drop(permit);
            drop(close_rx);
        });
    }
    drop(close_rx);
    drop(listener);
    close_tx.closed().await;
}

async fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    router: axum::Router,
    limits: &Limits,
    signal_tx: &watch::Sender<()>,
) {
    let started = Instant::now();
    let activity = Arc::new(Activity {
        started,
        last: AtomicU64::new(0),
        in_handler: AtomicUsize::new(0),
    });
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let in_service = activity.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(remote));
        let request = request.map(Body::new);
        let router = router.clone();
        let busy = Busy::new(in_service.clone());
        async move {
            let response = router.oneshot(request).await;
            drop(busy);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut signal_closed = pin!(signal_tx.closed());
    let mut idle = pin!(idle_watch(activity, limits.idle_timeout));
    let mut shutting_down = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                break;
            }
            _ = &mut signal_closed, if !shutting_down => {
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = &mut idle => {
                tracing::debug!("idle connection closed");
                break;
            }
        }
    }
}

/// Completes when no byte has moved for `timeout` while no handler was busy.
async fn idle_watch(activity: Arc<Activity>, timeout: Duration) {
    loop {
        let last = activity.started + Duration::from_millis(activity.last.load(Ordering::Relaxed));
        let deadline = last + timeout;
        if Instant::now() >= deadline && activity.in_handler.load(Ordering::Relaxed) == 0 {
            return;
        }
        let next = if Instant::now() >= deadline {
            // A handler is busy; look again after another period.
            Instant::now() + timeout
        } else {
            deadline
        };
        tokio::time::sleep_until(next.into()).await;
    }
}

struct Activity {
    started: Instant,
    /// Milliseconds since `started` of the last byte read or written.
    last: AtomicU64,
    /// Requests of this connection whose handler has not produced a response yet.
    in_handler: AtomicUsize,
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }
}

/// Counts a handler as busy until dropped.
struct Busy(Arc<Activity>);

impl Busy {
    fn new(activity: Arc<Activity>) -> Busy {
        activity.in_handler.fetch_add(1, Ordering::Relaxed);
        Busy(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_handler.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// The TCP stream, noting the time of each byte that moves.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Open connections per client address.
#[derive(Clone, Default)]
struct PerIp(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One connection counted for its address until dropped.
struct IpSlot {
    map: PerIp,
    ip: IpAddr,
}

impl PerIp {
    fn take(&self, ip: IpAddr, cap: usize) -> Option<IpSlot> {
        let Ok(mut map) = self.0.lock() else {
            // A poisoned lock (a panic elsewhere): serve rather than refuse everyone.
            return Some(IpSlot {
                map: self.clone(),
                ip,
            });
        };
        let n = map.entry(ip).or_insert(0);
        if cap > 0 && *n >= cap {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            map: self.clone(),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.map.0.lock()
            && let Some(n) = map.get_mut(&self.ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_per_address_count_refuses_over_the_cap_and_frees_on_drop() {
        let per_ip = PerIp::default();
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let one = per_ip.take(a, 2);
        let two = per_ip.take(a, 2);
        assert!(one.is_some() && two.is_some());
        assert!(per_ip.take(a, 2).is_none());
        assert!(per_ip.take(b, 2).is_some());
        drop(one);
        assert!(per_ip.take(a, 2).is_some());
        assert!(per_ip.take(a, 0).is_some(), "0 means no cap");
    }
}
