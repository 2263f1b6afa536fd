//! The generated code names everything by absolute path.
#![no_implicit_prelude]

// poem-openapi's own expansion names its crate without a leading `::`; ours does not
// need this.
use ::poem_openapi;

struct Api;

struct Note;

async fn load(id: u32) -> ::poem::Result<Note> {
    let _ = id;
    ::std::result::Result::Ok(Note)
}

#[::auth_runtime::secured]
#[::poem_openapi::OpenApi]
impl Api {
    #[::auth_runtime::authenticated(jwt, session)]
    #[::auth_runtime::permission(::auth_runtime::IsAuthenticated & !::auth_runtime::IsAdmin | ::auth_runtime::IsAdmin)]
    #[oai(path = "/a", method = "get")]
    async fn a(&self) -> ::poem_openapi::payload::PlainText<::std::string::String> {
        ::poem_openapi::payload::PlainText(::std::string::String::new())
    }

    #[::auth_runtime::authenticated]
    #[oai(path = "/b", method = "get")]
    async fn b(&self) -> ::poem_openapi::payload::PlainText<::std::string::String> {
        ::poem_openapi::payload::PlainText(::std::string::String::new())
    }

    #[::auth_runtime::authenticated(jwt)]
    #[::auth_runtime::object_permission(::auth_runtime::IsAdmin | !::auth_runtime::IsAdmin, note = load(id.0))]
    #[::auth_runtime::throttle(user = "10/minute")]
    #[oai(path = "/notes/:id", method = "get")]
    async fn note(&self, id: ::poem_openapi::param::Path<u32>) -> ::poem_openapi::payload::PlainText<::std::string::String> {
        let _: &Note = &note;
        ::poem_openapi::payload::PlainText(::std::string::String::new())
    }

    #[::auth_runtime::public]
    #[oai(path = "/c", method = "get")]
    async fn c(&self) -> ::poem_openapi::payload::PlainText<::std::string::String> {
        ::poem_openapi::payload::PlainText(::std::string::String::new())
    }
}

fn main() {
    let _ = ::poem_openapi::OpenApiService::new(Api, "t", "1").spec();
}
