#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! The documentation tells the truth: the defaults it lists are the code's, the first
//! app's page is the example crate CI builds, and a user's app names none of the
//! demo's paths.

use std::path::{Path, PathBuf};

use auth_runtime::{
    docs::ApiDocs,
    views::{self, Mount},
    Settings,
};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fenced code blocks of a markdown file whose info string starts with `lang`.
fn blocks(markdown: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) if info.starts_with(lang) => current = Some(String::new()),
            (Some(block), Some("")) => {
                out.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

fn at<'a>(v: &'a Value, dotted: &str) -> &'a Value {
    dotted.split('.').fold(v, |v, key| {
        v.get(key).unwrap_or_else(|| panic!("no setting {dotted}"))
    })
}

#[test]
fn configuration_md_lists_the_defaults() {
    let toml = blocks(&read("docs/configuration.md"), "toml");
    assert_eq!(toml.len(), 1, "one settings file in configuration.md");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("auth.toml");
    std::fs::write(&file, &toml[0]).unwrap();
    let documented = Settings::load(Some(&file)).expect("the documented file loads");
    assert_eq!(
        serde_json::to_value(&documented).unwrap(),
        serde_json::to_value(Settings::default()).unwrap(),
        "docs/configuration.md's file must equal Settings::default()"
    );
}

#[test]
fn first_app_md_table_of_defaults_is_the_codes() {
    let page = read("docs/first-app.md");
    let framework = serde_json::to_value(Settings::default()).unwrap();
    let demo = serde_json::to_value(demo_api::demo_defaults()).unwrap();
    let mut rows = 0;
    for line in page.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line
            .split('|')
            .map(|c| c.trim().trim_matches('`'))
            .filter(|c| !c.is_empty())
            .collect();
        let [key, ours, theirs] = cells[..] else {
            panic!("a row of three cells: {line}");
        };
        let parse =
            |s: &str| serde_json::from_str::<Value>(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(
            at(&framework, key),
            &parse(ours),
            "framework default of {key}"
        );
        assert_eq!(at(&demo, key), &parse(theirs), "demo-api's {key}");
        rows += 1;
    }
    assert!(rows >= 10, "the table of defaults is there ({rows} rows)");
}

#[test]
fn first_app_md_is_the_example_crate_ci_builds() {
    let page = read("docs/first-app.md");
    let code: Vec<String> = ["rust", "toml"]
        .iter()
        .flat_map(|lang| blocks(&page, lang))
        .collect();
    for file in ["Cargo.toml", "src/lib.rs", "src/main.rs", "tests/notes.rs"] {
        let source = read(&format!("auth-runtime/examples/first-app/{file}"));
        assert!(
            code.iter().any(|block| block == &source),
            "docs/first-app.md must show auth-runtime/examples/first-app/{file} as it is"
        );
    }
}

auth_runtime::prefix!(pub Elsewhere = "/v2/auth");

#[tokio::test]
async fn a_users_app_names_no_demo_path() {
    type Views = Mount<Elsewhere, (views::JwtViews, views::SessionViews, views::TokenAuthView)>;
    let api = poem_openapi::OpenApiService::new(Views::default(), "users-app", "1");
    let docs = ApiDocs::new(&api, &Settings::default());
    let spec = docs.spec();
    assert!(!spec.contains("/api/"), "{spec}");
    let doc: Value = serde_json::from_str(spec).unwrap();
    let scheme = |name: &str| {
        doc["components"]["securitySchemes"][name]["description"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        scheme("jwt").contains("`POST /v2/auth/token/`"),
        "{}",
        scheme("jwt")
    );
    assert!(
        scheme("session").contains("`POST /v2/auth/login/`"),
        "{}",
        scheme("session")
    );
    assert!(doc["paths"]["/v2/auth/token/refresh/"]["post"].is_object());

    // A 401 of the mounted views: its challenges name schemes, not paths.
    let ctx = auth_runtime::testing::memory_context().await;
    let client = poem::test::TestClient::new(auth_runtime::App::new(api, &ctx).into_endpoint());
    let resp = client.post("/v2/auth/logout/").send().await;
    resp.assert_status(poem::http::StatusCode::UNAUTHORIZED);
    for challenge in resp.0.headers().get_all("www-authenticate") {
        assert!(!challenge.to_str().unwrap().contains('/'), "{challenge:?}");
    }
}
