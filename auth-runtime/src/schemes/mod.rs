//! The built-in authentication schemes, by the names `#[authenticated(...)]` uses.

mod basic;
mod jwt;
mod oauth2;
mod session;
mod token;

use std::borrow::Cow;

use poem::{http::HeaderValue, Request};
use poem_openapi::registry::Registry;

pub use self::{
    basic::Basic,
    jwt::Jwt,
    oauth2::{OAuth2, AUTHORIZE_URL, TOKEN_URL},
    session::Session,
    token::Token,
};
use crate::{
    authenticator::{Authenticator, Outcome},
    chain::{Chain, Fold},
    context::AuthContext,
    error::{AuthError, Challenges},
    principal::Principal,
};

/// Names of the built-in schemes, as written in `#[authenticated(...)]` and in
/// `default_schemes` in settings.
pub const BUILTIN_NAMES: &[&str] = &[
    Session::NAME,
    Jwt::NAME,
    OAuth2::NAME,
    Token::NAME,
    Basic::NAME,
];

/// The challenge a 401 carries when the endpoint declared no scheme of its own.
pub const DEFAULT_CHALLENGE: &str = "Bearer realm=\"api\"";

/// `Authorization: <keyword> <words...>` split on whitespace, as DRF's
/// `get_authorization_header(request).split()`: the words after the keyword when the
/// keyword matches (ASCII case-insensitively), else `None`.
pub(crate) fn authorization_words<'a>(
    header: Option<&'a HeaderValue>,
    keyword: &[u8],
) -> Option<impl Iterator<Item = &'a [u8]>> {
    let mut words = header?
        .as_bytes()
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty());
    let first = words.next()?;
    first.eq_ignore_ascii_case(keyword).then_some(words)
}

/// 401 `authentication_failed` with DRF's message.
pub(crate) fn failed(detail: &'static str) -> Outcome {
    Outcome::Invalid(AuthError::authentication_failed(detail))
}

/// The application's default chain (`#[authenticated]` with no list, or
/// `#[permission(...)]` alone), taken from [`Settings::default_schemes`](crate::Settings)
/// at run time.
///
/// The OpenAPI document lists every built-in scheme for such operations, since the
/// document is built before settings are read.
pub struct DefaultChain;

async fn run(name: &str, req: &Request, ctx: &AuthContext) -> Outcome {
    match name {
        "session" => Session::authenticate(req, ctx).await,
        "jwt" => Jwt::authenticate(req, ctx).await,
        "oauth2" => OAuth2::authenticate(req, ctx).await,
        "token" => Token::authenticate(req, ctx).await,
        "basic" => Basic::authenticate(req, ctx).await,
        // Settings::validate refused unknown names at start-up.
        _ => Outcome::NotMine,
    }
}

impl Chain for DefaultChain {
    const DOCUMENTED_BY_GUARD: bool = true;
    const NAMES: &'static [&'static str] = BUILTIN_NAMES;
    const CHALLENGES: &'static [&'static str] = &[
        Session::CHALLENGE,
        Jwt::CHALLENGE,
        OAuth2::CHALLENGE,
        Token::CHALLENGE,
        Basic::CHALLENGE,
    ];

    fn challenges(ctx: &AuthContext) -> Challenges {
        let configured = ctx.settings().default_schemes.iter();
        Cow::Owned(
            configured
                .filter_map(|name| {
                    let i = BUILTIN_NAMES.iter().position(|b| b == name)?;
                    Self::CHALLENGES.get(i).copied()
                })
                .collect(),
        )
    }

    fn register(registry: &mut Registry) {
        Session::register(registry);
        Jwt::register(registry);
        OAuth2::register(registry);
        Token::register(registry);
        Basic::register(registry);
    }

    async fn authenticate(req: &Request, ctx: &AuthContext) -> Result<Principal, AuthError> {
        let mut fold = Fold::default();
        for name in &ctx.settings().default_schemes {
            if let Some(done) = fold.step(run(name, req, ctx).await) {
                return done;
            }
        }
        fold.finish()
    }
}
