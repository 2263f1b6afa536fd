//! Helpers for an application's tests (the `testing` feature; enable it in
//! `[dev-dependencies]` only): a context on an in-memory database, users in one line,
//! a bearer token in one call, and requests authenticated as a user without
//! credentials on the wire (DRF's `force_authenticate`, Spring's `@WithMockUser`).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use auth_runtime::{permission, secured, testing, IsAdmin, Principal};
//! use poem::{test::TestClient, EndpointExt};
//! use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};
//!
//! struct Stats;
//! #[secured]
//! #[OpenApi]
//! impl Stats {
//!     #[permission(IsAdmin)]
//!     #[oai(path = "/stats/", method = "get")]
//!     async fn stats(&self, who: Principal) -> PlainText<String> {
//!         PlainText(who.user().map(|u| u.username.clone()).unwrap_or_default())
//!     }
//! }
//!
//! let ctx = testing::memory_context().await;
//! let ann = testing::user("ann").create(&ctx).await;
//! let root = testing::user("root").superuser().create(&ctx).await;
//! let client = TestClient::new(OpenApiService::new(Stats, "t", "1").with(ctx.layer()));
//!
//! testing::force_authenticate(client.get("/stats"), &ann).send().await.assert_status(poem::http::StatusCode::FORBIDDEN);
//! testing::force_authenticate(client.get("/stats"), &root).send().await.assert_text("root").await;
//! client.get("/stats").send().await.assert_status(poem::http::StatusCode::UNAUTHORIZED);
//! # });
//! ```

use poem::test::TestRequestBuilder;

use crate::{
    accounts::NewAccount,
    context::AuthContext,
    principal::{Identity, Principal, User},
    settings::Settings,
    store::Store,
};

/// The password of users made by [`user`] unless one is given.
pub const DEFAULT_PASSWORD: &str = "correct horse battery staple";

/// What [`force_authenticate`] attaches to a test request: the principal the
/// operation's guard takes instead of running the chain. It lives in the request's
/// extensions, which only code in the same process can set, and the guard reads it
/// only in builds with the `testing` feature.
#[derive(Debug, Clone)]
pub struct Forced(pub(crate) Principal);

/// A context on a fresh in-memory SQLite database with the framework's default
/// settings, migrated. Each call is a new, empty database.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let ctx = auth_runtime::testing::memory_context().await;
/// assert!(ctx.store().list_users().await.unwrap().is_empty());
/// # });
/// ```
pub async fn memory_context() -> AuthContext {
    memory_context_with(Settings::default()).await
}

/// [`memory_context`] with settings of your own (your application's defaults).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let mut settings = auth_runtime::Settings::default();
/// settings.jwt.access_token_lifetime = 60;
/// let ctx = auth_runtime::testing::memory_context_with(settings).await;
/// assert_eq!(ctx.settings().jwt.access_token_lifetime, 60);
/// # });
/// ```
#[allow(clippy::expect_used)] // a test helper: its failure is the test's
pub async fn memory_context_with(settings: Settings) -> AuthContext {
    let store = Store::connect("sqlite::memory:")
        .await
        .expect("in-memory SQLite opens");
    store.migrate().await.expect("migrations apply");
    AuthContext::new(settings, store)
        .await
        .expect("the settings are valid")
}

/// A user to create: `testing::user("ann").staff().create(&ctx).await`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::testing;
/// let ctx = testing::memory_context().await;
/// let ann = testing::user("ann").email("ann@example.com").create(&ctx).await;
/// assert_eq!(ann.email, "ann@example.com");
/// assert!(ctx.check_credentials(&poem::Request::default(), "ann", testing::DEFAULT_PASSWORD)
///     .await.unwrap().is_some());
/// # });
/// ```
pub fn user(username: &str) -> UserBuilder {
    UserBuilder {
        account: NewAccount::new(username, DEFAULT_PASSWORD),
        staff: false,
        active: true,
    }
}

/// Builds a test user; see [`user`].
#[derive(Debug, Clone)]
#[must_use]
pub struct UserBuilder {
    account: NewAccount,
    staff: bool,
    active: bool,
}

impl UserBuilder {
    /// Its password (default [`DEFAULT_PASSWORD`]); the validators apply.
    pub fn password(mut self, password: &str) -> Self {
        self.account.password = password.to_owned();
        self
    }

    /// Its email address.
    pub fn email(mut self, email: &str) -> Self {
        self.account.email = email.to_owned();
        self
    }

    /// An administrator (`is_staff`), as `IsAdmin` wants.
    pub fn staff(mut self) -> Self {
        self.staff = true;
        self
    }

    /// A superuser (`is_staff` and `is_superuser`).
    pub fn superuser(mut self) -> Self {
        self.account.superuser = true;
        self
    }

    /// A deactivated account (it cannot log in).
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }

    /// Creates it (panics, failing the test, if it cannot be created).
    #[allow(clippy::expect_used)] // a test helper: its failure is the test's
    pub async fn create(self, ctx: &AuthContext) -> User {
        let mut user = ctx
            .create_user(self.account)
            .await
            .expect("the test user is valid and new");
        if self.staff && !user.is_staff {
            ctx.store()
                .set_flags(user.id, true, user.is_superuser)
                .await
                .expect("the store answers");
            user.is_staff = true;
        }
        if !self.active {
            ctx.store()
                .set_active(user.id, false)
                .await
                .expect("the store answers");
            user.is_active = false;
        }
        user
    }
}

/// A JWT access token for `user`, for an `Authorization: Bearer` header.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::testing;
/// let ctx = testing::memory_context().await;
/// let ann = testing::user("ann").create(&ctx).await;
/// let token = testing::bearer(&ctx, &ann).await;
/// assert_eq!(token.split('.').count(), 3);
/// # });
/// ```
#[allow(clippy::expect_used)] // a test helper: its failure is the test's
pub async fn bearer(ctx: &AuthContext, user: &User) -> String {
    ctx.jwt()
        .obtain_pair(ctx.store(), user)
        .await
        .expect("a token can be issued")
        .access
}

/// The request, authenticated as `user` by the JWT scheme without credentials on the
/// wire: the operation's chain does not run, its permissions and throttles do.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use auth_runtime::testing;
/// # let ctx = testing::memory_context().await;
/// # let ann = testing::user("ann").create(&ctx).await;
/// let client = poem::test::TestClient::new(poem::Route::new());
/// let req = testing::force_authenticate(client.get("/"), &ann);
/// # let _ = req;
/// # });
/// ```
pub fn force_authenticate<'a, E>(
    req: TestRequestBuilder<'a, E>,
    user: &User,
) -> TestRequestBuilder<'a, E> {
    force_identity(req, Identity::new(user.clone(), "jwt"))
}

/// The request, authenticated as this identity (any scheme name, any OAuth2 scopes):
/// `force_identity(req, testing::identity(&ann, "oauth2").with_scopes(["read"]))`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use auth_runtime::testing;
/// # let ctx = testing::memory_context().await;
/// # let ann = testing::user("ann").create(&ctx).await;
/// let client = poem::test::TestClient::new(poem::Route::new());
/// let req = testing::force_identity(client.get("/"), testing::identity(&ann, "oauth2", &["read"]));
/// # let _ = req;
/// # });
/// ```
pub fn force_identity<'a, E>(
    req: TestRequestBuilder<'a, E>,
    identity: Identity,
) -> TestRequestBuilder<'a, E> {
    req.data(Forced(Principal::from(identity)))
}

/// An identity of `user` as scheme `scheme` would authenticate it, with OAuth2
/// `scopes` (none for schemes without scopes: pass `&[]`).
///
/// ```
/// # let user = auth_runtime::User { id: 1, username: "ann".into(), email: String::new(),
/// #     is_staff: false, is_superuser: false, is_active: true };
/// let id = auth_runtime::testing::identity(&user, "oauth2", &["read"]);
/// assert!(id.has_scope("read") && !id.has_scope("write"));
/// ```
pub fn identity(user: &User, scheme: &'static str, scopes: &[&str]) -> Identity {
    let mut id = Identity::new(user.clone(), scheme);
    if !scopes.is_empty() {
        id.scopes = Some(scopes.iter().map(|s| (*s).to_owned()).collect());
    }
    id
}

/// A request as `ctx`'s layer passes it on (the context in its extensions), for
/// calling a permission directly in a test.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{testing, IsAuthenticated, Permission, PermissionContext, Principal};
/// let ctx = testing::memory_context().await;
/// let req = testing::request(&ctx);
/// let refused = IsAuthenticated.has_permission(&PermissionContext::new(&req, &Principal::Anonymous)).await;
/// assert!(refused.is_err());
/// # });
/// ```
pub fn request(ctx: &AuthContext) -> poem::Request {
    let mut req = poem::Request::default();
    req.extensions_mut().insert(crate::extract::RequestAuth {
        ctx: ctx.clone(),
        slot: Default::default(),
    });
    req
}
