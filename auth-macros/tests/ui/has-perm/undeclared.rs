//! A policy names a declared permission through its constant, so an undeclared
//! (here: misspelt) one does not compile.

use auth_runtime::{permission, secured};
use poem_openapi::{payload::PlainText, OpenApi};

mod perms {
    auth_runtime::declare_permissions! {
        pub ALL {
            PUBLISH: "articles.publish" => "Publish an article",
        }
    }
}

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[permission(perms::PUBLISHH)]
    #[oai(path = "/a", method = "post")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }
}

fn main() {}
