//! The built-in authentication schemes, as `#[authenticated(...)]` and the settings'
//! `default_schemes` name them.

/// One built-in scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    /// The name users write: `jwt`. Also its name in the OpenAPI document.
    pub name: &'static str,
    /// The type under `auth_runtime::schemes` that implements it: `Jwt`.
    pub type_name: &'static str,
    /// The `key = "value"` arguments it accepts: `scope` for `oauth2`.
    pub args: &'static [&'static str],
}

/// `session`: the signed session cookie.
pub const SESSION: &str = "session";
/// `jwt`: a JWT bearer token.
pub const JWT: &str = "jwt";
/// `oauth2`: an opaque OAuth2 bearer token from this server.
pub const OAUTH2: &str = "oauth2";
/// `token`: `Authorization: Token <key>`.
pub const TOKEN: &str = "token";
/// `basic`: HTTP Basic.
pub const BASIC: &str = "basic";

/// Every built-in scheme. Adding one here is all the macro needs.
///
/// ```
/// assert!(auth_grammar::schemes::BUILTIN.iter().any(|s| s.name == "jwt"));
/// assert_eq!(auth_grammar::schemes::builtin("oauth2").unwrap().args, ["scope"]);
/// ```
pub const BUILTIN: &[Builtin] = &[
    Builtin {
        name: JWT,
        type_name: "Jwt",
        args: &[],
    },
    Builtin {
        name: SESSION,
        type_name: "Session",
        args: &[],
    },
    Builtin {
        name: OAUTH2,
        type_name: "OAuth2",
        args: &["scope"],
    },
    Builtin {
        name: TOKEN,
        type_name: "Token",
        args: &[],
    },
    Builtin {
        name: BASIC,
        type_name: "Basic",
        args: &[],
    },
];

/// The scheme that may carry OAuth2 scopes (OpenAPI allows scopes on no other).
pub const SCOPED: &str = OAUTH2;

/// The built-in scheme of this name.
pub fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTIN.iter().find(|b| b.name == name)
}
