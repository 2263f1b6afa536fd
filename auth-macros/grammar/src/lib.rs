//! What the `#[secured]` DSL (auth-macros) and the runtime (auth-runtime) must agree
//! on, written once: the built-in schemes' names, the rate grammar (`"100/minute"`),
//! the OAuth2 scope-token rule, the throttle-scope rule and the form of a named
//! permission. Both crates depend on this
//! one; neither repeats what it says.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod permission;
pub mod rate;
pub mod schemes;
pub mod scope;
