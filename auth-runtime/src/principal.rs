//! Who is making the request: an authenticated [`Identity`] or nobody.

use std::sync::Arc;

use serde::Serialize;

/// A user account as the framework sees it (never carries the password hash).
///
/// ```
/// use auth_runtime::User;
/// let u = User { id: 1, username: "ann".into(), email: "ann@example.com".into(),
///                is_staff: false, is_superuser: false, is_active: true };
/// assert!(!u.is_staff);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Primary key.
    pub id: i64,
    /// Unique login name.
    pub username: String,
    /// Email address as registered.
    pub email: String,
    /// May use the admin-only endpoints (DRF's `is_staff`).
    pub is_staff: bool,
    /// Has every permission.
    pub is_superuser: bool,
    /// Inactive users cannot authenticate.
    pub is_active: bool,
}

/// An authenticated caller: the user, the scheme that proved it, and what the
/// credential carries.
///
/// ```
/// use auth_runtime::{Identity, User};
/// let user = User { id: 7, username: "bo".into(), email: String::new(),
///                   is_staff: true, is_superuser: false, is_active: true };
/// let id = Identity::new(user, "jwt");
/// assert_eq!(id.scheme, "jwt");
/// assert!(id.scopes.is_none());
/// ```
#[derive(Debug, Clone)]
pub struct Identity {
    /// The account.
    pub user: User,
    /// Name of the scheme that authenticated the request (`"jwt"`, `"session"`, ...).
    pub scheme: &'static str,
    /// Scopes granted by the credential, for schemes that have them (OAuth2, scoped JWTs).
    pub scopes: Option<Vec<String>>,
    /// The verified claims, for token schemes that have them (JWT). Shared: every
    /// request a token authenticates sees the same claims, parsed once.
    pub claims: Option<Arc<serde_json::Map<String, serde_json::Value>>>,
    /// The OAuth2 client acting for the user, for OAuth2 tokens.
    pub client_id: Option<String>,
}

impl Identity {
    /// An identity with no scopes and no claims.
    pub fn new(user: User, scheme: &'static str) -> Self {
        Self {
            user,
            scheme,
            scopes: None,
            claims: None,
            client_id: None,
        }
    }

    /// Whether the credential grants `scope` (always false for scheme without scopes).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes
            .as_ref()
            .is_some_and(|s| s.iter().any(|g| g == scope))
    }
}

/// An OAuth2 client acting on its own behalf (a `client_credentials` token): no user.
///
/// ```
/// use auth_runtime::{ClientIdentity, Principal};
/// let p: Principal = ClientIdentity { client_id: "reports".into(), scheme: "oauth2",
///                                     scopes: vec!["read".into()] }.into();
/// assert!(!p.is_authenticated()); // DRF: IsAuthenticated needs a user
/// assert!(p.has_scope("read"));
/// ```
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    /// The client.
    pub client_id: String,
    /// The scheme that authenticated it.
    pub scheme: &'static str,
    /// The scopes its token grants.
    pub scopes: Vec<String>,
}

/// The caller of a request: anonymous, an authenticated [`Identity`] (a user), or an
/// OAuth2 client acting for itself.
///
/// A handler of a `#[secured]` API takes it as a parameter after the chain has run:
///
/// ```
/// use auth_runtime::Principal;
/// fn greet(p: &Principal) -> String {
///     match p.identity() {
///         Some(id) => format!("hello {}", id.user.username),
///         None => "hello stranger".to_owned(),
///     }
/// }
/// assert_eq!(greet(&Principal::Anonymous), "hello stranger");
/// ```
#[derive(Debug, Clone, Default)]
pub enum Principal {
    /// No scheme recognised credentials.
    #[default]
    Anonymous,
    /// A scheme authenticated the request.
    Authenticated(Arc<Identity>),
    /// A client authenticated itself, with no user (OAuth2 client credentials).
    Client(Arc<ClientIdentity>),
}

impl Principal {
    /// The identity, if authenticated.
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            Principal::Authenticated(id) => Some(id),
            Principal::Anonymous | Principal::Client(_) => None,
        }
    }

    /// The client, for a client-credentials token.
    pub fn client(&self) -> Option<&ClientIdentity> {
        match self {
            Principal::Client(c) => Some(c),
            Principal::Anonymous | Principal::Authenticated(_) => None,
        }
    }

    /// The scheme that authenticated the request, if one did.
    pub fn scheme(&self) -> Option<&'static str> {
        match self {
            Principal::Anonymous => None,
            Principal::Authenticated(id) => Some(id.scheme),
            Principal::Client(c) => Some(c.scheme),
        }
    }

    /// The scopes the credential grants, for schemes that have them (OAuth2, JWTs with
    /// a `scope` claim).
    pub fn scopes(&self) -> Option<&[String]> {
        match self {
            Principal::Anonymous => None,
            Principal::Authenticated(id) => id.scopes.as_deref(),
            Principal::Client(c) => Some(&c.scopes),
        }
    }

    /// Whether the credential grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes().is_some_and(|s| s.iter().any(|g| g == scope))
    }

    /// Whether some scheme recognised credentials (a user or a client).
    pub fn is_credentialed(&self) -> bool {
        !matches!(self, Principal::Anonymous)
    }

    /// The user, if authenticated.
    pub fn user(&self) -> Option<&User> {
        self.identity().map(|i| &i.user)
    }

    /// DRF's `request.user.is_authenticated`.
    pub fn is_authenticated(&self) -> bool {
        matches!(self, Principal::Authenticated(_))
    }
}

impl From<Identity> for Principal {
    fn from(id: Identity) -> Self {
        Principal::Authenticated(Arc::new(id))
    }
}

impl From<ClientIdentity> for Principal {
    fn from(c: ClientIdentity) -> Self {
        Principal::Client(Arc::new(c))
    }
}
