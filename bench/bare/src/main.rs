//! The benchmark's reference point: a bare poem-openapi app serving one operation with
//! the profile's JSON, without authentication, middleware or logging. `bench/run.sh`
//! builds it and takes every ratio against it, so the ratios show what the whole stack
//! (middleware, the authentication chain, the permission) costs, not only the chain.
//!
//! `bench-bare --bind 127.0.0.1:0` prints `serving on http://ADDR` on stdout, as
//! demo-api does.

use std::io::Write;

use poem::{
    listener::{Acceptor, Listener, TcpListener},
    Server,
};
use poem_openapi::{payload::Json, Object, OpenApi, OpenApiService};

/// The profile's response shape, as demo-api's `GET /api/accounts/profile/` sends it.
#[derive(Object)]
struct UserOut {
    id: i64,
    username: String,
    email: String,
    is_staff: bool,
}

struct Bare;

#[OpenApi]
impl Bare {
    /// A fixed user's profile, built per request as the real handler builds it.
    #[oai(path = "/api/accounts/profile/", method = "get")]
    async fn profile(&self) -> Json<UserOut> {
        Json(UserOut {
            id: 1,
            username: "bench".to_owned(),
            email: "bench@example.com".to_owned(),
            is_staff: false,
        })
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut bind = "127.0.0.1:0".to_owned();
    while let Some(arg) = args.next() {
        if arg == "--bind" {
            bind = args.next().unwrap_or(bind);
        }
    }
    let acceptor = TcpListener::bind(bind).into_acceptor().await?;
    for addr in acceptor.local_addr() {
        if let Some(addr) = addr.as_socket_addr() {
            println!("serving on http://{addr}");
        }
    }
    std::io::stdout().flush()?;
    let api = OpenApiService::new(Bare, "bench-bare", "1.0");
    Server::new_with_acceptor(acceptor).run(api).await
}
