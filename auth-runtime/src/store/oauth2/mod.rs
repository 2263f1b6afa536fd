//! OAuth2 storage: applications apart from what they obtain, codes and tokens.

mod applications;
mod codes;
mod tokens;

pub use self::{
    applications::{Application, NewApplication},
    codes::CodeGrant,
    tokens::{AccessGrant, AuthorizedToken, Claim, NewTokens, RefreshGrant, RefreshInfo},
};
