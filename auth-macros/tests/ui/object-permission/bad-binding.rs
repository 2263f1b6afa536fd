use auth_runtime::{
    authenticated, object_permission, secured, Denial, ObjectPermission, Permission,
    PermissionContext,
};
use poem_openapi::{param::Path, payload::PlainText, OpenApi};

struct Note {
    text: String,
}

struct IsOwner;

impl Permission for IsOwner {
    async fn has_permission(&self, _: &PermissionContext<'_>) -> Result<(), Denial> {
        Ok(())
    }
}

impl ObjectPermission<Note> for IsOwner {
    async fn has_object_permission(&self, _: &PermissionContext<'_>, _: &Note) -> Result<(), Denial> {
        Ok(())
    }
}

async fn find(id: u32) -> poem::Result<Note> {
    Ok(Note { text: format!("note {id}") })
}

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[object_permission(IsOwner, note.text = find(id.0))]
    #[oai(path = "/a/:id", method = "get")]
    async fn a(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(id.0.to_string())
    }

    #[authenticated(jwt)]
    #[object_permission(IsOwner, self = find(id.0))]
    #[oai(path = "/b/:id", method = "get")]
    async fn b(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(id.0.to_string())
    }

    #[authenticated(jwt)]
    #[object_permission(IsOwner, _ = find(id.0))]
    #[oai(path = "/c/:id", method = "get")]
    async fn c(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(id.0.to_string())
    }

    #[authenticated(jwt)]
    #[object_permission(IsOwner, crate::note = find(id.0))]
    #[oai(path = "/d/:id", method = "get")]
    async fn d(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(id.0.to_string())
    }
}

fn main() {}
