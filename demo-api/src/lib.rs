//! The API of the DRF tutorials (accounts, session login, simplejwt endpoints, a
//! JWT-protected hello) on poem + auth-runtime. `main.rs` is its command line.

#![warn(missing_docs)]

mod accounts;
pub mod articles;
pub mod chains;
mod hello;
pub mod logging;
pub mod service_key;

use auth_runtime::{
    oauth2::OAuth2Api,
    settings::{Settings, TokenType},
    views::{self, Mount},
    AuthContext, Store,
};
use poem::{Endpoint, EndpointExt};
use poem_openapi::OpenApiService;

pub use accounts::AccountsApi;
pub use hello::{BaselineApi, HelloApi, WhoAmIApi};
pub use service_key::ServiceApi;

auth_runtime::prefix!(
    /// The tutorials' API root.
    pub ApiRoot = "/api"
);
auth_runtime::prefix!(
    /// The tutorials' accounts views.
    pub AccountsRoot = "/api/accounts"
);
auth_runtime::prefix!(
    /// Named permissions and groups, for administrators.
    pub AdminRoot = "/api/admin"
);

/// The demo's own groups of operations in the document (the framework's views bring
/// theirs).
#[derive(Debug, Clone, Copy, poem_openapi::Tags)]
pub enum DemoTag {
    /// The articles resource: permissions in full.
    #[oai(rename = "articles")]
    Articles,
    /// The tutorials' small examples.
    #[oai(rename = "examples")]
    Examples,
}

/// auth-runtime's views at the tutorials' paths: `/api/token/...`, `/api/token-auth/`,
/// `/api/tokens/`, `/api/accounts/{register,login,logout,password}/`, and the JWKS.
pub type AuthViews = (
    Mount<
        AccountsRoot,
        (
            views::RegisterView,
            views::SessionViews,
            views::PasswordChangeView,
        ),
    >,
    Mount<AdminRoot, views::PermissionAdminViews>,
    Mount<
        ApiRoot,
        (
            views::JwtViews,
            views::SlidingJwtViews,
            views::TokenAuthView,
            views::ApiTokenViews,
        ),
    >,
    views::JwksView,
);

/// Where the demo keeps its data unless `DATABASE_URL` says otherwise: a file in the
/// working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://demo-api.sqlite3";

/// Largest request body accepted (bigger ones get 413).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The tutorial's `SIMPLE_JWT` block: 30-minute access, 1-day refresh, rotation with
/// blacklisting. A settings file and `AUTH_*` variables still override it.
pub fn demo_defaults() -> Settings {
    let mut s = Settings::default();
    s.jwt.access_token_lifetime = 30 * 60;
    s.jwt.refresh_token_lifetime = 24 * 60 * 60;
    s.jwt.rotate_refresh_tokens = true;
    s.jwt.blacklist_after_rotation = true;
    s.jwt.auth_token_types = vec![TokenType::Access, TokenType::Sliding];
    s
}

/// Set (to anything) in the server's environment, it mounts
/// `GET /api/bench/baseline/` (see [`BaselineApi`]) for the benchmark; it is never in
/// the OpenAPI document.
pub const BENCH_BASELINE_VAR: &str = "DEMO_API_BENCH_BASELINE";

/// Every API of the demo.
pub type Apis = (
    AuthViews,
    AccountsApi,
    articles::ArticlesApi,
    OAuth2Api,
    HelloApi,
    WhoAmIApi,
    ServiceApi,
);

/// The demo's OpenAPI service (every operation, with its security requirements).
pub fn api_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(Apis::default(), "demo-api", env!("CARGO_PKG_VERSION"))
        .description("The DRF authentication tutorials' API, secured with auth-runtime.")
}

/// The demo's document as served at `/openapi.json` with these settings, with the
/// tutorials' trailing slashes.
pub fn api_docs(settings: &Settings) -> auth_runtime::docs::ApiDocs {
    auth_runtime::docs::ApiDocs::new(&api_service(), settings)
}

/// Every demo operation's policy, with the defaults of `settings` spelled out (what
/// `demo-api policy` prints).
pub fn policy_table(settings: &Settings) -> auth_runtime::policy::PolicyTable {
    use auth_runtime::operation::SecuredApi;
    auth_runtime::policy::PolicyTable::new(Apis::operations(), settings)
}

/// Opens the database, applies migrations and builds the context.
pub async fn connect(
    settings: Settings,
    database_url: &str,
) -> Result<AuthContext, Box<dyn std::error::Error + Send + Sync>> {
    let store = Store::connect(database_url).await?;
    store.migrate().await?;
    store
        .migrate_with(match store.backend() {
            auth_runtime::store::Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            auth_runtime::store::Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        })
        .await?;
    // A custom claim, as simplejwt users add by overriding `get_token`: clients can
    // show who is logged in without a request. `api` checks that the settings' scopes
    // and rates match what the operations declare.
    let ctx = AuthContext::builder(settings, store)
        .api::<Apis>()
        .permissions(articles::PERMISSIONS)
        .jwt_claims(|user, claims| {
            claims.insert("username".into(), user.username.clone().into());
        })
        .build()
        .await?;
    // The editors publish; an administrator changes who is one without a deploy.
    if ctx.store().create_group("editors").await.is_ok() {
        ctx.store()
            .grant(
                auth_runtime::store::Grantee::Group("editors"),
                articles::PUBLISH,
            )
            .await?;
    }
    Ok(ctx)
}

/// The whole application: API, Swagger UI at `/docs`, the document at
/// `/openapi.json`, JSON errors everywhere, the tutorials' trailing slashes, one
/// access line per request.
pub fn app(ctx: AuthContext) -> impl Endpoint {
    let mut app = auth_runtime::App::new(api_service(), &ctx).max_body_bytes(MAX_BODY_BYTES);
    // The baseline goes where the API's operations go, through the same router; the
    // document never lists it.
    if std::env::var_os(BENCH_BASELINE_VAR).is_some() {
        app = app.routes(OpenApiService::new(
            (Apis::default(), BaselineApi),
            "bench",
            "0",
        ));
    }
    app.into_endpoint()
        // App state for handlers and permissions that query the database.
        .data(ctx.store().clone())
        .with(logging::AccessLog)
}
