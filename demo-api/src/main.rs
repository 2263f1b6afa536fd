//! `demo-api`: serve the tutorials' API, migrate, create a superuser.

use std::{
    io::{BufRead, IsTerminal, Write},
    path::PathBuf,
};

use auth_runtime::{
    api_token, oauth2::client, password::validate_password, settings::Settings, store::NewUser,
    AuthContext,
};
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
    /// Create (or, with an existing name, regenerate) a user's API token and print it
    /// as JSON; the key is shown only now.
    CreateToken {
        /// Whose token.
        #[arg(long)]
        user: String,
        /// The token's name; an existing token of this name is revoked first.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Lifetime in seconds (default: never expires).
        #[arg(long)]
        expires_in: Option<u64>,
        /// Store this key instead of a random one, e.g. a DRF `authtoken_token.key`
        /// being migrated.
        #[arg(long)]
        key: Option<String>,
    },
    /// Register an OAuth2 application and print `{"client_id", "client_secret"}` (the
    /// secret is shown only now; public clients have none).
    CreateOauthApp {
        /// Display name, shown on the consent page.
        #[arg(long)]
        name: String,
        /// `confidential` or `public`.
        #[arg(long, default_value = "confidential")]
        client_type: String,
        /// Allowed grant type; repeat for several: `authorization_code`, `password`,
        /// `client_credentials`, `refresh_token`.
        #[arg(long = "grant-type", required = true)]
        grant_types: Vec<String>,
        /// Exact redirect URI; repeat for several.
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// The owning user (optional).
        #[arg(long)]
        user: Option<String>,
    },
    /// Create a service key (the demo's custom `X-Service-Key` scheme) and print it.
    CreateServiceKey {
        /// Whose key.
        #[arg(long)]
        user: String,
        /// What it is for.
        #[arg(long, default_value = "service")]
        label: String,
    },
    /// Delete expired sessions, refresh-token records, blacklist entries and tokens.
    ClearExpired,
    /// Print every operation's schemes, permission, scopes and throttles.
    Policy {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
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
        // Logs to stderr: stdout carries what commands print (JSON, tables, the address).
        .with_writer(std::io::stderr)
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
            let acceptor = TcpListener::bind(bind).into_acceptor().await?;
            // The bound address, with the real port when `--bind` asked for port 0; on
            // stdout so that scripts can read it.
            for addr in acceptor.local_addr() {
                if let Some(addr) = addr.as_socket_addr() {
                    println!("serving on http://{addr} (Swagger UI at http://{addr}/docs)");
                }
            }
            std::io::stdout().flush()?;
            poem::Server::new_with_acceptor(acceptor)
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
        Command::CreateToken {
            user,
            name,
            expires_in,
            key,
        } => create_token(&ctx, &user, &name, expires_in, key.as_deref()).await?,
        Command::CreateOauthApp {
            name,
            client_type,
            grant_types,
            redirect_uris,
            user,
        } => {
            let owner_id = match user {
                Some(u) => Some(
                    ctx.store()
                        .user_by_username(&u)
                        .await?
                        .ok_or_else(|| format!("no user named {u:?}"))?
                        .user
                        .id,
                ),
                None => None,
            };
            let registration = client::Registration {
                name,
                client_type,
                grant_types,
                redirect_uris,
                owner_id,
            };
            match client::register(ctx.store(), registration).await {
                Ok(done) => {
                    let out = serde_json::json!({
                        "client_id": done.application.client_id,
                        "client_secret": done.client_secret,
                        "name": done.application.name,
                        "client_type": done.application.client_type,
                        "grant_types": done.application.grant_types,
                        "redirect_uris": done.application.redirect_uris,
                    });
                    println!("{}", serde_json::to_string_pretty(&out)?);
                }
                Err(client::RegistrationError::Invalid(errors)) => {
                    for (field, messages) in errors {
                        for m in messages {
                            eprintln!("{field}: {m}");
                        }
                    }
                    return Err("the application was not created".into());
                }
                Err(client::RegistrationError::Store(e)) => return Err(e.into()),
            }
        }
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
        Command::ClearExpired => {
            for (what, n) in ctx.store().clear_expired().await? {
                println!("{n:>8}  {what}");
            }
        }
        Command::Policy { json } => {
            let table = demo_api::policy_table(ctx.settings());
            if json {
                println!("{}", serde_json::to_string_pretty(&table)?);
            } else {
                print!("{table}");
            }
        }
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

async fn create_token(
    ctx: &AuthContext,
    username: &str,
    name: &str,
    expires_in: Option<u64>,
    key: Option<&str>,
) -> Result<(), BoxError> {
    let user = ctx
        .store()
        .user_by_username(username)
        .await?
        .ok_or_else(|| format!("no user named {username:?}"))?
        .user;
    let store = ctx.store();
    store.delete_api_tokens_named(user.id, name).await?;
    let issued = match key {
        Some(key) => api_token::import(store, user.id, name, key, expires_in).await?,
        None => api_token::issue(store, user.id, name, expires_in).await?,
    };
    let out = serde_json::json!({
        "token": issued.key,
        "id": issued.id,
        "name": issued.name,
        "user": user.username,
        "expires_at": issued.expires_at,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
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
