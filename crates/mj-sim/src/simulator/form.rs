//! Reading `multipart/form-data` the way ASP.NET's `[FromForm]` binding does, for
//! trueai's video swap: text fields by name (case-insensitive, `a.b` for nested
//! members), files as a marker with their name and size.

use serde_json::{Map, Value};

/// The fields of a form body, or `None` when it is not one.
pub(super) fn parse(content_type: &str, body: &[u8]) -> Option<Map<String, Value>> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params.split(';').find_map(|p| p.trim().strip_prefix("boundary="))?.trim_matches('"');
    let delimiter = format!("--{boundary}");
    let mut fields = Map::new();
    let mut rest = body;
    // Everything before the first delimiter is preamble.
    let start = find(rest, delimiter.as_bytes())?;
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(fields);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let end = find(rest, format!("\r\n{delimiter}").as_bytes())?;
        let (part, after) = rest.split_at(end);
        rest = &after[2 + delimiter.len()..];
        let split = find(part, b"\r\n\r\n")?;
        let headers = std::str::from_utf8(&part[..split]).ok()?;
        let content = &part[split + 4..];
        let disposition = headers.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        let name = param(disposition, "name")?;
        let value = match param(disposition, "filename") {
            Some(file) => format!("file:{file}:{}", content.len()),
            None => String::from_utf8(content.to_vec()).ok()?,
        };
        fields.insert(name, Value::String(value));
    }
}

/// `name="value"` inside a Content-Disposition line.
fn param(line: &str, key: &str) -> Option<String> {
    line.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k == key).then(|| v.trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
