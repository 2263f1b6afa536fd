use auth_runtime::{cli::AuthCommand, AuthContext, Settings};
use clap::Parser;

/// The notes API.
#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Serve the API on 127.0.0.1:3000 (the default).
    Serve,
    /// migrate, createsuperuser, create-token, clear-expired, policy...
    #[command(flatten)]
    Auth(AuthCommand),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Default settings, changed by `AUTH_*` variables (`AUTH_JWT__ACCESS_TOKEN_LIFETIME=600`).
    let settings = Settings::load(None)?;
    let ctx = AuthContext::connect::<first_app::Apis>("sqlite://notes.sqlite3", settings).await?;
    match Cli::parse().command {
        Some(Command::Auth(command)) => command.run(&ctx).await?,
        Some(Command::Serve) | None => {
            auth_runtime::server::listen("127.0.0.1:3000", first_app::app(&ctx)).await?
        }
    }
    Ok(())
}
