//! The OpenAPI document made exact: every status an operation can answer is stated, from
//! what the operation takes. The answers that come from the API's common parts (the
//! session, the extractors of path, query and body) are the same for every operation that
//! takes that part, so they are stated here once rather than on each handler; what only
//! one operation answers (a throttled sign-in's 429) stays on its handler.

use sanbao_domain::field::report::DAY_PATTERN;
use sanbao_domain::idempotency;
use sanbao_domain::time::Month;
use serde_json::{Map, Value, json};

/// A status the common parts answer, and when.
struct Common {
    status: u16,
    description: &'static str,
    /// Whether an operation of this shape can answer it.
    applies: fn(&Shape) -> bool,
}

/// What an operation takes, read off its document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Shape {
    /// It needs a session (it has a `security` requirement).
    pub signed_in: bool,
    /// It reads path parameters.
    pub path: bool,
    /// One of them is text (a month, a kind), read and checked by the handler; an id
    /// that is no number names no record (404).
    pub path_text: bool,
    /// It reads query parameters or headers of its own (`Idempotency-Key`).
    pub query: bool,
    /// The media type of its body, if it takes one.
    pub body: Option<String>,
    /// `get`, `post`, …
    pub method: String,
}

const COMMON: &[Common] = &[
    Common {
        status: 400,
        description: "The body is not well-formed JSON.",
        applies: |s| s.body.as_deref() == Some("application/json"),
    },
    Common {
        status: 401,
        description: "Not signed in, or the session has ended: sign in with `POST /api/v1/sessions` and send `Authorization: Bearer <token>`.",
        applies: |s| s.signed_in,
    },
    Common {
        status: 403,
        description: "Signed in, but the caller's role may not do this, or the record is not theirs (another's customer, a job dispatched to another), or a page's session sent a change without its `X-CSRF-Token`.",
        applies: |s| s.signed_in,
    },
    Common {
        status: 404,
        description: "No such record, or not one the caller may see.",
        applies: |s| s.path,
    },
    Common {
        status: 409,
        description: "The record changed since it was read (its `version`), or its state does not allow this change, or an `Idempotency-Key` was sent again with another request.",
        applies: |s| s.signed_in && s.method != "get" && (s.path || s.body.is_some()),
    },
    Common {
        status: 413,
        description: "The body is larger than the server takes.",
        applies: |s| s.body.is_some(),
    },
    Common {
        status: 415,
        description: "The body is not of the media type documented for it (for JSON, `Content-Type: application/json`).",
        applies: |s| s.body.is_some(),
    },
    Common {
        status: 422,
        description: "The input is refused: `error.fields` names each field with what is wrong, and nothing was changed.",
        applies: |s| s.path_text || s.query || s.body.is_some(),
    },
];

/// The statuses the common parts answer for an operation of this shape.
pub fn common_statuses(shape: &Shape) -> Vec<u16> {
    COMMON
        .iter()
        .filter(|c| (c.applies)(shape))
        .map(|c| c.status)
        .collect()
}

/// What an operation takes.
pub fn shape_of(method: &str, op: &Value) -> Shape {
    let params = op["parameters"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let is_in = |place: &str| params.iter().any(|p| p["in"] == place);
    Shape {
        signed_in: op["security"].as_array().is_some_and(|s| !s.is_empty()),
        path: is_in("path"),
        path_text: params
            .iter()
            .any(|p| p["in"] == "path" && p["schema"]["type"] != "integer"),
        query: is_in("query") || is_in("header"),
        body: op["requestBody"]["content"]
            .as_object()
            .and_then(|c| c.keys().next().cloned()),
        method: method.to_string(),
    }
}

/// The rule that refuses a parameter the whole API names alike, as a schema: a month, a
/// day, a page's cursor, an `Idempotency-Key`. Each comes from the parser it describes
/// (their tests check the two agree).
pub fn parameter_rule(place: &str, name: &str) -> Option<Value> {
    Some(match (place, name) {
        ("path" | "query", "month") => json!({"type": "string", "pattern": Month::PATTERN}),
        ("path" | "query", "day") => {
            json!({"type": "string", "format": "date", "pattern": DAY_PATTERN})
        }
        // `api::cursor`: an id from a previous page.
        ("query", "cursor") => json!({"type": "string", "pattern": "^-?[0-9]{1,18}$"}),
        ("header", idempotency::HEADER) => json!({
            "type": "string",
            "minLength": 1,
            "maxLength": idempotency::MAX_LEN,
            "pattern": idempotency::PATTERN
        }),
        // Any other text in a query, as `extract::check_param` takes it: no control
        // character, at most `FILTER_TEXT_MAX` characters for a search, `PARAM_MAX` else.
        ("query", name) => {
            let max = if name == "q" {
                sanbao_domain::export::FILTER_TEXT_MAX
            } else {
                sanbao_domain::text::PARAM_MAX
            };
            json!({"maxLength": max, "pattern": sanbao_domain::text::NO_CONTROL_PATTERN})
        }
        _ => return None,
    })
}

/// Apply a parameter's rule: a whole schema for the parameters named alike, the text
/// limits added to any other query parameter that is text.
fn constrain(p: &mut Value) {
    let place = p["in"].as_str().unwrap_or_default().to_string();
    let name = p["name"].as_str().unwrap_or_default().to_string();
    let Some(rule) = parameter_rule(&place, &name) else {
        return;
    };
    if rule.get("type").is_some() {
        p["schema"] = rule;
        return;
    }
    let schema = &p["schema"];
    let is_text = schema["type"] == "string"
        || schema["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "string"));
    let constrained = ["enum", "pattern", "format"]
        .iter()
        .any(|k| schema.get(*k).is_some());
    if is_text
        && !constrained
        && let (Some(s), Some(r)) = (p["schema"].as_object_mut(), rule.as_object())
    {
        s.extend(r.clone());
    }
}

/// Complete the document: each operation's common statuses with their error body and
/// words; the rules of the parameters named alike ([`parameter_rule`]); a description on
/// every answer; an `operationId` unique in the document (`tag_function`); `Retry-After`
/// on the answers that carry it.
pub fn complete(doc: &mut Value) {
    refuse_control_characters_in_bodies(doc);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            // `get_mut`, not `op["parameters"]`: indexing would add a null where there is none.
            if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                params.iter_mut().for_each(constrain);
            }
            let shape = shape_of(method, op);
            if let (Some(tag), Some(id)) = (op["tags"][0].as_str(), op["operationId"].as_str()) {
                let id: String = format!("{tag}_{id}")
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                op["operationId"] = json!(id);
            }
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for c in COMMON.iter().filter(|c| (c.applies)(&shape)) {
                responses
                    .entry(c.status.to_string())
                    .or_insert_with(|| error_answer(""));
            }
            for (status, answer) in responses.iter_mut() {
                describe(status, answer);
            }
        }
    }
}

/// Text in a request body refuses control characters (`extract::read_json`, before any
/// handler): every text field of every schema a request body reaches says so, unless it
/// already states a pattern, a format or its values.
fn refuse_control_characters_in_bodies(doc: &mut Value) {
    let mut reached = std::collections::BTreeSet::new();
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values() {
            for op in item.as_object().into_iter().flat_map(|i| i.values()) {
                if let Some(content) = op["requestBody"]["content"].as_object() {
                    for media in content.values() {
                        refs_in(&media["schema"], doc, &mut reached);
                    }
                }
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for op in item
                .as_object_mut()
                .into_iter()
                .flat_map(|i| i.values_mut())
            {
                if let Some(content) = op
                    .get_mut("requestBody")
                    .and_then(|b| b.get_mut("content"))
                    .and_then(Value::as_object_mut)
                {
                    for (media, m) in content.iter_mut() {
                        if media == "application/json"
                            && let Some(schema) = m.get_mut("schema")
                        {
                            text_refuses_control(schema);
                        }
                    }
                }
            }
        }
    }
    if let Some(schemas) = doc
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .and_then(Value::as_object_mut)
    {
        for name in &reached {
            if let Some(schema) = schemas.get_mut(name) {
                text_refuses_control(schema);
            }
        }
    }
}

/// The component schemas `schema` refers to, and theirs, into `reached`.
fn refs_in(schema: &Value, doc: &Value, reached: &mut std::collections::BTreeSet<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                if reached.insert(name.to_string()) {
                    refs_in(&doc["components"]["schemas"][name], doc, reached);
                }
                return;
            }
            for v in map.values() {
                refs_in(v, doc, reached);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, doc, reached)),
        _ => {}
    }
}

/// Add the no-control-character pattern to every text node of `schema` (not following
/// references) that states no pattern, format or list of values.
fn text_refuses_control(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let is_text = map.get("type").is_some_and(|t| {
                t == "string"
                    || t.as_array()
                        .is_some_and(|a| a.iter().any(|t| t == "string"))
            });
            let stated = ["pattern", "format", "enum", "const", "contentMediaType"]
                .iter()
                .any(|k| map.contains_key(*k));
            if is_text && !stated {
                map.insert(
                    "pattern".into(),
                    json!(sanbao_domain::text::NO_CONTROL_PATTERN),
                );
            }
            for (key, v) in map.iter_mut() {
                // Examples and defaults are values, not schemas.
                if key != "example" && key != "examples" && key != "default" {
                    text_refuses_control(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(text_refuses_control),
        _ => {}
    }
}

fn error_answer(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

/// Words for an answer documented without any, and the `Retry-After` header where the
/// server sends it.
fn describe(status: &str, answer: &mut Value) {
    let Some(answer) = answer.as_object_mut() else {
        return;
    };
    let said = answer
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| !d.is_empty());
    if !said {
        let words = match status {
            "200" => "Done.",
            "201" => "Created.",
            "204" => "Done; nothing to return.",
            "429" => "Too many failed attempts: try again after `Retry-After` seconds.",
            "503" => {
                "The server is checking as many passwords as it can: try again after `Retry-After` seconds."
            }
            other => COMMON
                .iter()
                .find(|c| c.status.to_string() == other)
                .map_or("", |c| c.description),
        };
        answer.insert("description".into(), json!(words));
    }
    if status == "429" || status == "503" {
        let headers = answer
            .entry("headers")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(h) = headers.as_object_mut() {
            h.insert(
                "Retry-After".into(),
                json!({"description": "Seconds to wait before trying again.",
                       "required": true,
                       "schema": {"type": "integer", "minimum": 1}}),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(signed_in: bool, path: bool, query: bool, body: Option<&str>, m: &str) -> Shape {
        Shape {
            signed_in,
            path,
            path_text: false,
            query,
            body: body.map(str::to_string),
            method: m.into(),
        }
    }

    #[test]
    fn each_shape_answers_what_its_parts_can() {
        let json = Some("application/json");
        let jpeg = Some("image/jpeg");
        let cases: &[(Shape, &[u16])] = &[
            // Signing in: public, a JSON body.
            (
                shape(false, false, false, json, "post"),
                &[400, 413, 415, 422],
            ),
            // A signed-in list without parameters.
            (shape(true, false, false, None, "get"), &[401, 403]),
            // A list with a search.
            (shape(true, false, true, None, "get"), &[401, 403, 422]),
            // One record by its id.
            (shape(true, true, false, None, "get"), &[401, 403, 404]),
            // A month's report: the month is text, checked.
            (
                Shape {
                    path_text: true,
                    ..shape(true, true, false, None, "get")
                },
                &[401, 403, 404, 422],
            ),
            // A change to one record.
            (
                shape(true, true, false, json, "put"),
                &[400, 401, 403, 404, 409, 413, 415, 422],
            ),
            // A photo: no JSON, so no malformed JSON.
            (
                shape(true, true, false, jpeg, "post"),
                &[401, 403, 404, 409, 413, 415, 422],
            ),
            // An action on a record without a body.
            (
                shape(true, true, false, None, "post"),
                &[401, 403, 404, 409],
            ),
        ];
        for (s, want) in cases {
            assert_eq!(common_statuses(s), *want, "{s:?}");
        }
    }

    #[test]
    fn the_shape_is_read_off_the_document() {
        let op = json!({
            "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}},
                           {"name": "q", "in": "query"}],
            "requestBody": {"content": {"application/json": {}}},
            "security": [{"bearer": []}]
        });
        assert_eq!(
            shape_of("put", &op),
            shape(true, true, true, Some("application/json"), "put")
        );
        assert_eq!(
            shape_of("get", &json!({})),
            shape(false, false, false, None, "get")
        );
    }

    #[test]
    fn text_in_request_bodies_refuses_control_characters_and_answers_are_left_alone() {
        let mut doc = json!({
            "paths": {"/a": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In"}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}}}
            }}},
            "components": {"schemas": {
                "In": {"type": "object", "properties": {
                    "name": {"type": "string"},
                    "note": {"type": ["string", "null"]},
                    "day": {"type": "string", "format": "date"},
                    "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}}
                }},
                "Line": {"type": "object", "properties": {"text": {"type": "string"}}},
                "Out": {"type": "object", "properties": {"name": {"type": "string"}}}
            }}
        });
        complete(&mut doc);
        let s = &doc["components"]["schemas"];
        let pattern = json!(sanbao_domain::text::NO_CONTROL_PATTERN);
        assert_eq!(s["In"]["properties"]["name"]["pattern"], pattern);
        assert_eq!(s["In"]["properties"]["note"]["pattern"], pattern);
        assert_eq!(s["Line"]["properties"]["text"]["pattern"], pattern);
        assert!(s["In"]["properties"]["day"].get("pattern").is_none());
        assert!(s["Out"]["properties"]["name"].get("pattern").is_none());
    }

    #[test]
    fn completing_adds_what_is_missing_and_keeps_what_is_said() {
        let mut doc = json!({"paths": {"/x/{id}": {"get": {
            "tags": ["x y"], "operationId": "get",
            "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}],
            "security": [{"bearer": []}],
            "responses": {"200": {"description": "The x."}, "429": {"description": ""}}
        }}}});
        complete(&mut doc);
        let op = &doc["paths"]["/x/{id}"]["get"];
        assert_eq!(op["operationId"], "x_y_get");
        let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
        assert_eq!(statuses, ["200", "401", "403", "404", "429"]);
        assert_eq!(op["responses"]["200"]["description"], "The x.");
        assert!(
            op["responses"]["404"]["description"]
                .as_str()
                .unwrap()
                .contains("No such")
        );
        assert_eq!(
            op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
        assert!(op["responses"]["429"]["headers"]["Retry-After"].is_object());
        // Nothing the operation did not have is added as a null.
        let mut doc = json!({"paths": {"/y": {"get": {"responses": {"200": {}}}}}});
        complete(&mut doc);
        assert_eq!(
            doc["paths"]["/y"]["get"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["responses"]
        );
    }
}
