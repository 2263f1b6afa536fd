use auth_runtime::{authenticated, secured};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

struct MyApiKey;

impl auth_runtime::Authenticator for MyApiKey {
    const NAME: &'static str = "api_key";
    const CHALLENGE: &'static str = "ApiKey";
    fn register(_registry: &mut poem_openapi::registry::Registry) {}
    async fn authenticate(
        _req: &poem::Request,
        _ctx: &auth_runtime::AuthContext,
    ) -> auth_runtime::Outcome {
        auth_runtime::Outcome::NotMine
    }
}

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt(scope = "read write"), session)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[authenticated(MyApiKey(scope = "read"))]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }
}

fn main() {}
