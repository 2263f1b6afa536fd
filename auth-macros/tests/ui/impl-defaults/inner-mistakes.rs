use auth_runtime::secured;
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured(authenticated(jtw), permission(IsAdmin and IsStaff), throttle(user = "5/fortnight"))]
#[OpenApi]
impl Api {
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
