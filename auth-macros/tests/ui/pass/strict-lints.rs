//! The generated code triggers no lint, even denied ones.
#![deny(warnings, missing_docs, unused, unused_qualifications, unreachable_pub)]
#![deny(non_camel_case_types, non_snake_case, unused_results, let_underscore_drop)]

use auth_runtime::{
    authenticated, object_permission, permission, public, secured, throttle, IsAdmin,
    IsAuthenticated,
};
use poem_openapi::{param::Path, payload::PlainText, OpenApi, OpenApiService};

/// The API.
pub struct Api;

struct Note {
    text: String,
}

async fn load(id: u32, prefix: &str) -> poem::Result<Note> {
    Ok(Note {
        text: format!("{prefix}{id}"),
    })
}

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt, session)]
    #[permission(IsAuthenticated & !IsAdmin)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> PlainText<&'static str> {
        PlainText("a")
    }

    #[permission(IsAdmin)]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> PlainText<&'static str> {
        PlainText("b")
    }

    #[authenticated(jwt)]
    #[object_permission(IsAdmin | !IsAdmin, note = load(id.0, &String::from("n")))]
    #[throttle(user = "10/minute")]
    #[oai(path = "/notes/:id", method = "get")]
    async fn note(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(note.text)
    }

    #[public]
    #[oai(path = "/c", method = "get")]
    async fn c(&self) -> PlainText<&'static str> {
        PlainText("c")
    }
}

fn main() {
    drop(OpenApiService::new(Api, "t", "1").spec());
}
