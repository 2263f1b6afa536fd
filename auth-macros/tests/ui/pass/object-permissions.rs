//! `#[object_permission]` loads an object before the body and binds it; `#[throttle]`
//! on a `#[public]` operation still applies (and documents 429).

use auth_runtime::{
    authenticated, object_permission, public, secured, throttle, Denial, IsAdmin, ObjectPermission,
    Permission, PermissionContext, Principal,
};
use poem_openapi::{param::Path, payload::PlainText, OpenApi, OpenApiService};

struct Note {
    owner: i64,
    text: String,
}

struct IsOwner;

impl Permission for IsOwner {
    async fn has_permission(&self, _: &PermissionContext<'_>) -> Result<(), Denial> {
        Ok(())
    }
}

impl ObjectPermission<Note> for IsOwner {
    async fn has_object_permission(&self, ctx: &PermissionContext<'_>, note: &Note) -> Result<(), Denial> {
        match ctx.principal().user() {
            Some(u) if u.id == note.owner => Ok(()),
            _ => Err(Denial::new("Not yours.")),
        }
    }
}

async fn load(id: u32) -> poem::Result<Note> {
    Ok(Note { owner: i64::from(id), text: format!("note {id}") })
}

/// A future that is `Send` but not `Sync` (as a database driver's often is): the
/// handler's future must stay `Send` while it awaits it.
fn load_boxed(
    id: u32,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = poem::Result<Note>> + Send>> {
    Box::pin(load(id))
}

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[object_permission(IsOwner | IsAdmin, note = load(id.0))]
    #[oai(path = "/notes/:id", method = "get")]
    async fn note(&self, id: Path<u32>, who: Principal) -> PlainText<String> {
        let _ = who;
        PlainText(note.text)
    }

    #[authenticated(jwt)]
    #[object_permission(IsOwner, note = load_boxed(id.0))]
    #[oai(path = "/boxed/:id", method = "get")]
    async fn boxed(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(note.text)
    }

    #[public]
    #[throttle(anon = "10/minute", scope = "ping", rate = "100/hour")]
    #[oai(path = "/ping", method = "get")]
    async fn ping(&self) -> PlainText<&'static str> {
        PlainText("pong")
    }
}

fn main() {
    let spec: serde_json::Value =
        serde_json::from_str(&OpenApiService::new(Api, "t", "1").spec()).unwrap();
    assert!(spec["paths"]["/ping"]["get"]["responses"]["429"].is_object(), "{spec:#}");
    assert!(spec["paths"]["/ping"]["get"].get("security").is_none(), "{spec:#}");
    // The request parameter of the object check is not documented.
    assert_eq!(spec["paths"]["/notes/{id}"]["get"]["parameters"].as_array().map(Vec::len), Some(1));
    let ops = <Api as auth_runtime::policy::SecuredApi>::operations();
    let throttles: Vec<String> = ops[2].throttles.iter().map(ToString::to_string).collect();
    assert_eq!(throttles, ["anon 10/minute", "scope ping 100/hour"]);
}
