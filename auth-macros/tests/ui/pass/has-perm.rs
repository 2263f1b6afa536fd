//! `HasPerm` composes with every other permission and declares what it needs.

use auth_runtime::{permission, secured, HasPerm, IsAdmin};
use poem_openapi::{payload::PlainText, OpenApi};

mod perms {
    auth_runtime::declare_permissions! {
        pub ALL {
            PUBLISH: "articles.publish" => "Publish an article",
            DELETE_ANY: "articles.delete_any" => "Delete anyone's article",
        }
    }
}

struct Api;

#[secured(authenticated(jwt))]
#[OpenApi]
impl Api {
    #[permission(HasPerm("articles.publish") & !IsAdmin | HasPerm("articles.delete_any"))]
    #[oai(path = "/a", method = "post")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    // Declared once, named through constants.
    #[permission(perms::PUBLISH | perms::DELETE_ANY)]
    #[oai(path = "/b", method = "post")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }
}

fn main() {
    let ops = <Api as auth_runtime::operation::SecuredApi>::operations();
    let names = ops[0].policy.unwrap().permission_names();
    assert_eq!(names, ["articles.publish", "articles.delete_any"]);
    let declared = ops[1].policy.unwrap().permission_names();
    assert_eq!(declared, ["articles.publish", "articles.delete_any"]);
    assert_eq!(perms::ALL.len(), 2);
}
