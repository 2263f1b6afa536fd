//! Everything a secured API needs around it, assembled in one call: its routes, the
//! document at `/openapi.json` and Swagger UI at `/docs` (as declared, trailing
//! slashes included), the context's layer, JSON errors, `Allow` on every 405, both
//! spellings of every path, and body limits. Serve it with [`server::listen`](crate::server::listen), which
//! slow or idle clients cannot hold.

mod allow;
mod site;
mod stack;

pub use self::allow::{AllowHeader, AllowHeaderEndpoint};

use poem::{endpoint::BoxEndpoint, Endpoint, EndpointExt, IntoEndpoint, Response, Route};
use poem_openapi::{OpenApi, OpenApiService};

use crate::{context::AuthContext, docs::ApiDocs, limits::RequestLimits, operation::SecuredApi};

/// The body size [`App`] accepts unless told otherwise (larger bodies get 413).
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;

/// A secured API with what it needs around it. Build the context with
/// [`AuthContextBuilder::api`](crate::AuthContextBuilder::api) for the same APIs, so
/// that the settings are checked against them and the `policy` command lists them.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use auth_runtime::{public, secured, App};
/// use poem::test::TestClient;
/// use poem_openapi::{payload::PlainText, OpenApi, OpenApiService};
///
/// #[derive(Default)]
/// struct Health;
/// #[secured]
/// #[OpenApi]
/// impl Health {
///     #[public]
///     #[oai(path = "/health/", method = "get")]
///     async fn health(&self) -> PlainText<&'static str> { PlainText("ok") }
/// }
///
/// let ctx = auth_runtime::testing::memory_context().await;
/// let client = TestClient::new(App::new(OpenApiService::new(Health, "notes", "1.0"), &ctx).into_endpoint());
/// client.get("/health/").send().await.assert_text("ok").await;
/// client.get("/health").send().await.assert_text("ok").await;
/// client.get("/openapi.json").send().await.assert_status_is_ok();
/// # });
/// ```
#[must_use]
pub struct App<T> {
    service: OpenApiService<T, ()>,
    routes: Option<BoxEndpoint<'static>>,
    ctx: AuthContext,
    max_body: usize,
    docs: Option<&'static str>,
}

impl<T: OpenApi + SecuredApi + 'static> App<T> {
    /// The API of `service` (one `#[secured]` API or a tuple of them, as
    /// `OpenApiService::new` takes them, with the document's title and version).
    pub fn new(service: OpenApiService<T, ()>, ctx: &AuthContext) -> Self {
        Self {
            service,
            routes: None,
            ctx: ctx.clone(),
            max_body: DEFAULT_MAX_BODY_BYTES,
            docs: Some("/docs"),
        }
    }

    /// The largest request body, in bytes (default [`DEFAULT_MAX_BODY_BYTES`]).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let ctx = auth_runtime::testing::memory_context().await;
    /// let app = auth_runtime::App::new(poem_openapi::OpenApiService::new((), "uploads", "1.0"), &ctx).max_body_bytes(1 << 20);
    /// # let _ = app;
    /// # });
    /// ```
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Where Swagger UI is served (default `/docs`); `None` serves none.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let ctx = auth_runtime::testing::memory_context().await;
    /// let app = auth_runtime::App::new(poem_openapi::OpenApiService::new((), "internal", "1.0"), &ctx).swagger_ui(None);
    /// # let _ = app;
    /// # });
    /// ```
    pub fn swagger_ui(mut self, path: Option<&'static str>) -> Self {
        self.docs = path;
        self
    }

    /// Routes requests to `service` instead, while the document stays the one of
    /// [`new`](Self::new)'s: for operations served but not documented (the demo's
    /// benchmark baseline).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let ctx = auth_runtime::testing::memory_context().await;
    /// use poem_openapi::OpenApiService;
    /// let app = auth_runtime::App::new(OpenApiService::new((), "t", "1"), &ctx)
    ///     .routes(OpenApiService::new((), "t", "1"));
    /// # let _ = app;
    /// # });
    /// ```
    pub fn routes<U: OpenApi + 'static>(mut self, service: OpenApiService<U, ()>) -> Self {
        self.routes = Some(service.into_endpoint().boxed());
        self
    }

    /// The endpoint: add app state with poem's `.data(...)` on it if handlers need
    /// some.
    pub fn into_endpoint(self) -> impl Endpoint<Output = Response> {
        let docs = ApiDocs::new(&self.service, self.ctx.settings());
        let side = Route::new().at(site::SPEC_PATH, docs.spec_endpoint());
        #[cfg(feature = "swagger-ui")]
        let side = match self.docs {
            Some(path) => side.nest(path, docs.swagger_ui(&self.service)),
            None => side,
        };
        let allow = AllowHeader::new(&docs);
        let api = match self.routes {
            Some(routes) => site::Api::Routes(routes),
            None => site::Api::Service(self.service.into_endpoint()),
        };
        stack::Stack {
            inner: site::Site {
                api,
                docs: side,
                docs_path: self.docs.filter(|_| cfg!(feature = "swagger-ui")),
            },
            ctx: self.ctx,
            allow,
            limits: RequestLimits::new(self.max_body),
        }
    }
}
