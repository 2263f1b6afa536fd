//! What the framework itself answers, written into every operation of the document:
//! a body that does not parse or misses a field (400), one too large (413) or of the
//! wrong type (415), a path that names nothing (404). The handlers' own responses are
//! kept; a status both declare gets either body (`anyOf`).

use serde_json::{json, Map, Value};

/// `{"detail", "code"}`: the body of every refusal the framework makes.
const ERROR: &str = "AuthError";
/// `{"field": ["message", ...]}`: DRF's field errors.
const FIELD_ERRORS: &str = "FieldErrors";

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// Registers the two bodies the added responses use.
fn register_schemas(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    schemas.entry(ERROR).or_insert_with(|| {
        json!({
            "type": "object",
            "title": ERROR,
            "description": "Why the request was refused.",
            "required": ["detail", "code"],
            "properties": {
                "detail": {"type": "string", "description": "Human-readable reason."},
                "code": {"type": "string", "description": "Machine-readable reason."},
                "denied_by": {"type": "string", "description": "The clause of the permission expression that refused."},
                "missing_scopes": {"type": "array", "items": {"type": "string"}, "description": "The OAuth2 scopes the credential lacks."},
                "required_scopes": {"type": "array", "items": {"type": "string"}, "description": "The OAuth2 scopes the operation requires."}
            }
        })
    });
    schemas.entry(FIELD_ERRORS).or_insert_with(|| {
        json!({
            "type": "object",
            "title": FIELD_ERRORS,
            "description": "DRF's field errors: each field that is wrong, with its messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}}
        })
    });
}

/// Adds `status` with `bodies` to `responses`, or widens an existing one to accept
/// them too.
fn add(responses: &mut Map<String, Value>, status: &str, description: &str, bodies: &[&str]) {
    const JSON: &str = "application/json; charset=utf-8";
    let schemas: Vec<Value> = bodies.iter().map(|b| reference(b)).collect();
    let entry = responses
        .entry(status)
        .or_insert_with(|| json!({ "description": description }));
    let Some(entry) = entry.as_object_mut() else {
        return;
    };
    let content = entry.entry("content").or_insert_with(|| json!({}));
    if !content.is_object() {
        *content = json!({});
    }
    let Some(content) = content.as_object_mut() else {
        return;
    };
    if content.is_empty() {
        content.insert(JSON.into(), json!({}));
    }
    for media in content.values_mut() {
        let Some(media) = media.as_object_mut() else {
            continue;
        };
        let mut alternatives: Vec<Value> = match media.remove("schema") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(mut o)) if o.contains_key("anyOf") => match o.remove("anyOf") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            },
            Some(other) => vec![other],
        };
        for schema in &schemas {
            if !alternatives.contains(schema) {
                alternatives.push(schema.clone());
            }
        }
        let schema = if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            json!({ "anyOf": alternatives })
        };
        media.insert("schema".into(), schema);
    }
}

/// Writes the framework's own responses into every operation.
pub(super) fn document_framework_responses(doc: &mut Value) {
    register_schemas(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) else {
                continue;
            };
            let has_body = operation.contains_key("requestBody");
            let has_path_params = operation
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
            let Some(responses) = operation
                .entry("responses")
                .or_insert_with(|| json!({}))
                .as_object_mut()
            else {
                continue;
            };
            if has_body {
                add(
                    responses,
                    "400",
                    "The body does not parse, or a field is missing or wrong.",
                    &[FIELD_ERRORS, ERROR],
                );
                add(responses, "413", "The body is too large.", &[ERROR]);
                add(
                    responses,
                    "415",
                    "The body is neither JSON nor a form.",
                    &[ERROR],
                );
            }
            if has_path_params {
                add(
                    responses,
                    "404",
                    "Nothing at this path (an id that does not parse names nothing).",
                    &[ERROR],
                );
            }
        }
    }
}

/// The component schemas a response body uses, directly or through their properties.
fn response_schemas(doc: &Value) -> std::collections::BTreeSet<String> {
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    if let Some(name) = r.strip_prefix("#/components/schemas/") {
                        out.push(name.to_owned());
                    }
                }
                o.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values().filter_map(Value::as_object) {
            for operation in item.values() {
                if let Some(responses) = operation.get("responses") {
                    refs(responses, &mut pending);
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone()) {
            if let Some(schema) = doc.pointer(&format!("/components/schemas/{name}")) {
                refs(schema, &mut pending);
            }
        }
    }
    seen
}

/// Marks the properties a response schema does not require as `nullable`: an absent
/// value (`Option::None`) is sent as `null`. Request schemas keep theirs as they are: a
/// form cannot carry a `null`, and a field left out is the way to say "none".
pub(super) fn document_nullable(doc: &mut Value) {
    let responses = response_schemas(doc);
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (name, schema) in schemas.iter_mut() {
        if !responses.contains(name) {
            continue;
        }
        let required: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for (name, property) in properties.iter_mut() {
            let has_default = property.get("default").is_some_and(|d| !d.is_null());
            if required.contains(name) || has_default {
                continue;
            }
            if let Some(target) = property.get("$ref").cloned() {
                let mut wrapped = property.clone();
                if let Some(o) = wrapped.as_object_mut() {
                    o.remove("$ref");
                    o.insert("allOf".into(), json!([{ "$ref": target }]));
                    o.insert("nullable".into(), Value::Bool(true));
                }
                *property = wrapped;
            } else if let Some(o) = property.as_object_mut() {
                o.insert("nullable".into(), Value::Bool(true));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_400_is_widened_not_replaced() {
        let mut responses = Map::new();
        responses.insert(
            "400".into(),
            json!({"description": "mine", "content": {"application/json": {"schema": reference("ErrorOut")}}}),
        );
        add(&mut responses, "400", "framework", &[FIELD_ERRORS, ERROR]);
        let schema = &responses["400"]["content"]["application/json"]["schema"];
        assert_eq!(schema["anyOf"].as_array().map(Vec::len), Some(3));
        assert_eq!(responses["400"]["description"], "mine");
        add(&mut responses, "404", "nothing", &[ERROR]);
        assert_eq!(
            responses["404"]["content"]["application/json; charset=utf-8"]["schema"],
            reference(ERROR)
        );
    }

    #[test]
    fn optional_properties_are_nullable() {
        let mut doc = json!({
            "paths": {"/t": {"get": {"responses": {"200": {"content": {"application/json":
                {"schema": {"$ref": "#/components/schemas/T"}}}}}}}},
            "components": {"schemas": {"T": {
                "required": ["a"],
                "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "c": {"$ref": "#/x"}}
            }, "In": {"properties": {"d": {"type": "string"}}}}}
        });
        document_nullable(&mut doc);
        let p = &doc["components"]["schemas"]["T"]["properties"];
        assert!(p["a"].get("nullable").is_none());
        assert_eq!(p["b"]["nullable"], true);
        assert_eq!(p["c"]["allOf"][0]["$ref"], "#/x");
        let request = &doc["components"]["schemas"]["In"]["properties"]["d"];
        assert!(
            request.get("nullable").is_none(),
            "request schemas are left alone"
        );
    }
}
