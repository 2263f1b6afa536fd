use auth_runtime::{authenticated, secured};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

mod auth {
    use auth_runtime::{authenticator::Outcome, AuthContext, Authenticator};
    use poem::Request;
    use poem_openapi::registry::Registry;

    pub struct ApiKey;

    impl Authenticator for ApiKey {
        const NAME: &'static str = "api_key";
        const CHALLENGE: &'static str = "ApiKey";
        fn register(_registry: &mut Registry) {}
        async fn authenticate(_req: &Request, _ctx: &AuthContext) -> Outcome {
            Outcome::NotMine
        }
    }
}

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(crate::auth::ApiKey, jwt, crate :: auth :: ApiKey)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
