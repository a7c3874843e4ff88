//! A tool's MCP definition as tools/list sends it, with its schemas kept as compact JSON
//! text. A parsed schema (an ordered map per object, a string per key and value) takes about
//! five times the memory of its text: with 10,000 tools the trees were most of the process
//! (docs/performance.md). They are parsed again when a list page or a validator needs them.
//! The input schema's text is kept LZ4-compressed: still the largest part of a catalogue of
//! 100,000 tools (1 KB a tool), it compresses to about half, and unpacks at gigabytes a
//! second, far below the cost of parsing it.

use std::sync::{Arc, OnceLock};

use rmcp::model::{JsonObject, Tool};
use serde::Deserialize;
use serde::de::IgnoredAny;

/// Cheap to clone: a served list and the tools it comes from share one copy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ListedTool(Arc<Parts>);

#[derive(Debug)]
struct Parts {
    /// Everything but the description and the schemas, whose places hold nothing and empty
    /// objects.
    tool: Tool,
    /// The description, then the input schema's compact JSON, packed together: the
    /// schema's property descriptions share its words, and 100,000 descriptions were
    /// 32 MB as plain strings.
    texts: SchemaText,
    /// The description's length in bytes at the start of `texts`; `None`: no description.
    description_len: Option<u32>,
    output_schema: Option<Box<str>>,
    /// The input schema parsed, kept once a call over HTTP needed it (a tool called once is
    /// likely called again; its validator is kept the same way).
    parsed_input: OnceLock<Arc<JsonObject>>,
}

/// The definitions, not what calls have parsed of them: a tool list is not changed by a call.
impl PartialEq for Parts {
    fn eq(&self, other: &Self) -> bool {
        self.tool == other.tool
            && self.texts == other.texts
            && self.description_len == other.description_len
            && self.output_schema == other.output_schema
    }
}

/// A description and an input schema packed as a listed tool keeps them: made apart from
/// the tool when the thread that parsed the schema should be the one to let it go
/// (`tool::prepare_input`).
#[derive(Debug)]
pub(crate) struct PackedTexts {
    texts: SchemaText,
    description_len: Option<u32>,
}

impl PackedTexts {
    pub(crate) fn new(description: Option<&str>, schema: &JsonObject) -> Self {
        let (texts, description_len) = pack(description, schema);
        Self {
            texts,
            description_len,
        }
    }
}

/// One empty object for every tool's place: a new one each was 100 bytes a tool.
pub(crate) fn empty_schema() -> Arc<JsonObject> {
    static EMPTY: std::sync::LazyLock<Arc<JsonObject>> = std::sync::LazyLock::new(Arc::default);
    EMPTY.clone()
}

impl ListedTool {
    #[cfg(test)]
    pub(crate) fn new(mut tool: Tool) -> Self {
        let description = tool.description.take();
        let packed = PackedTexts::new(description.as_deref(), &tool.input_schema);
        Self::with_packed(tool, packed)
    }

    /// `tool` listed with the description and input schema of `packed` (its own are
    /// replaced).
    pub(crate) fn with_packed(mut tool: Tool, packed: PackedTexts) -> Self {
        let output_schema = tool.output_schema.take().map(|s| compact(&s));
        tool.description = None;
        tool.input_schema = empty_schema();
        Self(Arc::new(Parts {
            tool,
            texts: packed.texts,
            description_len: packed.description_len,
            output_schema,
            parsed_input: OnceLock::new(),
        }))
    }

    /// The description and the input schema's text, unpacked.
    fn texts(&self) -> (Option<String>, std::borrow::Cow<'_, str>) {
        let texts = self.0.texts.text();
        let Some(len) = self.0.description_len else {
            return (None, texts);
        };
        // Packed from a description followed by the schema: the cut is a char boundary.
        let len = (len as usize).min(texts.len());
        match texts {
            std::borrow::Cow::Borrowed(all) => (
                Some(all[..len].to_owned()),
                std::borrow::Cow::Borrowed(&all[len..]),
            ),
            std::borrow::Cow::Owned(mut all) => {
                let schema = all.split_off(len);
                (Some(all), std::borrow::Cow::Owned(schema))
            }
        }
    }

    fn schema_text(&self) -> std::borrow::Cow<'_, str> {
        let texts = self.0.texts.text();
        let len = self
            .0
            .description_len
            .map_or(0, |l| l as usize)
            .min(texts.len());
        match texts {
            std::borrow::Cow::Borrowed(all) => std::borrow::Cow::Borrowed(&all[len..]),
            std::borrow::Cow::Owned(mut all) => {
                all.drain(..len);
                std::borrow::Cow::Owned(all)
            }
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.0.tool.name
    }

    pub(crate) fn title(&self) -> Option<&str> {
        self.0.tool.title.as_deref()
    }

    /// Unpacked at each call: for searching and summaries, not for a hot path.
    pub(crate) fn description(&self) -> Option<String> {
        self.texts().0
    }

    #[cfg(test)]
    pub(crate) fn annotations(&self) -> Option<&rmcp::model::ToolAnnotations> {
        self.0.tool.annotations.as_ref()
    }

    /// The input schema, parsed.
    pub(crate) fn input_schema(&self) -> JsonObject {
        parse(&self.schema_text())
    }

    /// The input schema parsed once and kept, for what each call reads (the HTTP transport
    /// checks `Mcp-Param-*` headers against it on every tools/call).
    pub(crate) fn input_schema_kept(&self) -> Arc<JsonObject> {
        self.0
            .parsed_input
            .get_or_init(|| Arc::new(self.input_schema()))
            .clone()
    }

    /// The description and the input schema's top-level property names (without building
    /// the schema), unpacked once: what a search reads of every tool.
    pub(crate) fn description_and_property_names(&self) -> (Option<String>, Vec<String>) {
        let (description, schema) = self.texts();
        (description, property_names_in(&schema))
    }

    /// The same tool listed with another input schema (a schema profile's rewrite).
    pub(crate) fn with_input_schema(&self, schema: &JsonObject) -> Self {
        let (texts, description_len) = pack(self.description().as_deref(), schema);
        Self(Arc::new(Parts {
            tool: self.0.tool.clone(),
            texts,
            description_len,
            output_schema: self.0.output_schema.clone(),
            parsed_input: OnceLock::new(),
        }))
    }

    /// The definition without its description, its input schema parsed once and kept: for
    /// per-call uses, which check arguments against the schemas (unpacking the description
    /// would cost every call).
    pub(crate) fn to_called_tool(&self) -> Tool {
        let mut tool = self.0.tool.clone();
        tool.input_schema = self.input_schema_kept();
        tool.output_schema = self.0.output_schema.as_deref().map(|s| Arc::new(parse(s)));
        tool
    }

    /// The definition as MCP sends it.
    pub(crate) fn to_tool(&self) -> Tool {
        let mut tool = self.0.tool.clone();
        let (description, schema) = self.texts();
        tool.description = description.map(Into::into);
        tool.input_schema = Arc::new(parse(&schema));
        tool.output_schema = self.0.output_schema.as_deref().map(|s| Arc::new(parse(s)));
        tool
    }
}

fn property_names_in(schema: &str) -> Vec<String> {
    #[derive(Deserialize)]
    struct Properties {
        #[serde(default)]
        properties: KeysInOrder,
    }
    serde_json::from_str::<Properties>(schema)
        .map(|p| p.properties.0)
        .unwrap_or_default()
}

/// An object's keys in the order written; the values are skipped unparsed.
#[derive(Default)]
struct KeysInOrder(Vec<String>);

impl<'de> Deserialize<'de> for KeysInOrder {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = KeysInOrder;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<KeysInOrder, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(KeysInOrder(keys))
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

/// The definitions of `tools`, in order; a long list is parsed on as many threads as there
/// are cores (tools/list of 10,000 tools parses about 12 MB of schemas).
pub(crate) fn to_tools(tools: &[&ListedTool]) -> Vec<Tool> {
    const PER_THREAD: usize = 500;
    let threads = if tools.len() < 2 * PER_THREAD {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    if threads < 2 {
        return tools.iter().map(|t| t.to_tool()).collect();
    }
    let chunk = tools.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = tools[chunk..]
            .chunks(chunk)
            .map(|c| scope.spawn(move || c.iter().map(|t| t.to_tool()).collect::<Vec<_>>()))
            .collect();
        let mut all: Vec<Tool> = tools[..chunk].iter().map(|t| t.to_tool()).collect();
        for part in parts {
            // A thread that panicked: its tools are parsed here instead.
            match part.join() {
                Ok(done) => all.extend(done),
                Err(_) => {
                    let from = all.len();
                    all.extend(
                        tools[from..(from + chunk).min(tools.len())]
                            .iter()
                            .map(|t| t.to_tool()),
                    );
                }
            }
        }
        all
    })
}

/// A schema's compact JSON text, compressed when that makes it smaller.
#[derive(Debug, PartialEq)]
enum SchemaText {
    Plain(Box<str>),
    /// LZ4 block, its size prepended. Equal texts pack to equal bytes: comparing packed
    /// texts compares the texts.
    Packed(Box<[u8]>),
}

impl SchemaText {
    fn pack(text: Box<str>) -> Self {
        let packed = lz4_flex::block::compress_prepend_size(text.as_bytes());
        if packed.len() < text.len() {
            Self::Packed(packed.into_boxed_slice())
        } else {
            Self::Plain(text)
        }
    }

    fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Plain(text) => std::borrow::Cow::Borrowed(text),
            // Packed here from a text: it unpacks, and to UTF-8.
            Self::Packed(packed) => std::borrow::Cow::Owned(
                lz4_flex::block::decompress_size_prepended(packed)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .unwrap_or_else(|| "{}".to_owned()),
            ),
        }
    }
}

/// A description (when there is one) and a schema's compact JSON, as one text.
fn pack(description: Option<&str>, schema: &JsonObject) -> (SchemaText, Option<u32>) {
    let schema = compact(schema);
    match description.and_then(|d| u32::try_from(d.len()).ok().map(|len| (d, len))) {
        Some((description, len)) => {
            let mut both = String::with_capacity(description.len() + schema.len());
            both.push_str(description);
            both.push_str(&schema);
            (SchemaText::pack(both.into_boxed_str()), Some(len))
        }
        None => (SchemaText::pack(schema), None),
    }
}

fn compact(schema: &JsonObject) -> Box<str> {
    // Serialising a map of JSON values cannot fail: its keys are strings.
    serde_json::to_string(schema)
        .unwrap_or_else(|_| "{}".to_owned())
        .into_boxed_str()
}

fn parse(text: &str) -> JsonObject {
    // The text was written by `compact` from a map: it parses back.
    serde_json::from_str(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_listed_tool_gives_back_the_definition_it_was_made_from() {
        let schema = json!({
            "type": "object",
            "properties": {"zeta": {"type": "string"}, "alpha": {"type": "integer", "minimum": 1}},
            "required": ["zeta"]
        });
        let output = json!({"type": "object", "properties": {"id": {"type": "string"}}});
        let tool = Tool::new(
            "t_get",
            "Gets one.",
            Arc::new(schema.as_object().cloned().unwrap_or_default()),
        )
        .with_title("Get")
        .with_raw_output_schema(Arc::new(output.as_object().cloned().unwrap_or_default()));
        let listed = ListedTool::new(tool.clone());
        assert_eq!(listed.to_tool(), tool);
        assert_eq!(listed.name(), "t_get");
        // Property order is the file's, not sorted.
        assert_eq!(listed.description_and_property_names().1, ["zeta", "alpha"]);
        let rewritten = listed.with_input_schema(&JsonObject::new());
        assert!(rewritten.to_tool().input_schema.is_empty());
        assert_ne!(rewritten, listed);
        assert_eq!(rewritten.to_tool().output_schema, tool.output_schema);

        // What a call parsed and kept changes nothing of the definition.
        let called = listed.clone();
        let mut undescribed = tool.clone();
        undescribed.description = None;
        assert_eq!(called.to_called_tool(), undescribed);
        assert_eq!(called.description().as_deref(), Some("Gets one."));
        assert!(Arc::ptr_eq(
            &called.input_schema_kept(),
            &called.input_schema_kept()
        ));
        assert_eq!(ListedTool::new(tool.clone()), called);
    }

    #[test]
    fn a_schema_that_compresses_is_kept_packed_and_given_back_as_written() {
        let properties: serde_json::Map<String, serde_json::Value> = (0..40)
            .map(|i| {
                (
                    format!("field{i}"),
                    json!({"type": "string", "format": "uuid", "description": format!("UUID of the item number {i}, from the list tool.")}),
                )
            })
            .collect();
        let schema = json!({"type": "object", "properties": properties, "required": ["field3"]});
        let tool = Tool::new(
            "t_big",
            "Big.",
            Arc::new(schema.as_object().cloned().unwrap_or_default()),
        );
        let listed = ListedTool::new(tool.clone());
        let SchemaText::Packed(packed) = &listed.0.texts else {
            panic!("a long, repetitive schema is kept packed");
        };
        assert!(packed.len() * 2 < compact(&tool.input_schema).len());
        assert_eq!(listed.to_tool(), tool);
        assert_eq!(listed.description_and_property_names().1.len(), 40);
        assert_eq!(listed.description_and_property_names().1[0], "field0");
        let (description, names) = listed.description_and_property_names();
        assert_eq!(description.as_deref(), Some("Big."));
        assert_eq!(names.len(), 40);
        // A schema too short to gain is kept as it is.
        let small = ListedTool::new(Tool::new("t_small", "Small.", Arc::new(JsonObject::new())));
        assert!(matches!(small.0.texts, SchemaText::Plain(_)));
        assert_eq!(small.description().as_deref(), Some("Small."));
        assert_eq!(small.input_schema(), JsonObject::new());
    }

    #[test]
    fn a_long_list_is_parsed_back_whole_and_in_order() {
        for count in [0, 3, 2_345] {
            let listed: Vec<ListedTool> = (0..count)
                .map(|i| {
                    let schema = json!({"type": "object", "properties": {format!("a{i}"): {"type": "string"}}});
                    ListedTool::new(Tool::new(
                        format!("t{i}"),
                        "One.",
                        Arc::new(schema.as_object().cloned().unwrap_or_default()),
                    ))
                })
                .collect();
            let tools = to_tools(&listed.iter().collect::<Vec<_>>());
            assert_eq!(tools.len(), count);
            for (i, tool) in tools.iter().enumerate() {
                assert_eq!(tool, &listed[i].to_tool());
                assert!(
                    tool.input_schema["properties"]
                        .get(format!("a{i}"))
                        .is_some()
                );
            }
        }
    }
}
