//! Notes: anyone reads them, users write them, their owner (or an admin) deletes them.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use auth_runtime::{
    object_permission, permission, public, secured, throttle, views, views::Mount, AuthContext,
    Identity, IsAdmin, IsAuthenticatedOrReadOnly, IsOwner, Owned,
};
use poem::{error::NotFoundError, web::Data, EndpointExt};
use poem_openapi::{param::Path, payload::Json, Object, OpenApi, OpenApiService};

auth_runtime::prefix!(pub Api = "/api");
auth_runtime::prefix!(pub Accounts = "/api/accounts");

/// Every API of the app: the notes, and auth-runtime's JWT and session views.
pub type Apis = (
    NotesApi,
    Mount<Api, views::JwtViews>,
    Mount<Accounts, views::SessionViews>,
);

#[derive(Clone, Object)]
pub struct Note {
    pub id: usize,
    pub owner_id: i64,
    pub text: String,
}

impl Owned for Note {
    fn owner_id(&self) -> Option<i64> {
        Some(self.owner_id)
    }
}

#[derive(Object, serde::Deserialize)]
pub struct NewNote {
    pub text: String,
}

#[derive(Object)]
pub struct Stats {
    pub notes: usize,
}

/// The notes, in memory (a real app would keep them in its database).
#[derive(Clone, Default)]
pub struct Notes(Arc<Mutex<Vec<Note>>>);

impl Notes {
    fn lock(&self) -> MutexGuard<'_, Vec<Note>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn find(notes: &Notes, id: usize) -> poem::Result<Note> {
    Ok(notes
        .lock()
        .iter()
        .find(|n| n.id == id)
        .cloned()
        .ok_or(NotFoundError)?)
}

#[derive(Default)]
pub struct NotesApi;

#[secured(authenticated(jwt, session), permission(IsAuthenticatedOrReadOnly))]
#[OpenApi]
impl NotesApi {
    /// Is the service up?
    #[public]
    #[oai(path = "/api/health/", method = "get")]
    async fn health(&self) -> Json<bool> {
        Json(true)
    }

    /// Every note.
    #[oai(path = "/api/notes/", method = "get")]
    async fn list(&self, notes: Data<&Notes>) -> Json<Vec<Note>> {
        Json(notes.lock().clone())
    }

    /// Writes a note.
    #[throttle(user = "30/minute")]
    #[oai(path = "/api/notes/", method = "post")]
    async fn create(&self, who: Identity, notes: Data<&Notes>, body: Json<NewNote>) -> Json<Note> {
        let mut notes = notes.lock();
        let note = Note {
            id: notes.len() + 1,
            owner_id: who.user.id,
            text: body.0.text,
        };
        notes.push(note.clone());
        Json(note)
    }

    /// Deletes a note: its owner, or an admin.
    #[object_permission(IsOwner | IsAdmin, note = find(&notes, id.0))]
    #[oai(path = "/api/notes/:id/", method = "delete")]
    async fn delete(&self, notes: Data<&Notes>, id: Path<usize>) -> Json<Note> {
        notes.lock().retain(|n| n.id != note.id);
        Json(note)
    }

    /// How many notes there are (admins only).
    #[permission(IsAdmin)]
    #[oai(path = "/api/stats/", method = "get")]
    async fn stats(&self, notes: Data<&Notes>) -> Json<Stats> {
        Json(Stats {
            notes: notes.lock().len(),
        })
    }
}

/// The whole app: the APIs, `/openapi.json`, Swagger UI at `/docs`.
pub fn app(ctx: &AuthContext) -> impl poem::Endpoint {
    let api = OpenApiService::new(Apis::default(), "notes", "1.0");
    auth_runtime::App::new(api, ctx)
        .into_endpoint()
        .data(Notes::default())
}
