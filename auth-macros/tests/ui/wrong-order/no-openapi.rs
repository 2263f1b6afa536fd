use auth_runtime::{authenticated, secured};
use poem_openapi::payload::PlainText;

struct Api;

#[secured]
impl Api {
    #[authenticated(jwt)]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
