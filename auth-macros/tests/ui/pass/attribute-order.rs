//! The method attributes read by `#[secured]` (`#[authenticated]`, `#[permission]`,
//! `#[public]`, `#[throttle]`, `#[object_permission]`) may come in any order, above or
//! below `#[oai]` and among other attributes: each order gives the same policy. Only
//! `#[secured]` itself must be above `#[OpenApi]`.

use auth_runtime::{
    authenticated, object_permission, permission, public, secured, throttle, IsAdmin,
    IsAuthenticated,
};
use poem_openapi::{param::Path, payload::PlainText, OpenApi, OpenApiService};

struct Note {
    text: String,
}

async fn load(id: u32) -> poem::Result<Note> {
    Ok(Note { text: format!("note {id}") })
}

struct Api;

#[secured]
#[OpenApi]
impl Api {
    /// Ours above `#[oai]`.
    #[authenticated(jwt)]
    #[permission(IsAuthenticated)]
    #[throttle(user = "10/minute")]
    #[object_permission(IsAdmin, note = load(id.0))]
    #[oai(path = "/above/:id", method = "get")]
    async fn above(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(note.text)
    }

    /// Ours below `#[oai]`, in another order.
    #[oai(path = "/below/:id", method = "get")]
    #[object_permission(IsAdmin, note = load(id.0))]
    #[throttle(user = "10/minute")]
    #[permission(IsAuthenticated)]
    #[authenticated(jwt)]
    async fn below(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(note.text)
    }

    /// On both sides of `#[oai]`, among other attributes.
    #[throttle(user = "10/minute")]
    #[allow(clippy::unused_async)]
    #[oai(path = "/around/:id", method = "get")]
    #[authenticated(jwt)]
    /// (a doc line between them)
    #[object_permission(IsAdmin, note = load(id.0))]
    #[permission(IsAuthenticated)]
    async fn around(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(note.text)
    }

    #[oai(path = "/open", method = "get")]
    #[throttle(anon = "10/minute")]
    #[public]
    async fn open(&self) -> PlainText<&'static str> {
        PlainText("open")
    }
}

fn main() {
    let ops = <Api as auth_runtime::policy::SecuredApi>::operations();
    let policy = |i: usize| {
        let op = ops[i];
        let throttles: Vec<String> = op.throttles.iter().map(ToString::to_string).collect();
        (
            serde_json::to_value(op.access).unwrap(),
            throttles,
            op.object_permissions.to_vec(),
        )
    };
    assert_eq!(policy(0), policy(1));
    assert_eq!(policy(0), policy(2));
    assert_eq!(policy(0).2, ["IsAdmin"]);

    let spec: serde_json::Value =
        serde_json::from_str(&OpenApiService::new(Api, "t", "1").spec()).unwrap();
    for path in ["/above/{id}", "/below/{id}", "/around/{id}"] {
        let op = &spec["paths"][path]["get"];
        assert_eq!(op["security"], spec["paths"]["/above/{id}"]["get"]["security"], "{spec:#}");
        assert!(op["security"].is_array(), "{spec:#}");
        assert!(op["responses"]["429"].is_object(), "{spec:#}");
    }
    let open = &spec["paths"]["/open"]["get"];
    assert!(open.get("security").is_none(), "{spec:#}");
    assert!(open["responses"]["429"].is_object(), "{spec:#}");
}
