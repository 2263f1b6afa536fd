use auth_runtime::{authenticated, secured};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

struct KeyA;
struct KeyB;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt, KeyA, session, KeyB)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
