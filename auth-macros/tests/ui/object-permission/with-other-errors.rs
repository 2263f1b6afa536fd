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

struct Folder;

async fn find(id: u32) -> Option<Note> {
    Some(Note { text: format!("note {id}") })
}

async fn folder(id: u32) -> poem::Result<Folder> {
    let _ = id;
    Ok(Folder)
}

struct Api;

// A mistake `#[secured]` reports does not hide those rustc finds in the objects.
#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jtw)]
    #[object_permission(IsOwner, note = find(id.0))]
    #[oai(path = "/notes/:id", method = "get")]
    async fn note(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(note.text)
    }

    #[authenticated(jwt)]
    #[object_permission(IsOwner, id = folder(id.0))]
    #[oai(path = "/folders/:id", method = "get")]
    async fn folder(&self, id: Path<u32>) -> PlainText<String> {
        let Folder = id;
        PlainText(String::new())
    }
}

fn main() {}
