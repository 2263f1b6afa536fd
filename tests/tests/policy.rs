#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly
//! `demo-api policy`: one row per operation, guarded by a reviewed snapshot.
//! Regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p e2e-tests --test policy` and
//! review the diff.

use auth_runtime::{policy::SecuredApi, Settings};

#[test]
fn one_row_per_operation() {
    let table = demo_api::policy_table(&Settings::default()).to_string();
    let rows = table.lines().count() - 1;
    let methods: usize = demo_api::Apis::operations()
        .iter()
        .map(|op| op.methods.len())
        .sum();
    assert_eq!(rows, methods);
    let spec: serde_json::Value =
        serde_json::from_str(demo_api::api_docs(&demo_api::demo_defaults()).spec())
            .expect("document");
    let documented: usize = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        rows, documented,
        "every documented operation has a row:\n{table}"
    );
}

#[test]
fn table_matches_snapshot() {
    let table = demo_api::policy_table(&Settings::default()).to_string();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/policy.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &table).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == table,
        "the policy table changed; review it and run with UPDATE_SNAPSHOTS=1 to accept:\n{table}"
    );
}
