//! The document's text into JSON, whatever it was written as.

use serde_json::Value;

use crate::spec::SpecError;

/// JSON, YAML, or a `swagger-ui-init.js` with the document inside.
pub(crate) fn parse(text: &str) -> Result<Value, SpecError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).map_err(|e| SpecError::Json(e.to_string()));
    }
    if let Some(embedded) = swagger_ui_init(text) {
        return embedded;
    }
    let value: Value = serde_yaml::from_str(trimmed).map_err(|e| SpecError::Yaml(e.to_string()))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(SpecError::NotADocument)
    }
}

/// NestJS's `swagger-ui-init.js` holds `"swaggerDoc": { ... }` inside an options object: the
/// document is the JSON value that follows the key.
fn swagger_ui_init(text: &str) -> Option<Result<Value, SpecError>> {
    let key = text.find("\"swaggerDoc\"")?;
    let rest = &text[key + "\"swaggerDoc\"".len()..];
    let colon = rest.find(':')?;
    let value = rest[colon + 1..].trim_start();
    let mut stream = serde_json::Deserializer::from_str(value).into_iter::<Value>();
    Some(match stream.next() {
        Some(Ok(doc)) if doc.is_object() => Ok(doc),
        Some(Ok(_)) | None => Err(SpecError::NotADocument),
        Some(Err(e)) => Err(SpecError::Json(format!(
            "the swaggerDoc of swagger-ui-init.js: {e}"
        ))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_yaml_and_swagger_ui_init() {
        assert_eq!(
            parse("{\"openapi\": \"3.0.0\"}").unwrap()["openapi"],
            "3.0.0"
        );
        assert_eq!(
            parse("openapi: 3.1.0\npaths: {}\n").unwrap()["openapi"],
            "3.1.0"
        );
        let js = "window.onload = function() {\n  let options = {\n  \"swaggerDoc\": {\"openapi\": \"3.0.0\", \"paths\": {\"/a\": {}}},\n  \"customOptions\": {}\n};\n";
        assert_eq!(parse(js).unwrap()["paths"]["/a"], serde_json::json!({}));
        assert!(parse("just words").is_err());
    }
}
