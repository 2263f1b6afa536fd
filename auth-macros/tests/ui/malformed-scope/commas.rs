use auth_runtime::{authenticated, secured};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt, oauth2(scope = "read,write"))]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[authenticated(oauth2(scope = "read \"all\""))]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }
}

fn main() {}
