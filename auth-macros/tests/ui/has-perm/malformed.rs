//! A named permission's form is checked where it is written.

use auth_runtime::{permission, secured, HasPerm};
use poem_openapi::{payload::PlainText, OpenApi};

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[permission(HasPerm("Articles Publish"))]
    #[oai(path = "/a", method = "post")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[permission(HasPerm("publish") | HasPerm("articles.delete_any"))]
    #[oai(path = "/b", method = "post")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }
}

fn main() {}
