use auth_runtime::{authenticated, public, secured, Principal};
use poem_openapi::{payload::Json, Object, OpenApi};

/// `GET /api/`: the simplejwt guide's hello, JWT only.
#[derive(Debug, Clone, Copy, Default)]
pub struct HelloApi;

/// A greeting.
#[derive(Object)]
struct Hello {
    message: String,
}

#[secured]
#[OpenApi(tag = "crate::DemoTag::Examples")]
impl HelloApi {
    /// Says hello to a JWT-authenticated user.
    #[authenticated(jwt)]
    #[oai(path = "/api/", method = "get")]
    async fn hello(&self, who: Principal) -> Json<Hello> {
        let name = who.user().map_or("", |u| u.username.as_str());
        Json(Hello {
            message: format!("Hello, {name}"),
        })
    }
}

/// Who is calling, as the default chain sees it.
#[derive(Object)]
struct WhoAmI {
    /// The caller's username, or null when anonymous.
    username: Option<String>,
    /// The scheme that authenticated the request, or null.
    scheme: Option<String>,
}

/// `GET /api/whoami/`: the application's default chain and default permission
/// (`default_schemes`, `default_permission` in settings), like a DRF view that sets
/// neither `authentication_classes` nor `permission_classes`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WhoAmIApi;

#[secured]
#[OpenApi(tag = "crate::DemoTag::Examples")]
impl WhoAmIApi {
    /// Who is calling.
    #[authenticated]
    #[oai(path = "/api/whoami/", method = "get")]
    async fn whoami(&self, who: Principal) -> Json<WhoAmI> {
        Json(WhoAmI {
            username: who.user().map(|u| u.username.clone()),
            scheme: who.identity().map(|i| i.scheme.to_owned()),
        })
    }
}

/// `GET /api/bench/baseline/`: the profile's response for a fixed user, without
/// authentication, through the application's middleware. The benchmark
/// (`bench/run.sh`) measures it beside the schemes, so that what the middleware costs
/// is seen apart from what authentication costs. Mounted only when
/// [`BENCH_BASELINE_VAR`](crate::BENCH_BASELINE_VAR) is set, and never documented.
#[derive(Debug, Clone, Copy, Default)]
pub struct BaselineApi;

#[secured]
#[OpenApi]
impl BaselineApi {
    /// The profile's response for the benchmark's user (the same bytes), with no
    /// authentication.
    #[public]
    #[oai(path = "/api/bench/baseline/", method = "get")]
    async fn baseline(&self) -> Json<auth_runtime::views::UserOut> {
        Json(auth_runtime::views::UserOut::from(&auth_runtime::User {
            id: 1,
            username: "bench".into(),
            email: "bench@example.com".into(),
            is_staff: false,
            is_superuser: false,
            is_active: true,
        }))
    }
}
