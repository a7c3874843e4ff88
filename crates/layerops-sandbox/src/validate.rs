//! Body validation in the style of the API (class-validator messages, all at once).

use serde_json::{Map, Value};

use super::errors::ApiError;

/// Every field of a service definition the API is known to accept.
pub const SERVICE_FIELDS: &[&str] = &[
    "id",
    "name",
    "type",
    "dockerConfiguration",
    "countMin",
    "countMax",
    "ports",
    "environmentVariables",
    "sharedEnvironmentVariables",
    "volumes",
    "links",
    "constraints",
    "cpuLimit",
    "memoryLimitMiB",
    "cpuLimitHigh",
    "cpuLimitLow",
    "cpuDurationMinutes",
    "cpuWindowMinutes",
    "memoryLimitHigh",
    "memoryLimitLow",
    "memoryDurationMinutes",
    "memoryWindowMinutes",
    "cooldownMinutes",
    "sideTasks",
    "runningSchedule",
    "scalingSchedule",
    "files",
    "cronExpression",
    "cronAllowOverlap",
    "databaseBackups",
    "isPaused",
    "useNvidiaGpu",
];

/// Joins the messages of several errors into one 400.
pub fn merge(errors: Vec<ApiError>) -> ApiError {
    let mut messages = Vec::new();
    for e in errors {
        match e.message {
            Value::Array(items) => messages.extend(
                items
                    .into_iter()
                    .map(|m| m.as_str().unwrap_or_default().to_owned()),
            ),
            Value::String(s) => messages.push(s),
            other => messages.push(other.to_string()),
        }
    }
    ApiError::bad_request(messages)
}

pub fn only_fields(body: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    let unknown: Vec<String> = body
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(ApiError::bad_request(unknown))
    }
}

/// No source gives a length limit for names; this one only keeps the demo's memory bounded.
const NAME_MAX: usize = 1024;

/// A name: not empty, no control characters. No source gives the API's own rules.
pub fn required_name(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    let max = NAME_MAX;
    match body.get(field) {
        Some(Value::String(s))
            if !s.trim().is_empty()
                && s.chars().count() <= max
                && !s.chars().any(char::is_control) =>
        {
            Ok(s.trim().to_owned())
        }
        Some(Value::String(s)) if s.trim().is_empty() => Err(ApiError::bad_request(vec![format!(
            "{field} should not be empty"
        )])),
        Some(Value::String(_)) => Err(ApiError::bad_request(vec![format!(
            "{field} must be shorter than or equal to {max} characters and hold no control characters"
        )])),
        None | Some(Value::Null) => Err(ApiError::bad_request(vec![
            format!("{field} should not be empty"),
            format!("{field} must be a string"),
        ])),
        Some(_) => Err(ApiError::bad_request(vec![format!(
            "{field} must be a string"
        )])),
    }
}

pub fn strings(body: &Map<String, Value>, field: &str) -> Result<Vec<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()),
        Some(_) => Err(ApiError::bad_request(vec![format!(
            "each value in {field} must be a string"
        )])),
    }
}

/// A count: no source gives an upper bound, so only "a whole number, not negative" is checked.
fn count(body: &Map<String, Value>, field: &str, errors: &mut Vec<String>) -> Option<u32> {
    match body.get(field) {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                errors.push(format!("{field} must be a non-negative integer"));
                None
            }
        },
    }
}

/// `countMin` and `countMax`, defaulting to `current` (or 1..1), with min <= max.
pub fn bounds(
    body: &Map<String, Value>,
    current: Option<(u32, u32)>,
) -> Result<(u32, u32), ApiError> {
    let mut errors = Vec::new();
    let (cur_min, cur_max) = current.unwrap_or((1, 1));
    let min = count(body, "countMin", &mut errors);
    let max = count(body, "countMax", &mut errors);
    let min = min.unwrap_or(if current.is_none() {
        max.map(|m| m.min(1)).unwrap_or(1)
    } else {
        cur_min
    });
    let max = max.unwrap_or(if current.is_none() {
        min.max(1)
    } else {
        cur_max.max(min)
    });
    if errors.is_empty() && min > max {
        errors.push(format!(
            "countMin ({min}) must not be greater than countMax ({max})"
        ));
    }
    if errors.is_empty() {
        Ok((min, max))
    } else {
        Err(ApiError::bad_request(errors))
    }
}

/// Validates a service definition; with `current`, the body updates it (fields given replace
/// the current ones). Returns the resulting definition.
pub fn service(
    body: &Map<String, Value>,
    current: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, ApiError> {
    only_fields(body, SERVICE_FIELDS)?;
    let mut def = current.cloned().unwrap_or_default();
    for (k, v) in body {
        if k != "id" {
            def.insert(k.clone(), v.clone());
        }
    }
    let mut errors = Vec::new();
    match def.get("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => {}
        Some(Value::String(_)) => errors.push("name should not be empty".to_owned()),
        _ => errors.push("name must be a string".to_owned()),
    }
    match def.get("dockerConfiguration") {
        Some(Value::Object(d)) => {
            if !matches!(d.get("image"), Some(Value::String(i)) if !i.trim().is_empty()) {
                errors.push("dockerConfiguration.image should not be empty".to_owned());
            }
            if !matches!(
                d.get("imageVersion"),
                None | Some(Value::Null) | Some(Value::String(_))
            ) {
                errors.push("dockerConfiguration.imageVersion must be a string".to_owned());
            }
            if d.get("isPrivateRegistry").and_then(Value::as_bool) == Some(true)
                && !matches!(d.get("secretUuid"), Some(Value::String(s)) if super::ids::is_uuid(s))
            {
                errors.push(
                    "dockerConfiguration.secretUuid must be a UUID when isPrivateRegistry is true"
                        .to_owned(),
                );
            }
        }
        _ => errors.push("dockerConfiguration must be an object with at least an image".to_owned()),
    }
    let min = count(&def, "countMin", &mut errors);
    let max = count(&def, "countMax", &mut errors);
    if let (Some(min), Some(max)) = (min, max)
        && min > max
    {
        errors.push(format!(
            "countMin ({min}) must not be greater than countMax ({max})"
        ));
    }
    for field in ["cpuLimit", "memoryLimitMiB", "cooldownMinutes"] {
        if let Some(v) = def.get(field)
            && !v.is_null()
            && v.as_f64().is_none_or(|n| n < 0.0)
        {
            errors.push(format!("{field} must be a number not less than 0"));
        }
    }
    if let Some(ports) = def.get("ports") {
        match ports.as_array() {
            None => errors.push("ports must be an array".to_owned()),
            Some(ports) => {
                for (i, port) in ports.iter().enumerate() {
                    if !port
                        .get("listeningPort")
                        .and_then(Value::as_u64)
                        .is_some_and(|p| (1..=65535).contains(&p))
                    {
                        errors.push(format!(
                            "ports.{i}.listeningPort must be an integer between 1 and 65535"
                        ));
                    }
                    if !matches!(port.get("protocol"), None | Some(Value::Null))
                        && !matches!(
                            port.get("protocol").and_then(Value::as_str),
                            Some("tcp" | "udp")
                        )
                    {
                        errors.push(format!(
                            "ports.{i}.protocol must be one of the following values: tcp, udp"
                        ));
                    }
                    for (j, rule) in port
                        .get("loadBalancerRules")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        if !rule
                            .get("publicPort")
                            .and_then(Value::as_u64)
                            .is_some_and(|p| (1..=65535).contains(&p))
                        {
                            errors.push(format!("ports.{i}.loadBalancerRules.{j}.publicPort must be an integer between 1 and 65535"));
                        }
                    }
                }
            }
        }
    }
    if let Some(vars) = def.get("environmentVariables") {
        match vars.as_array() {
            None => errors.push("environmentVariables must be an array".to_owned()),
            Some(vars) => {
                for (i, var) in vars.iter().enumerate() {
                    if !matches!(var.get("key"), Some(Value::String(k)) if !k.is_empty()) {
                        errors.push(format!("environmentVariables.{i}.key should not be empty"));
                    }
                    if !matches!(var.get("value"), Some(Value::String(_))) {
                        errors.push(format!("environmentVariables.{i}.value must be a string"));
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(def)
    } else {
        Err(ApiError::bad_request(errors))
    }
}

/// A request body: a JSON object, or a 400 that says what is wrong.
pub fn object_body(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request_one(
            "The request body must be a JSON object",
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request_one(
            "The request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::bad_request_one(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn service_errors_are_listed_together() {
        let err = service(
            &obj(
                json!({"name": "", "countMin": 3, "countMax": 1, "ports": [{"listeningPort": 0}]}),
            ),
            None,
        )
        .unwrap_err();
        let messages = err.message.as_array().unwrap().len();
        assert_eq!(messages, 4, "{:?}", err.message);
        // No source limits names, counts or makes cpuLimit an integer: none is refused.
        assert!(
            service(
                &obj(json!({"name": "Web Server.v2", "countMin": 150, "countMax": 500, "cpuLimit": 12.5, "dockerConfiguration": {"image": "nginx"}})),
                None
            )
            .is_ok()
        );
        assert!(
            service(
                &obj(json!({"name": "web", "dockerConfiguration": {"image": "nginx"}})),
                None
            )
            .is_ok()
        );
        assert!(only_fields(&obj(json!({"nme": 1})), &["name"]).is_err());
    }

    #[test]
    fn bounds_default_and_check() {
        assert_eq!(bounds(&obj(json!({})), None).unwrap(), (1, 1));
        assert_eq!(
            bounds(&obj(json!({"countMax": 4})), Some((2, 3))).unwrap(),
            (2, 4)
        );
        assert!(bounds(&obj(json!({"countMin": 5})), Some((2, 3))).is_ok());
        assert!(bounds(&obj(json!({"countMin": 5, "countMax": 2})), None).is_err());
        assert!(bounds(&obj(json!({"countMin": -1})), None).is_err());
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(object_body(b"").is_err());
        assert!(object_body(b"[1]").is_err());
        assert!(object_body(b"{").is_err());
        assert!(object_body(b"{\"a\":1}").is_ok());
    }
}
