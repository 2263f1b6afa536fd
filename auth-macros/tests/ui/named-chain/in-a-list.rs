use auth_runtime::{authenticated, secured};
use poem_openapi::{payload::PlainText, OpenApi};

auth_runtime::chain!(pub Readers = session, oauth2(scope = "read"));

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt, Readers)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
