//! HTTP Basic.

use serde::{Deserialize, Serialize};

/// HTTP Basic.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicSettings {
    /// Advertise `Basic realm="api"` in the 401s of operations that accept other
    /// schemes too. Off by default: a browser that sees a Basic challenge asks for a
    /// password and then sends it with every request to the site, on its own. An
    /// operation whose only scheme is Basic always advertises it.
    pub challenge: bool,
}
