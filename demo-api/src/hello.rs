use auth_runtime::{authenticated, secured, Principal};
use poem_openapi::{payload::Json, Object, OpenApi};

/// `GET /api/`: the simplejwt guide's hello, JWT only.
pub struct HelloApi;

/// A greeting.
#[derive(Object)]
struct Hello {
    message: String,
}

#[secured]
#[OpenApi]
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
