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
    #[object_permission(IsOwner, id = find(id.0))]
    #[oai(path = "/a/:id", method = "get")]
    async fn a(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(id.text)
    }

    #[authenticated(jwt)]
    #[object_permission(IsOwner, note = find(id.0))]
    #[object_permission(IsOwner, note = find(id.0 + 1))]
    #[oai(path = "/b/:id", method = "get")]
    async fn b(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(note.text)
    }
}

fn main() {}
