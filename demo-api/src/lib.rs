//! The API of the DRF tutorials (accounts, session login, simplejwt endpoints, a
//! JWT-protected hello) on poem + auth-runtime. `main.rs` is its command line.

#![warn(missing_docs)]

mod accounts;
mod api_tokens;
pub mod articles;
mod body_limit;
mod hello;
mod input;
pub mod service_key;
mod tokens;

use auth_runtime::{oauth2::OAuth2Api, settings::Settings, AuthContext, Store};
use poem::{
    middleware::{NormalizePath, Tracing, TrailingSlash},
    Endpoint, EndpointExt, Route,
};
use poem_openapi::OpenApiService;

pub use accounts::AccountsApi;
pub use api_tokens::ApiTokensApi;
pub use hello::{BaselineApi, HelloApi, WhoAmIApi};
pub use service_key::ServiceApi;
pub use tokens::TokenApi;

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
    s.jwt.auth_token_types = vec!["access".into(), "sliding".into()];
    s
}

/// Every API of the demo.
pub type Apis = (
    AccountsApi,
    articles::ArticlesApi,
    OAuth2Api,
    TokenApi,
    ApiTokensApi,
    HelloApi,
    WhoAmIApi,
    ServiceApi,
    BaselineApi,
);

/// The demo's OpenAPI service (every operation, with its security requirements).
pub fn api_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            AccountsApi,
            articles::ArticlesApi,
            OAuth2Api,
            TokenApi,
            ApiTokensApi,
            HelloApi,
            WhoAmIApi,
            ServiceApi,
            BaselineApi,
        ),
        "demo-api",
        env!("CARGO_PKG_VERSION"),
    )
    .description("The DRF authentication tutorials' API, secured with auth-runtime.")
}

/// The demo's document as served at `/openapi.json`, with the tutorials' trailing
/// slashes.
pub fn api_docs() -> auth_runtime::docs::ApiDocs {
    auth_runtime::docs::ApiDocs::new(&api_service())
}

/// Every demo operation's policy, with the defaults of `settings` spelled out (what
/// `demo-api policy` prints).
pub fn policy_table(settings: &Settings) -> auth_runtime::policy::PolicyTable {
    use auth_runtime::policy::SecuredApi;
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
    // Every scope an operation requires must exist, or no token could ever have it.
    {
        use auth_runtime::policy::SecuredApi;
        auth_runtime::policy::check_scopes(&Apis::operations(), &settings)?;
    }
    // A custom claim, as simplejwt users add by overriding `get_token`: clients can
    // show who is logged in without a request.
    Ok(AuthContext::builder(settings, store)
        .jwt_claims(|user, claims| {
            claims.insert("username".into(), user.username.clone().into());
        })
        .build()
        .await?)
}

/// The whole application: API, Swagger UI at `/docs`, the document at
/// `/openapi.json`, JSON errors everywhere.
pub fn app(ctx: AuthContext) -> impl Endpoint {
    let api = api_service();
    let docs = auth_runtime::docs::ApiDocs::new(&api);
    let ui = docs.swagger_ui(&api);
    let spec = docs.spec_endpoint();
    Route::new()
        .nest("/", api)
        .nest("/docs", ui)
        .at("/openapi.json", spec)
        .with(body_limit::BodyLimit::new(MAX_BODY_BYTES))
        // App state for handlers and permissions that query the database.
        .data(ctx.store().clone())
        .with(ctx.layer())
        .catch_all_error(auth_runtime::error::json_error)
        // poem-openapi routes `/api/accounts/profile/` as `/api/accounts/profile`; the
        // tutorials' URLs keep their trailing slash.
        .with(NormalizePath::new(TrailingSlash::Trim))
        .with(Tracing)
}
