//! An HTTP/1.1 server for a poem endpoint that slow or idle clients cannot hold:
//! poem's `Server` has no header-read timeout and no connection cap, and on an accept
//! error (out of file descriptors) it retries at once, spinning a core.
//!
//! - **Header-read timeout**: a request head (the request line and headers) must
//!   arrive within [`ServerLimits::header_read_timeout`], counted from when the
//!   connection starts waiting for one (a new connection, or a kept-alive one after
//!   its last response): a client dribbling a header byte by byte, or saying nothing,
//!   is disconnected.
//! - **Idle timeout**: a connection with no traffic either way for
//!   [`ServerLimits::idle_timeout`] is closed (a client that stopped reading).
//! - **Body timeout**: [`RequestLimits`](crate::limits::RequestLimits) reads the body
//!   within its deadline.
//! - **Connection caps**: at most [`ServerLimits::max_connections`] (by default, what
//!   the file-descriptor limit leaves), and per client address (an IPv6 client by its
//!   /64) [`ServerLimits::max_connections_per_address`]. At a cap, a new connection
//!   replaces the one that has waited longest for a request head, or that has been
//!   sending its body for longer than [`ServerLimits::body_grace`] (when
//!   [`RequestLimits`](crate::limits::RequestLimits) reads bodies), so connections that
//!   send nothing, or a byte at a time, cannot lock others out; when every connection
//!   is busy with a request, the new one is closed.
//! - **Accept errors** are logged (at most once a second) and retried after a
//!   growing pause instead of at once.
//!
//! ```no_run
//! # async fn run(app: impl poem::Endpoint + 'static) -> std::io::Result<()> {
//! use auth_runtime::server::{serve, ServerLimits};
//! use poem::listener::{Listener, TcpListener};
//! let acceptor = TcpListener::bind("127.0.0.1:8000").into_acceptor().await?;
//! serve(acceptor, app, ServerLimits::default(), async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await
//! # }
//! ```

use std::{
    convert::Infallible,
    future::Future,
    io,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use hyper_util::rt::{TokioIo, TokioTimer};
use poem::{
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
    Endpoint, IntoEndpoint, IntoResponse, Response,
};
use tokio::io::{AsyncRead, AsyncWrite};

mod connections;
mod limits;

pub(crate) use self::connections::BodyProgress;
use self::connections::{Conn, Registry, Tracked, HANDLING, WAITING};
pub use self::limits::ServerLimits;
use crate::net::ClientAddr;

/// Serves `endpoint` on `addr` until Ctrl-C, within [`ServerLimits::default`], and
/// prints the address it listens on (with the real port when `addr` asked for port 0).
///
/// ```no_run
/// # async fn run(app: impl poem::Endpoint + 'static) -> std::io::Result<()> {
/// auth_runtime::server::listen("127.0.0.1:3000", app).await
/// # }
/// ```
pub async fn listen<E>(addr: &str, endpoint: E) -> io::Result<()>
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    use poem::listener::{Listener, TcpListener};
    let acceptor = TcpListener::bind(addr.to_owned()).into_acceptor().await?;
    for local in acceptor.local_addr() {
        if let Some(local) = local.as_socket_addr() {
            println!("serving on http://{local}");
        }
    }
    serve(acceptor, endpoint, ServerLimits::default(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Serves `endpoint` on the connections `acceptor` accepts, within `limits`, until
/// `shutdown` completes; then waits up to `limits.shutdown_grace` for requests in
/// progress.
pub async fn serve<A, E>(
    mut acceptor: A,
    endpoint: E,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()>
where
    A: Acceptor,
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let endpoint: Arc<dyn poem::endpoint::DynEndpoint<Output = Response>> = Arc::new(
        poem::endpoint::ToDynEndpoint(Responding(endpoint.into_endpoint())),
    );
    let registry = Arc::new(Registry {
        start: Instant::now(),
        limits,
        table: Mutex::default(),
        next: AtomicU64::new(0),
        stopping: tokio::sync::watch::channel(false).0,
    });
    let mut pause = Duration::from_millis(10);
    let mut last_log: Option<Instant> = None;
    let mut should_log = move || {
        let now = Instant::now();
        let due = last_log.is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
        if due {
            last_log = Some(now);
        }
        due
    };
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = acceptor.accept() => accepted,
        };
        let (io, local, remote, scheme) = match accepted {
            Ok(accepted) => {
                pause = Duration::from_millis(10);
                accepted
            }
            Err(e) => {
                if should_log() {
                    tracing::error!(error = %e, pause_ms = pause.as_millis() as u64, open = registry.open(), "accept failed; pausing before the next attempt");
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        let client = match remote.as_socket_addr() {
            Some(a) => ClientAddr::new(a.ip(), registry.limits.ipv6_prefix),
            None => ClientAddr::Unknown,
        };
        let Some(conn) = registry.admit(client) else {
            if should_log() {
                tracing::warn!(remote = %remote, open = registry.open(), "connection refused: every connection is busy with a request");
            }
            drop(io);
            continue;
        };
        tokio::spawn(connection(
            io,
            local,
            remote,
            scheme,
            endpoint.clone(),
            conn,
            registry.clone(),
        ));
    }
    drop(acceptor);
    registry.stopping.send_replace(true);
    let deadline = Instant::now() + registry.limits.shutdown_grace;
    while registry.open() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn connection<Io>(
    io: Io,
    local: LocalAddr,
    remote: RemoteAddr,
    scheme: poem::http::uri::Scheme,
    endpoint: Arc<dyn poem::endpoint::DynEndpoint<Output = Response>>,
    conn: Arc<Conn>,
    registry: Arc<Registry>,
) where
    Io: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let io = Tracked {
        inner: io,
        conn: conn.clone(),
        registry: registry.clone(),
    };
    let service = hyper::service::service_fn({
        let conn = conn.clone();
        let registry = registry.clone();
        move |req: hyper::Request<hyper::body::Incoming>| {
            let endpoint = endpoint.clone();
            let (local, remote, scheme) = (local.clone(), remote.clone(), scheme.clone());
            let (conn, registry) = (conn.clone(), registry.clone());
            conn.enter(HANDLING, registry.now());
            // Only a request with a body needs to say how far it is in reading it.
            let progress = (!hyper::body::Body::is_end_stream(req.body()))
                .then(|| BodyProgress(conn.clone(), registry.clone()));
            async move {
                let mut req: poem::Request = (req, local, remote, scheme).into();
                if let Some(progress) = progress {
                    req.extensions_mut().insert(progress);
                }
                // The boxed future directly: poem's `get_response` and `call` on a
                // `dyn DynEndpoint` would each add a layer holding the request.
                let resp = poem::endpoint::DynEndpoint::call(&*endpoint, req)
                    .await
                    .unwrap_or_else(|e| e.into_response());
                conn.enter(WAITING, registry.now());
                Ok::<_, Infallible>(hyper::Response::from(resp))
            }
        }
    });
    let limits = &registry.limits;
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let served = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(served);
    let mut stopping = registry.stopping.subscribe();
    let idle = limits.idle_timeout;
    let watchdog = async {
        loop {
            tokio::time::sleep(idle / 4).await;
            let quiet = registry
                .now()
                .saturating_sub(conn.last_io.load(Ordering::Acquire));
            if quiet >= u64::try_from(idle.as_millis()).unwrap_or(u64::MAX) {
                return;
            }
        }
    };
    tokio::pin!(watchdog);
    let stop = async move {
        loop {
            let stopped = *stopping.borrow_and_update();
            if stopped || stopping.changed().await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        result = &mut served => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = conn.closed.notified() => tracing::debug!("connection closed to make room"),
        () = &mut watchdog => tracing::debug!("connection closed: idle"),
        () = stop => {
            // Shutting down: finish the request in progress, take no more.
            served.as_mut().graceful_shutdown();
            let grace = registry.limits.shutdown_grace;
            let _ = tokio::time::timeout(grace, served).await;
        }
    }
    registry.remove(&conn);
}

/// The endpoint's output as a response, converted as the future completes (poem's
/// `map_to_response` is an `async fn`, which would keep a copy of the request in its
/// future).
struct Responding<E>(E);

impl<E: Endpoint> Endpoint for Responding<E> {
    type Output = Response;

    fn call(&self, req: poem::Request) -> impl Future<Output = poem::Result<Response>> + Send {
        use futures_util::FutureExt;
        self.0
            .call(req)
            .map(|result| result.map(IntoResponse::into_response))
    }
}
