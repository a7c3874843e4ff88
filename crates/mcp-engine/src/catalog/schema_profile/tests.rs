//! The rewrite held to the rules: whatever a file says, the served schema passes them.

use super::*;
use serde_json::json;

fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "$defs": {"port": {"type": "integer", "minimum": 1}},
        "properties": {
            "id": {"type": "string", "format": "uuid", "description": "The id."},
            "kind": {"const": "classic"},
            "port": {"$ref": "#/$defs/port"},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "mode": {"type": "string", "enum": ["a", "b"]}
        },
        "required": ["id"],
        "additionalProperties": false
    })
}

#[test]
fn openai_strict_closes_requires_and_moves_format_into_the_description() {
    let out = rewrite(SchemaProfile::OpenAiStrict, &schema());
    assert_eq!(
        out["required"],
        json!(["id", "kind", "port", "tags", "mode"])
    );
    assert_eq!(out["additionalProperties"], false);
    assert_eq!(out["properties"]["id"]["type"], "string");
    assert_eq!(
        out["properties"]["id"]["description"],
        "The id. (format: uuid)"
    );
    assert_eq!(
        out["properties"]["port"]["type"],
        json!(["integer", "null"])
    );
    assert_eq!(out["properties"]["port"]["minimum"], 1);
    assert_eq!(out["properties"]["mode"]["enum"], json!(["a", "b", null]));
    assert!(out.get("$defs").is_none() && out.get("$schema").is_none());
    assert_eq!(
        out["properties"]["tags"]["items"]["description"],
        "(minLength: 1)"
    );
    assert!(!problems(SchemaProfile::OpenAiStrict, &schema()).is_empty());
    assert!(
        problems(SchemaProfile::OpenAiStrict, &out)
            .iter()
            .all(|(_, m)| !m.contains("additionalProperties") && !m.contains("required"))
    );
}

#[test]
fn gemini_gets_no_refs_consts_bounds_or_closed_objects() {
    let out = rewrite(SchemaProfile::Gemini, &schema());
    assert_eq!(out["properties"]["kind"]["enum"], json!(["classic"]));
    assert_eq!(out["properties"]["port"]["type"], "integer");
    assert!(out.get("additionalProperties").is_none());
    assert!(out.to_string().find("$ref").is_none());
    assert!(problems(SchemaProfile::Gemini, &out).is_empty(), "{out}");
    let found = problems(SchemaProfile::Gemini, &schema());
    for keyword in ["$defs", "$ref", "const", "format", "additionalProperties"] {
        assert!(
            found.iter().any(|(at, _)| at.ends_with(keyword)),
            "{keyword}: {found:?}"
        );
    }
}

#[test]
fn strict_nulls_are_absent_fields() {
    let mut args = json!({"id": "x", "port": null, "nested": {"a": null, "b": 1}});
    without_nulls(&mut args, &serde_json::Map::new());
    assert_eq!(args, json!({"id": "x", "nested": {"b": 1}}));
    // A null for a property the schema requires can only mean null: it stays, at any depth.
    let schema = json!({"type": "object", "$defs": {"n": {"type": "object",
        "properties": {"v": {"type": ["string", "null"]}, "w": {"type": "string"}}, "required": ["v"]}},
        "properties": {"clear": {"type": ["string", "null"]}, "port": {"type": "integer"},
            "nested": {"$ref": "#/$defs/n"}, "list": {"type": "array", "items": {"$ref": "#/$defs/n"}}},
        "required": ["clear"]});
    let mut args = json!({"clear": null, "port": null, "nested": {"v": null, "w": null},
        "list": [{"v": null, "w": null}]});
    let Value::Object(schema) = schema else {
        unreachable!()
    };
    without_nulls(&mut args, &schema);
    assert_eq!(
        args,
        json!({"clear": null, "nested": {"v": null}, "list": [{"v": null}]})
    );
}

const PROFILES: [SchemaProfile; 2] = [SchemaProfile::OpenAiStrict, SchemaProfile::Gemini];

fn assert_served_passes(schema: &Value) {
    for profile in PROFILES {
        let served = rewrite(profile, schema);
        let left = problems(profile, &served);
        assert!(
            left.is_empty(),
            "{}: {left:?}\nfrom {schema}\nserved {served}",
            profile.name()
        );
        assert_eq!(served["type"], "object", "{served}");
    }
}

/// Shapes that the providers' endpoints answered with a 400, one per rule.
#[test]
fn every_shape_an_endpoint_refused_is_served_in_a_form_it_takes() {
    let cases = [
        // Gemini: one type, not a list; no `null` type.
        json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}, "b": {"type": ["integer", "string"]}, "c": {"type": "null"}}}),
        // Gemini: `enum` on strings only.
        json!({"type": "object", "properties": {"level": {"type": "integer", "enum": [1, 2, 4]}, "flag": {"enum": [true, false]}, "mixed": {"enum": ["a", 1]}, "n": {"const": 3}}}),
        // Gemini: no empty `properties`, none on a non-object, `required` only of properties.
        json!({"type": "object", "properties": {"e": {"type": "object", "properties": {}}, "s": {"type": "string", "properties": {"x": {"type": "string"}}, "required": ["x"]}, "o": {"type": "object", "required": ["missing"]}}, "required": ["e", "ghost"]}),
        // A tool without arguments.
        json!({"type": "object", "properties": {}}),
        json!({"type": "object"}),
        // Schemas without a type; properties without `type: object`.
        json!({"type": "object", "properties": {"any": {}, "described": {"description": "anything"}, "implicit": {"properties": {"x": {"type": "string"}}, "required": ["x"]}}}),
        // Arrays without items, with a list of items, with boolean items.
        json!({"type": "object", "properties": {"a": {"type": "array"}, "t": {"type": "array", "items": [{"type": "string"}]}, "b": {"type": "array", "items": true}}}),
        // Boolean schemas.
        json!({"type": "object", "properties": {"yes": true, "no": false}, "required": ["no"]}),
        // Unions: nested objects inside them, references inside them, a nullable union.
        json!({"type": "object", "properties": {
            "u": {"anyOf": [{"type": "object", "properties": {"x": {"type": "string", "format": "uuid"}}}, {"$ref": "#/$defs/port"}]},
            "o": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "n": {"anyOf": [{"type": "string"}, {"type": "null"}]}
        }, "$defs": {"port": {"type": "integer", "exclusiveMinimum": 0}}}),
        // allOf of objects and of a reference.
        json!({"type": "object", "properties": {"m": {"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"$ref": "#/$defs/more"}
        ]}}, "$defs": {"more": {"properties": {"b": {"type": "integer"}}, "required": ["b"]}}}),
        // A reference that names itself, and one that names nothing.
        json!({"type": "object", "properties": {"tree": {"$ref": "#/$defs/node"}, "lost": {"$ref": "#/$defs/nowhere"}},
            "$defs": {"node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/node"}}}}}),
        // Conditionals, negation, open maps, keywords of other drafts.
        json!({"type": "object", "properties": {
            "c": {"type": "string", "if": {"minLength": 2}, "then": {"pattern": "^a"}, "else": {"maxLength": 1}},
            "not": {"not": {"type": "string"}},
            "map": {"type": "object", "additionalProperties": {"type": "string"}},
            "d": {"type": "string", "dependentRequired": {}, "examples": ["x"], "deprecated": true, "readOnly": true, "nullable": true}
        }}),
        // The root itself in odd forms.
        json!({"properties": {"a": {"type": "string"}}}),
        json!({"type": ["object", "null"], "properties": {"a": {"type": "string"}}}),
        json!({"type": "object", "allOf": [{"properties": {"a": {"type": "string"}}}], "anyOf": [{"required": ["a"]}]}),
    ];
    for case in &cases {
        assert_served_passes(case);
    }
}

#[test]
fn a_forced_choice_takes_what_the_schema_as_written_accepts() {
    let schema = json!({"type": "object", "properties": {
        "b": {"type": ["integer", "string"], "description": "Size."},
        "level": {"type": "integer", "enum": [1, 2, 4]},
        "any": {}
    }});
    let gemini = rewrite(SchemaProfile::Gemini, &schema);
    let props = &gemini["properties"];
    assert_eq!(props["b"]["type"], "integer");
    assert_eq!(props["b"]["description"], "Size. (type: integer or string)");
    assert_eq!(props["level"]["type"], "integer");
    assert!(props["level"].get("enum").is_none());
    assert_eq!(props["level"]["description"], "(enum: [1,2,4])");
    assert_eq!(props["any"]["type"], "string");
    let strict = rewrite(SchemaProfile::OpenAiStrict, &schema);
    assert_eq!(
        strict["properties"]["level"]["enum"],
        json!([1, 2, 4, null])
    );
    assert_eq!(
        strict["properties"]["any"]["anyOf"],
        json!([{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}])
    );
}

/// A small generator of schemas (no dependency): every keyword either dialect names, in
/// random places and combinations, nested a few levels.
struct Schemas(u64);

impl Schemas {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn schema(&mut self, depth: u32) -> Value {
        if self.pick(12) == 0 {
            return Value::Bool(self.pick(2) == 0);
        }
        let mut map = serde_json::Map::new();
        let types = [
            "string", "number", "integer", "boolean", "array", "object", "null",
        ];
        for _ in 0..self.pick(5) {
            let (k, v) = match self.pick(24) {
                0 | 1 => ("type", json!(types[self.pick(7) as usize])),
                2 => (
                    "type",
                    json!([types[self.pick(7) as usize], types[self.pick(7) as usize]]),
                ),
                3 => (
                    "enum",
                    [
                        json!(["a", "b"]),
                        json!([1, 2]),
                        json!(["a", 1, null]),
                        json!([true]),
                    ][self.pick(4) as usize]
                        .clone(),
                ),
                4 => (
                    "const",
                    [json!("x"), json!(3), json!(false)][self.pick(3) as usize].clone(),
                ),
                5 | 6 if depth > 0 => {
                    let mut props = serde_json::Map::new();
                    for i in 0..self.pick(4) {
                        props.insert(format!("p{i}"), self.schema(depth - 1));
                    }
                    ("properties", Value::Object(props))
                }
                7 => (
                    "required",
                    [json!(["p0"]), json!(["p1", "ghost"]), json!([])][self.pick(3) as usize]
                        .clone(),
                ),
                8 if depth > 0 => ("items", self.schema(depth - 1)),
                9..=11 if depth > 0 => {
                    let branches: Vec<Value> = (0..1 + self.pick(3))
                        .map(|_| self.schema(depth - 1))
                        .collect();
                    (
                        ["anyOf", "oneOf", "allOf"][self.pick(3) as usize],
                        Value::Array(branches),
                    )
                }
                12 => (
                    "$ref",
                    [
                        json!("#/$defs/a"),
                        json!("#/$defs/b"),
                        json!("#/$defs/none"),
                    ][self.pick(3) as usize]
                        .clone(),
                ),
                13 => ("format", json!("uuid")),
                14 => ("minLength", json!(1)),
                15 => ("default", json!("d")),
                16 if depth > 0 => ("not", self.schema(depth - 1)),
                17 => (
                    "additionalProperties",
                    [json!(false), json!(true), json!({"type": "string"})][self.pick(3) as usize]
                        .clone(),
                ),
                18 => ("nullable", json!(true)),
                19 => ("description", json!("About it.")),
                20 => ("exclusiveMinimum", json!(0)),
                21 => ("minimum", json!(0)),
                22 => ("pattern", json!("^a")),
                _ => ("title", json!("T")),
            };
            map.insert(k.to_owned(), v);
        }
        Value::Object(map)
    }
}

#[test]
fn any_generated_schema_is_served_in_a_form_each_dialect_takes() {
    let mut schemas = Schemas(0x9E37_79B9_7F4A_7C15);
    let mut refused = [0; 2];
    for _ in 0..3_000 {
        let mut root = serde_json::Map::new();
        root.insert("type".to_owned(), json!("object"));
        let mut props = serde_json::Map::new();
        for i in 0..schemas.pick(4) {
            props.insert(format!("p{i}"), schemas.schema(3));
        }
        root.insert("properties".to_owned(), Value::Object(props));
        root.insert(
            "$defs".to_owned(),
            json!({"a": schemas.schema(2), "b": {"type": "object", "properties": {"self": {"$ref": "#/$defs/b"}}}}),
        );
        if schemas.pick(3) == 0 {
            root.insert("required".to_owned(), json!(["p0", "ghost"]));
        }
        let root = Value::Object(root);
        for (i, profile) in PROFILES.into_iter().enumerate() {
            refused[i] += usize::from(!problems(profile, &root).is_empty());
        }
        assert_served_passes(&root);
    }
    // The generator makes schemas the dialects refuse, or this test proves nothing.
    assert!(refused.iter().all(|n| *n > 2_500), "{refused:?}");
}
