//! DRF-style API tokens.

use serde::{Deserialize, Serialize};

/// DRF-style API tokens (`Authorization: Token <key>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSettings {
    /// The `Authorization` keyword (DRF's `TokenAuthentication.keyword`).
    pub keyword: String,
    /// The longest a token may live, in seconds, and the lifetime of tokens issued
    /// without one (the token endpoint's); none means tokens may never expire (DRF's
    /// behaviour). See [`api_token::lifetime`](crate::api_token::lifetime).
    pub lifetime: Option<u64>,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            keyword: "Token".into(),
            lifetime: None,
        }
    }
}
