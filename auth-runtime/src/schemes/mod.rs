//! The built-in authentication schemes, by the names `#[authenticated(...)]` uses.

mod basic;
mod jwt;
mod oauth2;
mod session;
mod token;

pub use self::{
    basic::Basic,
    jwt::Jwt,
    oauth2::{OAuth2, AUTHORIZE_URL, TOKEN_URL},
    session::Session,
    token::Token,
};
use crate::{authenticator::Outcome, error::AuthError};

pub use crate::error::DEFAULT_CHALLENGE;

/// 401 `authentication_failed` with DRF's message.
pub(crate) fn failed(detail: &'static str) -> Outcome {
    Outcome::Invalid(AuthError::authentication_failed(detail))
}
