use auth_runtime::{authenticated, secured};
use poem_openapi::{payload::PlainText, OpenApi};

struct Readers;

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(Readers)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
