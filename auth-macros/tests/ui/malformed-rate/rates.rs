use auth_runtime::{authenticated, secured, throttle};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[throttle(user = "5 per minute", anon = "0/day")]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[authenticated(jwt)]
    #[throttle(users = "5/minute")]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }

    #[authenticated(jwt)]
    #[throttle(scope = "uploads")]
    #[oai(path = "/c", method = "get")]
    async fn c(&self) -> PlainText<&'static str> {
        PlainText("c")
    }

    #[authenticated(jwt)]
    #[throttle(rate = "10/minute")]
    #[oai(path = "/d", method = "get")]
    async fn d(&self) -> PlainText<&'static str> {
        PlainText("d")
    }
}

fn main() {}
