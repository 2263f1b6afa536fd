//! `demo-api`: serve the tutorials' API, migrate, create a superuser.

use std::{
    io::{BufRead, IsTerminal, Write},
    path::PathBuf,
};

use auth_runtime::{password::validate_password, settings::Settings, store::NewUser, AuthContext};
use clap::{Parser, Subcommand};

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
    /// Apply database migrations and exit.
    Migrate,
    /// Create a staff superuser (prompts for what is not given).
    Createsuperuser {
        /// Login name.
        #[arg(long)]
        username: Option<String>,
        /// Email address.
        #[arg(long)]
        email: Option<String>,
        /// Password. Given on the command line it is not checked by the validators
        /// (Django's `--noinput` behaviour); typed at the prompt it is.
        #[arg(long)]
        password: Option<String>,
    },
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    if let Err(e) = run(Cli::parse()).await {
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
            tracing::info!("serving on http://{bind} (Swagger UI at http://{bind}/docs)");
            poem::Server::new(poem::listener::TcpListener::bind(bind))
                .run_with_graceful_shutdown(
                    demo_api::app(ctx),
                    async {
                        let _ = tokio::signal::ctrl_c().await;
                    },
                    Some(std::time::Duration::from_secs(5)),
                )
                .await?;
        }
        Command::Migrate => println!("migrations applied to {}", redact(&cli.database_url)),
        Command::Createsuperuser {
            username,
            email,
            password,
        } => {
            createsuperuser(&ctx, username, email, password).await?;
        }
    }
    Ok(())
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

fn prompt(label: &str) -> Result<String, BoxError> {
    print!("{label}: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Err(format!("{label} is required (stdin closed)").into());
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn createsuperuser(
    ctx: &AuthContext,
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
) -> Result<(), BoxError> {
    let username = match username {
        Some(u) => u,
        None => prompt("Username")?,
    };
    if username.trim().is_empty() {
        return Err("username may not be blank".into());
    }
    let email = match email {
        Some(e) => e,
        None => prompt("Email address")?,
    };
    let password = match password {
        Some(p) => p,
        None => {
            let p = prompt("Password")?;
            if prompt("Password (again)")? != p {
                return Err("passwords do not match".into());
            }
            let min = ctx.settings().password.min_length;
            if let Err(errors) = validate_password(&p, &username, &email, min) {
                for e in &errors {
                    eprintln!("{e}");
                }
                let interactive = std::io::stdin().is_terminal();
                if !interactive
                    || !prompt("Bypass password validation and create user anyway? [y/N]")?
                        .eq_ignore_ascii_case("y")
                {
                    return Err("password refused by the validators".into());
                }
            }
            p
        }
    };
    if password.is_empty() {
        return Err("password may not be blank".into());
    }
    let hash = ctx.hasher().hash(&password).await?;
    let user = ctx
        .store()
        .create_user(NewUser {
            username: &username,
            email: &email,
            password_hash: &hash,
            is_staff: true,
            is_superuser: true,
        })
        .await?;
    println!("Superuser created successfully (id {}).", user.id);
    Ok(())
}
