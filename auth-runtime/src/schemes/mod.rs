//! The built-in authentication schemes, by the names `#[authenticated(...)]` uses.

mod jwt;
mod session;

use poem::Request;
use poem_openapi::registry::Registry;

pub use self::{jwt::Jwt, session::Session};
use crate::{
    authenticator::{Authenticator, Outcome},
    chain::Chain,
    context::AuthContext,
    error::AuthError,
    principal::Principal,
};

/// Names of the built-in schemes, as written in `#[authenticated(...)]` and settings.
pub const BUILTIN_NAMES: &[&str] = &["session", "jwt"];

/// The challenge a 401 carries when the endpoint declared no scheme of its own.
pub const DEFAULT_CHALLENGE: &str = "Bearer realm=\"api\"";

/// The application's default chain (`#[authenticated]` with no list, or
/// `#[permission(...)]` alone), taken from [`Settings::default_schemes`](crate::Settings).
///
/// The OpenAPI document lists every built-in scheme for such operations, since the
/// document is built before settings are read.
pub struct DefaultChain;

impl Chain for DefaultChain {
    const NAMES: &'static [&'static str] = &[Session::NAME, Jwt::NAME];
    const CHALLENGES: &'static [&'static str] = &[Session::CHALLENGE, Jwt::CHALLENGE];

    fn register(registry: &mut Registry) {
        Session::register(registry);
        Jwt::register(registry);
    }

    async fn authenticate(req: &Request, ctx: &AuthContext) -> Result<Principal, AuthError> {
        let mut declined = None;
        for name in &ctx.settings().default_schemes {
            let outcome = match name.as_str() {
                "session" => Session::authenticate(req, ctx).await,
                "jwt" => Jwt::authenticate(req, ctx).await,
                // Settings::validate refused unknown names at start-up.
                _ => Outcome::NotMine,
            };
            match outcome {
                Outcome::NotMine => {}
                Outcome::Authenticated(id) => return Ok(id.into()),
                Outcome::Invalid(e) => return Err(e),
                Outcome::Declined(e) => {
                    declined.get_or_insert(e);
                }
            }
        }
        declined.map_or(Ok(Principal::Anonymous), Err)
    }
}
