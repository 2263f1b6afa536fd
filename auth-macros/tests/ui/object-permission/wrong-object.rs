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

struct NotAPermission;

async fn folder(id: u32) -> poem::Result<Folder> {
    let _ = id;
    Ok(Folder)
}

async fn find(id: u32) -> poem::Result<Note> {
    Ok(Note { text: format!("note {id}") })
}

struct Api;

#[secured]
#[OpenApi]
impl Api {
    #[authenticated(jwt)]
    #[object_permission(IsOwner, folder = folder(id.0))]
    #[oai(path = "/folders/:id", method = "get")]
    async fn folder(&self, id: Path<u32>) -> PlainText<String> {
        let _ = folder;
        PlainText(String::new())
    }

    #[authenticated(jwt)]
    #[object_permission(NotAPermission, note = find(id.0))]
    #[oai(path = "/notes/:id", method = "get")]
    async fn note(&self, id: Path<u32>) -> PlainText<String> {
        PlainText(note.text)
    }
}

fn main() {}
