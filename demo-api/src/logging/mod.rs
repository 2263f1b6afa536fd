//! Logging: where log lines go, and the access log (one line per request).
//!
//! Lines are written by a background thread (tracing-appender's non-blocking writer),
//! so a request never waits for stderr or the file behind it; under a flood that the
//! writer cannot keep up with, lines are dropped rather than requests slowed. On a
//! terminal, tracing's usual coloured format; otherwise (a file, a pipe) a plain line
//! per event, formatted at little cost (see [`line`]).

mod line;

use std::{
    future::Future,
    io::{BufWriter, IsTerminal},
    time::Instant,
};

use futures_util::FutureExt;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use tracing_appender::non_blocking::WorkerGuard;

/// Installs the global subscriber: `RUST_LOG` (default `info,sqlx=warn`) to stderr,
/// stdout being for what commands print (JSON, tables, the address). Keep the guard
/// until the program ends: dropping it flushes the lines still buffered.
///
/// ```no_run
/// let _logs = demo_api::logging::init();
/// tracing::info!("started");
/// ```
pub fn init() -> WorkerGuard {
    // Buffered: the writer thread flushes after each batch it drains, so a busy
    // server writes many lines per system call.
    let (writer, guard) = tracing_appender::non_blocking(BufWriter::new(std::io::stderr()));
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if std::io::stderr().is_terminal() {
        logs.init();
    } else {
        logs.with_ansi(false).event_format(line::Line).init();
    }
    guard
}

/// Logs every request once, when its response is ready: method, path (without the
/// query string, which may carry codes or other secrets), status, microseconds spent,
/// and the client's address, at INFO under the target `access`. Costs nothing when
/// that level is off.
///
/// ```
/// use poem::{handler, EndpointExt, Route};
/// #[handler]
/// fn hello() -> &'static str { "hello" }
/// let app = Route::new().at("/", hello).with(demo_api::logging::AccessLog);
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct AccessLog;

impl<E: Endpoint> Middleware<E> for AccessLog {
    type Output = AccessLogEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        AccessLogEndpoint { inner }
    }
}

/// What the access line says of a request, taken before it is handled.
struct Seen {
    start: Instant,
    method: poem::http::Method,
    path: String,
    remote: Option<std::net::SocketAddr>,
}

/// The endpoint [`AccessLog`] produces.
#[derive(Debug)]
pub struct AccessLogEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for AccessLogEndpoint<E> {
    type Output = Response;

    // Not an `async fn`: the request goes to the inner future at once instead of
    // staying in this one's state.
    fn call(&self, req: Request) -> impl Future<Output = poem::Result<Response>> + Send {
        let seen = tracing::enabled!(target: "access", tracing::Level::INFO).then(|| Seen {
            start: Instant::now(),
            method: req.method().clone(),
            path: req.uri().path().to_owned(),
            remote: req.remote_addr().as_socket_addr().copied(),
        });
        // A combinator, not an `async` block, which would keep a second copy of the
        // inner future.
        self.inner.call(req).map(move |result| {
            let result = result.map(IntoResponse::into_response);
            if let Some(seen) = seen {
                let status = match &result {
                    Ok(resp) => resp.status(),
                    Err(e) => e.status(),
                };
                tracing::info!(
                    target: "access",
                    method = %seen.method,
                    path = %seen.path,
                    status = status.as_u16(),
                    us = u64::try_from(seen.start.elapsed().as_micros()).unwrap_or(u64::MAX),
                    remote = seen.remote.map(tracing::field::display),
                );
            }
            result
        })
    }
}
