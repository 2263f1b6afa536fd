//! The end-to-end suite in one test binary: each module is one file beside this one,
//! named as docs/security.md cites it (`file::function`). One binary links once instead of
//! twenty times (each a few hundred megabytes in a debug build). `attacks_timing` is a
//! binary of its own, because it compares latencies and must not share the machine with
//! the rest of the suite.

mod attacks_accounts;
mod attacks_browser;
mod attacks_login;
mod attacks_oauth2;
mod attacks_quota;
mod attacks_secrets;
mod attacks_server;
mod chain_order;
mod contract;
mod cross_instance;
mod custom_and_defaults;
mod docs;
mod jwt_cache;
mod jwt_parity;
mod oauth2_backends;
mod oauth2_flows;
mod openapi;
mod permissions;
mod policy;
mod rbac;
mod security;
mod site;
mod throttling;
mod token_and_basic;
mod tutorial_flows;
mod why;
