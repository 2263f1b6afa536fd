use auth_runtime::{authenticated, secured};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[oai(path = "/b", method = "get")]
    async fn forgotten(&self) -> PlainText<&'static str> {
        PlainText("b")
    }

    fn helper(&self) {}
}

fn main() {}
