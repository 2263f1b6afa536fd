//! What the account commands do: create a superuser (prompting when no flags are
//! given), an API token, an OAuth2 application.

use std::io::{BufRead, IsTerminal, Write};

use super::{user_id, CliError};
use crate::{
    accounts::{AccountError, NewAccount},
    api_token,
    context::AuthContext,
};

pub(super) async fn create_token(
    ctx: &AuthContext,
    username: &str,
    name: &str,
    expires_in: Option<u64>,
    key: Option<&str>,
) -> Result<(), CliError> {
    let user_id = user_id(ctx, username).await?;
    let lifetime = api_token::lifetime(&ctx.settings().token, expires_in)
        .map_err(|e| format!("--expires-in: {e}"))?;
    let store = ctx.store();
    store.delete_api_tokens_named(user_id, name).await?;
    let issued = match key {
        Some(key) => api_token::import(store, user_id, name, key, lifetime).await?,
        None => api_token::issue(store, user_id, name, lifetime).await?,
    };
    let out = serde_json::json!({
        "token": issued.key,
        "id": issued.id,
        "name": issued.name,
        "user": username,
        "expires_at": issued.expires_at,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

#[cfg(feature = "oauth2-server")]
pub(super) async fn create_oauth_app(
    ctx: &AuthContext,
    registration: crate::oauth2::client::Registration,
) -> Result<(), CliError> {
    use crate::oauth2::client::{self, RegistrationError};
    let privileged = &ctx.settings().oauth2.privileged_scopes;
    if let Some(unknown) = registration
        .privileged_scopes
        .iter()
        .find(|s| !privileged.contains(s))
    {
        return Err(format!(
            "--privileged-scope {unknown}: not one of oauth2.privileged_scopes {privileged:?}"
        )
        .into());
    }
    match client::register(ctx.store(), registration).await {
        Ok(done) => {
            let out = serde_json::json!({
                "client_id": done.application.client_id,
                "client_secret": done.client_secret,
                "name": done.application.name,
                "client_type": done.application.client_type,
                "grant_types": done.application.grant_types,
                "redirect_uris": done.application.redirect_uris,
                "privileged_scopes": done.application.privileged_scopes,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        Err(RegistrationError::Invalid(errors)) => {
            for (field, messages) in errors {
                for m in messages {
                    eprintln!("{field}: {m}");
                }
            }
            Err("the application was not created".into())
        }
        Err(RegistrationError::Store(e)) => Err(e.into()),
    }
}

fn prompt(label: &str) -> Result<String, CliError> {
    print!("{label}: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Err(format!("{label} is required (stdin closed)").into());
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub(super) async fn createsuperuser(
    ctx: &AuthContext,
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
) -> Result<(), CliError> {
    let username = match username {
        Some(u) => u,
        None => prompt("Username")?,
    };
    let email = match email {
        Some(e) => e,
        None => prompt("Email address")?,
    };
    // Given as a flag, the password is the script's choice (Django's `--noinput`);
    // typed, it goes through the validators, which an operator at a terminal may
    // override.
    let (password, check) = match password {
        Some(p) => (p, false),
        None => {
            let p = prompt("Password")?;
            if prompt("Password (again)")? != p {
                return Err("passwords do not match".into());
            }
            let min = ctx.settings().password.min_length;
            let refused = crate::password::validate_password(&p, &username, &email, min).err();
            let check = match refused {
                None => true,
                Some(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    if !std::io::stdin().is_terminal()
                        || !prompt("Bypass password validation and create user anyway? [y/N]")?
                            .eq_ignore_ascii_case("y")
                    {
                        return Err("password refused by the validators".into());
                    }
                    false
                }
            };
            (p, check)
        }
    };
    if password.is_empty() {
        return Err("password may not be blank".into());
    }
    let account = NewAccount {
        username,
        email,
        password,
        superuser: true,
    };
    match ctx.create_account(account, check).await {
        Ok(user) => {
            println!("Superuser created successfully (id {}).", user.id);
            Ok(())
        }
        Err(AccountError::Invalid(errors)) => {
            for (field, messages) in errors {
                for m in messages {
                    eprintln!("{field}: {m}");
                }
            }
            Err("the superuser was not created".into())
        }
        Err(AccountError::Unavailable(e)) => Err(e.into()),
    }
}
