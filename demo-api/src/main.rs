//! `demo-api`: serve the tutorials' API, migrate, create a superuser.

use std::{io::Write, path::PathBuf};

use auth_runtime::{cli::AuthCommand, settings::Settings};
use clap::{Parser, Subcommand};
use poem::listener::{Acceptor, Listener, TcpListener};

/// The DRF tutorials' API on poem + auth-runtime.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Database URL: `sqlite://FILE` (created if missing) or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = demo_api::DEFAULT_DATABASE_URL, global = true)]
    database_url: String,
    /// A TOML settings file (see docs/configuration.md); `AUTH_*` variables override it.
    #[arg(long, env = "AUTH_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8000")]
        bind: String,
    },
    /// auth-runtime's management commands.
    #[command(flatten)]
    Auth(AuthCommand),
    /// Create a service key (the demo's custom `X-Service-Key` scheme) and print it.
    CreateServiceKey {
        /// Whose key.
        #[arg(long)]
        user: String,
        /// What it is for.
        #[arg(long, default_value = "service")]
        label: String,
    },
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    let logs = demo_api::logging::init();
    if let Err(e) = run(Cli::parse()).await {
        drop(logs);
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), BoxError> {
    let settings = Settings::load_over(demo_api::demo_defaults(), cli.config.as_deref())?;
    let ctx = demo_api::connect(settings, &cli.database_url).await?;
    match cli.command.unwrap_or(Command::Serve {
        bind: "127.0.0.1:8000".into(),
    }) {
        Command::Serve { bind } => {
            let acceptor = TcpListener::bind(bind).into_acceptor().await?;
            // The bound address, with the real port when `--bind` asked for port 0; on
            // stdout so that scripts can read it.
            for addr in acceptor.local_addr() {
                if let Some(addr) = addr.as_socket_addr() {
                    println!("serving on http://{addr} (Swagger UI at http://{addr}/docs)");
                }
            }
            std::io::stdout().flush()?;
            // Header-read, idle and body timeouts and connection caps: slow or idle
            // clients cannot hold the server (see auth_runtime::server).
            let limits = auth_runtime::server::ServerLimits::default();
            tracing::info!(
                max_connections = limits.max_connections,
                per_address = limits.max_connections_per_address,
                header_read_timeout_s = limits.header_read_timeout.as_secs(),
                idle_timeout_s = limits.idle_timeout.as_secs(),
                "serving"
            );
            auth_runtime::server::serve(acceptor, demo_api::app(ctx), limits, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Command::Auth(command) => command.run(&ctx).await?,
        Command::CreateServiceKey { user, label } => {
            let owner = ctx
                .store()
                .user_by_username(&user)
                .await?
                .ok_or_else(|| format!("no user named {user:?}"))?
                .user;
            let key = demo_api::service_key::issue(ctx.store(), owner.id, &label).await?;
            println!(
                "{}",
                serde_json::json!({ "key": key, "label": label, "user": user })
            );
        }
    }
    Ok(())
}
