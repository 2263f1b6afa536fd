//! `HasPerm` composes with every other permission and declares what it needs.

use auth_runtime::{permission, secured, HasPerm, IsAdmin};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured(authenticated(jwt))]
#[OpenApi]
impl Api {
    #[permission(HasPerm("articles.publish") & !IsAdmin | HasPerm("articles.delete_any"))]
    #[oai(path = "/a", method = "post")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {
    let ops = <Api as auth_runtime::operation::SecuredApi>::operations();
    let names = ops[0].policy.unwrap().permission_names();
    assert_eq!(names, ["articles.publish", "articles.delete_any"]);
}
