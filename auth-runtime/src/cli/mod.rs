//! The management commands (Django's `manage.py` for auth), as a clap subcommand set
//! any application embeds in a few lines (the `cli` feature):
//!
//! ```no_run
//! use auth_runtime::cli::AuthCommand;
//! use clap::Parser;
//!
//! #[derive(clap::Parser)]
//! struct Cli {
//!     #[command(subcommand)]
//!     command: Option<Command>,
//! }
//!
//! #[derive(clap::Subcommand)]
//! enum Command {
//!     /// Serve the API.
//!     Serve,
//!     #[command(flatten)]
//!     Auth(AuthCommand),
//! }
//!
//! # async fn app() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! # let ctx: auth_runtime::AuthContext = todo!();
//! match Cli::parse().command {
//!     Some(Command::Auth(cmd)) => cmd.run(&ctx).await?,
//!     Some(Command::Serve) | None => { /* serve */ }
//! }
//! # Ok(()) }
//! ```
//!
//! `migrate`, `createsuperuser` (flags for scripts, prompts otherwise), `create-token`,
//! `create-oauth-app` (with `oauth2-server`), `clear-expired`, `policy` (the table
//! of the operations registered with [`AuthContextBuilder::api`](crate::AuthContextBuilder::api))
//! and `explain` (why a user may or may not call one).

use crate::context::AuthContext;

mod accounts;

#[cfg(feature = "oauth2-server")]
use self::accounts::create_oauth_app;
use self::accounts::{create_token, createsuperuser};

/// A user or a group, for `grant` and `revoke`.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct Grantee {
    /// A user.
    #[arg(long)]
    user: Option<String>,
    /// A group.
    #[arg(long)]
    group: Option<String>,
}

/// Why a command failed; its message is for the terminal.
pub type CliError = Box<dyn std::error::Error + Send + Sync>;

/// The management commands; see the [module](self) for how to embed them.
#[derive(Debug, clap::Subcommand)]
pub enum AuthCommand {
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
        /// Lifetime in seconds, at most `token.lifetime` (default: that, or never
        /// expires when it is unset).
        #[arg(long)]
        expires_in: Option<u64>,
        /// Store this key instead of a random one, e.g. a DRF `authtoken_token.key`
        /// being migrated.
        #[arg(long)]
        key: Option<String>,
    },
    /// Register an OAuth2 application and print `{"client_id", "client_secret"}` (the
    /// secret is shown only now; public clients have none).
    #[cfg(feature = "oauth2-server")]
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
        /// A privileged scope (`oauth2.privileged_scopes`, such as `introspection`) the
        /// application may give its own client-credentials tokens; repeat for several.
        /// Only an administrator grants these.
        #[arg(long = "privileged-scope")]
        privileged_scopes: Vec<String>,
    },
    /// Delete expired sessions, refresh-token records, blacklist entries and tokens.
    ClearExpired,
    /// Print every operation's schemes, permission, scopes and throttles.
    Policy {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Create a group of users (Django's `Group`).
    CreateGroup {
        /// Its name.
        name: String,
    },
    /// Put a user in a group.
    AddToGroup {
        /// The user.
        #[arg(long)]
        user: String,
        /// The group.
        #[arg(long)]
        group: String,
    },
    /// Take a user out of a group.
    RemoveFromGroup {
        /// The user.
        #[arg(long)]
        user: String,
        /// The group.
        #[arg(long)]
        group: String,
    },
    /// Grant a declared permission to a user or a group (`grant --group editors
    /// articles.publish`).
    Grant {
        /// To whom.
        #[command(flatten)]
        to: Grantee,
        /// The permission (`app.action`).
        permission: String,
    },
    /// Revoke a permission from a user or a group.
    Revoke {
        /// From whom.
        #[command(flatten)]
        from: Grantee,
        /// The permission (`app.action`).
        permission: String,
    },
    /// What a user holds, and through what; with no user, every group's permissions.
    Perms {
        /// The user.
        #[arg(long)]
        user: Option<String>,
    },
    /// Why a user may or may not call an operation: its permission expression,
    /// evaluated clause by clause (`explain --user bob GET /api/articles/3/`).
    Explain {
        /// The user (anonymous without it).
        #[arg(long)]
        user: Option<String>,
        /// The method: `GET`, `POST`, ...
        method: String,
        /// The path, as a client would call it.
        path: String,
        /// Print JSON instead of a tree.
        #[arg(long)]
        json: bool,
    },
}

impl AuthCommand {
    /// Runs the command against `ctx`, printing its result on stdout.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use auth_runtime::cli::AuthCommand;
    /// let ctx = auth_runtime::testing::memory_context().await;
    /// AuthCommand::Createsuperuser { username: Some("root".into()), email: Some(String::new()),
    ///     password: Some("correct horse battery".into()) }.run(&ctx).await.unwrap();
    /// assert!(ctx.store().user_by_username("root").await.unwrap().unwrap().user.is_superuser);
    /// # });
    /// ```
    pub async fn run(self, ctx: &AuthContext) -> Result<(), CliError> {
        match self {
            Self::Migrate => {
                ctx.store().migrate().await?;
                println!("migrations applied");
            }
            Self::Createsuperuser {
                username,
                email,
                password,
            } => createsuperuser(ctx, username, email, password).await?,
            Self::CreateToken {
                user,
                name,
                expires_in,
                key,
            } => create_token(ctx, &user, &name, expires_in, key.as_deref()).await?,
            #[cfg(feature = "oauth2-server")]
            Self::CreateOauthApp {
                name,
                client_type,
                grant_types,
                redirect_uris,
                user,
                privileged_scopes,
            } => {
                let registration = crate::oauth2::client::Registration {
                    name,
                    client_type,
                    grant_types,
                    redirect_uris,
                    privileged_scopes,
                    owner_id: match user {
                        Some(u) => Some(user_id(ctx, &u).await?),
                        None => None,
                    },
                };
                create_oauth_app(ctx, registration).await?;
            }
            Self::ClearExpired => {
                for (what, n) in ctx.store().clear_expired().await? {
                    println!("{n:>8}  {what}");
                }
            }
            Self::CreateGroup { name } => {
                let id = ctx.store().create_group(&name).await?;
                println!("Group {name:?} created (id {id}).");
            }
            Self::AddToGroup { user, group } => {
                let id = user_id(ctx, &user).await?;
                if !ctx.store().add_to_group(id, &group).await? {
                    return Err(format!("no group named {group:?}").into());
                }
                println!("{user} is in {group}.");
            }
            Self::RemoveFromGroup { user, group } => {
                let id = user_id(ctx, &user).await?;
                let was = ctx.store().remove_from_group(id, &group).await?;
                println!(
                    "{user} {} in {group}.",
                    if was { "is no longer" } else { "was not" }
                );
            }
            Self::Grant { to, permission } => {
                let grantee = grantee(ctx, &to).await?;
                if !ctx.store().grant(grantee, &permission).await? {
                    return Err(format!(
                        "no such {}, or `{permission}` is not a declared permission ({})",
                        if to.group.is_some() { "group" } else { "user" },
                        declared(ctx).await?
                    )
                    .into());
                }
                println!("Granted {permission}.");
            }
            Self::Revoke { from, permission } => {
                let grantee = grantee(ctx, &from).await?;
                let was = ctx.store().revoke(grantee, &permission).await?;
                println!(
                    "{}",
                    if was {
                        "Revoked."
                    } else {
                        "It was not granted."
                    }
                );
            }
            Self::Perms { user: Some(user) } => {
                let record = ctx
                    .store()
                    .user_by_username(&crate::username::normalize(&user))
                    .await?
                    .ok_or_else(|| format!("no user named {user:?}"))?;
                if record.user.is_superuser {
                    println!("{user} is a superuser: every permission.");
                }
                for (permission, source) in ctx.store().permission_sources(record.user.id).await? {
                    match source {
                        crate::store::Source::Direct => println!("{permission:<32} direct"),
                        crate::store::Source::Group(g) => {
                            println!("{permission:<32} group {g}");
                        }
                    }
                }
            }
            Self::Perms { user: None } => {
                for group in ctx.store().groups().await? {
                    println!("{:<20} {}", group.name, group.permissions.join(", "));
                }
            }
            Self::Explain {
                user,
                method,
                path,
                json,
            } => {
                let why = crate::explain::explain(ctx, user.as_deref(), &method, &path).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&why.verdict)?);
                } else {
                    print!("{why}");
                }
            }
            Self::Policy { json } => {
                let table =
                    crate::policy::PolicyTable::new(ctx.operations().to_vec(), ctx.settings());
                if json {
                    println!("{}", serde_json::to_string_pretty(&table)?);
                } else {
                    print!("{table}");
                }
            }
        }
        Ok(())
    }
}

async fn user_id(ctx: &AuthContext, username: &str) -> Result<i64, CliError> {
    Ok(ctx
        .store()
        .user_by_username(&crate::username::normalize(username))
        .await?
        .ok_or_else(|| format!("no user named {username:?}"))?
        .user
        .id)
}

async fn grantee<'a>(
    ctx: &AuthContext,
    who: &'a Grantee,
) -> Result<crate::store::Grantee<'a>, CliError> {
    Ok(match (&who.user, &who.group) {
        (Some(user), _) => crate::store::Grantee::User(user_id(ctx, user).await?),
        (None, Some(group)) => crate::store::Grantee::Group(group),
        (None, None) => return Err("give --user or --group".into()),
    })
}

async fn declared(ctx: &AuthContext) -> Result<String, CliError> {
    let names: Vec<String> = ctx.store().permissions().await?.into_keys().collect();
    Ok(if names.is_empty() {
        "none are declared".to_owned()
    } else {
        format!("declared: {}", names.join(", "))
    })
}
