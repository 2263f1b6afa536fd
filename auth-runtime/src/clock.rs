//! The time every expiry and window is counted in: Unix seconds and milliseconds.

use std::time::{SystemTime, UNIX_EPOCH};

/// Current Unix time in seconds.
///
/// ```
/// assert!(auth_runtime::clock::now() > 1_700_000_000);
/// ```
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Current Unix time in milliseconds.
///
/// ```
/// assert!(auth_runtime::clock::now_millis() / 1000 >= auth_runtime::clock::now() - 1);
/// ```
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
