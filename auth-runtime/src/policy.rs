//! The declared policies with the settings' defaults spelled out: the table behind
//! `demo-api policy`.

use std::fmt;

use serde::Serialize;

pub use crate::operation::{check, Access, Operation, SchemeUse, Schemes, SecuredApi};

/// The policy of every operation, printable as a table (`Display`) or JSON
/// (`Serialize`), with the defaults in `settings` spelled out.
///
/// ```
/// use auth_runtime::policy::{Access, Operation, PolicyTable, Schemes, SchemeUse};
/// static OPS: [Operation; 2] = [
///     Operation { name: "profile", methods: &["GET"], path: "/profile/",
///                 access: Access::Guarded {
///                     schemes: Schemes::Declared(&[SchemeUse { name: "jwt", scopes: &[] }]),
///                     permission: Some("IsAuthenticated") },
///                 throttles: &[], object_permissions: &[], policy: None },
///     Operation { name: "health", methods: &["GET"], path: "/health/",
///                 access: Access::Public, throttles: &[], object_permissions: &[],
///                 policy: None },
/// ];
/// let table = PolicyTable::new(OPS.iter().collect(), &auth_runtime::Settings::default());
/// let text = table.to_string();
/// assert!(text.contains("GET     /profile/"));
/// assert!(text.contains("public"));
/// ```
#[derive(Debug, Serialize)]
pub struct PolicyTable {
    operations: Vec<Row>,
}

#[derive(Debug, Serialize)]
struct Row {
    method: String,
    path: &'static str,
    operation: &'static str,
    public: bool,
    schemes: Vec<String>,
    /// The name of a `chain!` chain.
    chain: Option<&'static str>,
    default_chain: bool,
    permission: Option<String>,
    default_permission: bool,
    scopes: Vec<&'static str>,
    throttles: Vec<String>,
    object_permissions: &'static [&'static str],
}

impl PolicyTable {
    /// Rows for these operations, one per method, sorted by path then method.
    pub fn new(operations: Vec<&'static Operation>, settings: &crate::settings::Settings) -> Self {
        let mut rows: Vec<Row> = operations
            .into_iter()
            .flat_map(|op| op.methods.iter().map(move |method| (op, *method)))
            .map(|(op, method)| {
                let (public, schemes, default_chain, permission, scopes) = match op.access {
                    Access::Public => (true, Vec::new(), false, None, Vec::new()),
                    Access::Guarded {
                        schemes: Schemes::Default,
                        permission,
                    } => (
                        false,
                        settings.default_schemes.clone(),
                        true,
                        Some(permission),
                        Vec::new(),
                    ),
                    Access::Guarded {
                        schemes: schemes @ (Schemes::Declared(_) | Schemes::Named { .. }),
                        permission,
                    } => {
                        let list = schemes.declared();
                        let names = list.iter().map(|s| s.name.to_owned()).collect();
                        (
                            false,
                            names,
                            false,
                            Some(permission),
                            list.iter().flat_map(|s| s.scopes.iter().copied()).collect(),
                        )
                    }
                };
                let chain = match op.access {
                    Access::Guarded {
                        schemes: Schemes::Named { name, .. },
                        ..
                    } => Some(name),
                    _ => None,
                };
                let default_permission = permission.is_some_and(|p| p.is_none());
                let permission = permission.map(|p| {
                    p.map_or_else(
                        || settings.default_permission.as_str().to_owned(),
                        str::to_owned,
                    )
                });
                Row {
                    method: method.to_owned(),
                    path: op.path,
                    operation: op.name,
                    public,
                    schemes,
                    chain,
                    default_chain,
                    permission,
                    default_permission,
                    scopes,
                    throttles: op.throttles.iter().map(ToString::to_string).collect(),
                    object_permissions: op.object_permissions,
                }
            })
            .collect();
        rows.sort_by(|a, b| (a.path, &a.method).cmp(&(b.path, &b.method)));
        Self { operations: rows }
    }
}

impl fmt::Display for PolicyTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cells: Vec<[String; 6]> = self
            .operations
            .iter()
            .map(|r| {
                let schemes = if r.public {
                    "public".to_owned()
                } else if r.default_chain {
                    format!("default: {}", r.schemes.join(", "))
                } else if let Some(name) = r.chain {
                    format!("{name}: {}", r.schemes.join(", "))
                } else {
                    r.schemes.join(", ")
                };
                [
                    r.method.clone(),
                    r.path.to_owned(),
                    schemes,
                    {
                        let mut text = match (&r.permission, r.default_permission) {
                            (Some(p), true) => format!("default: {p}"),
                            (Some(p), false) => p.clone(),
                            (None, _) => "-".to_owned(),
                        };
                        for object in r.object_permissions {
                            text.push_str(&format!("; object: {object}"));
                        }
                        text
                    },
                    join_or_dash(&r.scopes),
                    join_or_dash(&r.throttles),
                ]
            })
            .collect();
        let header = [
            "METHOD",
            "PATH",
            "SCHEMES",
            "PERMISSION",
            "SCOPES",
            "THROTTLES",
        ];
        let mut widths = header.map(str::len);
        for row in &cells {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, row: &[&str]| -> fmt::Result {
            let last = row.len() - 1;
            for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
                if i == last {
                    writeln!(f, "{cell}")?;
                } else {
                    write!(f, "{cell:<w$}  ")?;
                }
            }
            Ok(())
        };
        line(f, &header)?;
        for row in &cells {
            line(f, &row.each_ref().map(String::as_str))?;
        }
        Ok(())
    }
}

fn join_or_dash<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
