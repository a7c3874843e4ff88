//! Turns an upstream answer into a tool result the model can use.

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Map, Value};

use super::pretty::{compact_json, pretty_json};
use super::shape_stream::{note, shape_within};
use super::{dry_run_json, error_text};
use crate::catalog::tool::Shaping;
use crate::catalog::{ToolEntry, Upstream};
use crate::request::RenderedRequest;
use crate::request::Templates;
use crate::request::template::{Template, to_jinja};
use crate::text::truncate;
use crate::upstream::UpstreamResponse;

/// The longest API error message passed on to the model.
const MAX_ERROR_MESSAGE: usize = 2_000;

pub(super) fn dry_run(
    upstream: &Upstream,
    request: &RenderedRequest,
    secrets: &super::audit::CallSecrets,
) -> CallToolResult {
    let mut headers: Vec<(String, String)> = upstream
        .headers
        .iter()
        .map(|h| (h.name.clone(), h.shown.clone()))
        .collect();
    for (name, value) in &request.headers {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.clone(), value.clone()));
    }
    if request.body.is_some() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    let json = dry_run_json(
        request.method.as_str(),
        request.url.as_str(),
        headers,
        request.body.as_ref(),
    );
    let text = serde_json::to_string_pretty(&json).unwrap_or_default();
    CallToolResult::success(vec![ContentBlock::text(secrets.scrub(upstream, &text))])
}

/// `METHOD /path` for messages, with a long path cut: an argument may be long, and the
/// message must stay readable.
pub(super) fn request_shown(request: &RenderedRequest) -> String {
    format!(
        "{} {}",
        request.method.as_str(),
        truncate(request.url.path(), 200)
    )
}

pub(super) fn shape(
    entry: &ToolEntry,
    upstream: &Upstream,
    request: &RenderedRequest,
    response: UpstreamResponse,
    templates: &Templates,
    args: &Map<String, Value>,
    pretty: bool,
) -> CallToolResult {
    let status = response.status;
    let what = request_shown(request);
    if !status.is_success() {
        return error_text(upstream.scrub(&api_error(&what, &response)));
    }
    let plain = entry.select.is_none() && entry.find.is_empty() && !entry.structured;
    // A tree cannot be built from the beginning of an answer.
    if response.truncated && !plain {
        return CallToolResult::success(vec![ContentBlock::text(raw_text(
            &response.body,
            true,
            upstream,
            &what,
        ))]);
    }
    if !response.truncated && response.body.iter().all(u8::is_ascii_whitespace) {
        return CallToolResult::success(vec![ContentBlock::text(format!(
            "Done: {what} answered HTTP {status} with no content."
        ))]);
    }
    let looks_json = response
        .content_type
        .as_deref()
        .is_none_or(|t| t.contains("json"))
        || matches!(
            response.body.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[')
        );
    // Nothing to pick or keep from the answer: lay it out without building a tree.
    if looks_json
        && plain
        && !response.truncated
        && entry.shaping().is_empty()
        && let Some(text) = if pretty {
            pretty_json(&response.body)
        } else {
            compact_json(&response.body)
        }
    {
        // Indenting may multiply a deeply nested answer: past the limit, it goes as sent.
        let text = if text.len() > upstream.max_response_bytes {
            String::from_utf8_lossy(&response.body).into_owned()
        } else {
            text
        };
        return CallToolResult::success(vec![ContentBlock::text(upstream.scrub_json(text))]);
    }
    // Shaped: written as it is read, without a tree; indented from that text on request,
    // unless indenting takes it past the limit (as below). A list read in part keeps its
    // whole items, with a note.
    if looks_json
        && plain
        && let Some((compact, note)) = shape_within(
            &response.body,
            entry.shaping(),
            upstream.max_response_bytes,
            response.truncated,
        )
    {
        let text = if pretty {
            pretty_json(compact.as_bytes())
                .filter(|text| text.len() <= upstream.max_response_bytes)
                .unwrap_or(compact)
        } else {
            compact
        };
        let mut text = within_limit(text, upstream, &what);
        if let Some(note) = note {
            text.push_str(&note);
        }
        return CallToolResult::success(vec![ContentBlock::text(text)]);
    }
    if response.truncated {
        return CallToolResult::success(vec![ContentBlock::text(raw_text(
            &response.body,
            true,
            upstream,
            &what,
        ))]);
    }
    let parsed = if looks_json {
        serde_json::from_slice::<Value>(&response.body).ok()
    } else {
        None
    };
    let Some(mut value) = parsed else {
        return CallToolResult::success(vec![ContentBlock::text(raw_text(
            &response.body,
            false,
            upstream,
            &what,
        ))]);
    };
    if let Some(pointer) = &entry.select {
        match value.pointer_mut(pointer) {
            Some(selected) => value = selected.take(),
            None => {
                let whole = serde_json::to_string(&value).unwrap_or_default();
                return error_text(upstream.scrub(&format!("The answer of {what} has nothing at {pointer} (response.select of {}); the API may have changed. The whole answer: {}", entry.file, truncate(&whole, MAX_ERROR_MESSAGE))));
            }
        }
    }
    if !entry.find.is_empty() {
        match find(&entry.find, value, templates, args) {
            Ok(found) => value = found,
            Err(message) => {
                return error_text(upstream.scrub(&format!("{message} in the answer of {what}.")));
            }
        }
    }
    let shaping = entry.shaping();
    let past_max = shaped(&mut value, shaping);
    // Measured item by item only when it may not fit: a value taken from an answer of half
    // the limit or less is written in less than the limit.
    let past_limit = (response.body.len() > upstream.max_response_bytes / 2)
        .then(|| fit_list(&mut value, upstream.max_response_bytes))
        .flatten();
    let note = match (past_max, past_limit) {
        (more, Some(past_limit)) => Some(note(
            shaping,
            &format!(
                "{} more not shown (answers are held to {} bytes)",
                more.unwrap_or(0) + past_limit,
                upstream.max_response_bytes
            ),
        )),
        (Some(more), None) => Some(note(shaping, &format!("{more} more not shown"))),
        (None, None) => None,
    };
    let laid_out = if pretty {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    };
    let mut text = bounded(laid_out.unwrap_or_default(), &value, upstream, &what);
    if let Some(note) = note {
        text.push_str(&note);
    }
    if entry.structured && value.is_object() {
        let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
        result.structured_content = Some(value);
        return result;
    }
    CallToolResult::success(vec![ContentBlock::text(text)])
}

/// The answer as sent, held to the limit: a tool that shapes its answers reads more of one
/// than it may show (`ToolEntry::read_limit`), and one that is not JSON is shown as it is.
/// `cut`: the read already stopped at its limit.
fn raw_text(body: &[u8], cut: bool, upstream: &Upstream, what: &str) -> String {
    let limit = upstream.max_response_bytes;
    if !cut && body.len() <= limit {
        return upstream.scrub(&String::from_utf8_lossy(body));
    }
    cut_at_limit(
        &String::from_utf8_lossy(&body[..body.len().min(limit)]),
        upstream,
        what,
    )
}

/// The beginning of `text` up to the limit, with the note that says so. Scrubbed as cut: a
/// secret cut in two loses the part that is shown too.
fn cut_at_limit(text: &str, upstream: &Upstream, what: &str) -> String {
    let limit = upstream.max_response_bytes;
    let cut = upstream.scrub_cut(truncate(text, limit).trim_end_matches('…').to_owned());
    format!(
        "{cut}\n\n[Cut: the answer of {what} is longer than the limit of {limit} bytes, and only its beginning is shown. Ask for less if the tool has filters, or raise max_response_bytes (--max-response-bytes).]"
    )
}

/// A list whose compact text passes `limit` keeps the items that fit (at least one, which
/// the cut then shows the beginning of); how many were left out.
fn fit_list(value: &mut Value, limit: usize) -> Option<usize> {
    let items = value.as_array_mut()?;
    let mut used = 2;
    let mut fit = 0;
    for item in items.iter() {
        let len = serde_json::to_string(item).map_or(0, |t| t.len()) + usize::from(fit > 0);
        if fit > 0 && used + len > limit {
            break;
        }
        used += len;
        fit += 1;
    }
    let more = items.len() - fit;
    items.truncate(fit);
    (more > 0).then_some(more)
}

/// Applies `response.keep`, `drop`, `drop_nulls` and `max_items`; the note to add when
/// items were left out.
#[cfg(any(test, feature = "fuzzing"))]
pub(super) fn shape_value(value: &mut Value, shaping: &Shaping) -> Option<String> {
    shaped(value, shaping).map(|more| note(shaping, &format!("{more} more not shown")))
}

/// [`shape_value`]: how many items `max_items` left out.
fn shaped(value: &mut Value, shaping: &Shaping) -> Option<usize> {
    if !shaping.keep.is_empty() {
        keep_fields(value, &shaping.keep);
    }
    if !shaping.drop.is_empty() {
        drop_fields(value, &shaping.drop);
    }
    if shaping.drop_nulls {
        drop_nulls(value);
    }
    let max = shaping.max_items?;
    let items = value.as_array_mut()?;
    if items.len() <= max {
        return None;
    }
    let more = items.len() - max;
    items.truncate(max);
    Some(more)
}

fn drop_fields(value: &mut Value, names: &[String]) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !names.iter().any(|n| n == k));
            map.values_mut().for_each(|v| drop_fields(v, names));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| drop_fields(v, names)),
        _ => {}
    }
}

/// Keeps only `names` in each item of a list, or in the object itself.
fn keep_fields(value: &mut Value, names: &[String]) {
    let keep = |map: &mut Map<String, Value>| map.retain(|k, _| names.iter().any(|n| n == k));
    match value {
        Value::Object(map) => keep(map),
        Value::Array(items) => items.iter_mut().for_each(|item| {
            if let Value::Object(map) = item {
                keep(map);
            }
        }),
        _ => {}
    }
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// The answer as text within the response limit: indented when that fits, else compact,
/// else cut with a note. Scrubbed before it is cut.
fn bounded(pretty: String, value: &Value, upstream: &Upstream, what: &str) -> String {
    let limit = upstream.max_response_bytes;
    let text = if pretty.len() > limit {
        serde_json::to_string(value).unwrap_or_default()
    } else {
        pretty
    };
    within_limit(text, upstream, what)
}

/// JSON text written by serde_json, scrubbed, then cut with a note past the limit.
fn within_limit(text: String, upstream: &Upstream, what: &str) -> String {
    let limit = upstream.max_response_bytes;
    let text = upstream.scrub_owned(text);
    if text.len() <= limit {
        return text;
    }
    cut_at_limit(&text, upstream, what)
}

/// The first item of `list` whose fields equal the rendered `wanted` values.
fn find(
    wanted: &[(String, Template)],
    list: Value,
    templates: &Templates,
    args: &Map<String, Value>,
) -> Result<Value, String> {
    let ctx = || to_jinja(args);
    let mut expected = Vec::with_capacity(wanted.len());
    for (key, template) in wanted {
        let value = templates
            .render(template, args, &ctx)
            .map_err(|e| format!("response.find.{key} failed: {}", e.0))?;
        expected.push((key.as_str(), value.unwrap_or(Value::Null)));
    }
    let description = expected
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let Value::Array(items) = list else {
        return Err(format!("Expected a list to find {description}, found none"));
    };
    let count = items.len();
    items
        .into_iter()
        .find(|item| expected.iter().all(|(k, v)| item.get(*k) == Some(v)))
        .ok_or_else(|| {
            format!("Not found: no item has {description} among the {count} listed; check the id")
        })
}

/// "The API answered HTTP 404 Not Found to GET /v1/x: <its messages>" plus what to do.
fn api_error(what: &str, response: &UpstreamResponse) -> String {
    let status = response.status;
    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
    let mut messages: Vec<String> = Vec::new();
    if let Some(body) = &body {
        match body.get("message") {
            Some(Value::String(s)) => messages.push(s.clone()),
            Some(Value::Array(items)) => messages.extend(items.iter().map(|m| {
                m.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| m.to_string())
            })),
            Some(other) if !other.is_null() => messages.push(other.to_string()),
            _ => {}
        }
        if let Some(Value::String(e)) = body.get("error")
            && !messages.iter().any(|m| m == e)
            && messages.is_empty()
        {
            messages.push(e.clone());
        }
        if messages.is_empty() {
            messages.push(body.to_string());
        }
    } else if !response.body.is_empty() {
        messages.push(String::from_utf8_lossy(&response.body).trim().to_owned());
    }
    let mut text = format!("The API answered HTTP {status} to {what}");
    if !messages.is_empty() {
        text.push_str(": ");
        text.push_str(&truncate(&messages.join("; "), MAX_ERROR_MESSAGE));
    }
    text.push('.');
    let hint = match status.as_u16() {
        400 | 422 => " Fix the arguments the message names and call again.",
        401 => {
            " The credentials were refused: check that the API key id and secret are right and still valid."
        }
        403 => {
            " The API key lacks the right for this call: give its group the needed role, or use another key."
        }
        404 => " Check the ids: list the parent resource to find the right one.",
        409 => {
            " The resource is in a state that conflicts with this change; read it again before retrying."
        }
        429 => " The API is limiting the rate of calls: wait a little before calling again.",
        300..=399 => {
            " The API redirected the call to another place, which is not followed for safety."
        }
        500..=599 => {
            " The API failed on its side; try again later, and check that the change did not already happen."
        }
        _ => "",
    };
    text.push_str(hint);
    text
}
