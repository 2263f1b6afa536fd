use auth_runtime::{authenticated, secured};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

mod auth {
    pub struct ApiKey;
}

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt, auth::ApiKey)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
