//! `multipart/form-data` bodies (RFC 7578), for the one endpoint that takes a file
//! (trueai's `/insight-face/video-swap`). Pure: the boundary is derived from the content,
//! never from randomness, and chosen so that no part contains it.

/// One form field.
pub(crate) enum Part<'a> {
    /// A text field.
    Text { name: &'a str, value: &'a str },
    /// A file field.
    File { name: &'a str, filename: &'a str, content_type: &'a str, bytes: &'a [u8] },
}

impl Part<'_> {
    fn content(&self) -> &[u8] {
        match self {
            Part::Text { value, .. } => value.as_bytes(),
            Part::File { bytes, .. } => bytes,
        }
    }
}

/// The body and its `Content-Type` header value.
pub(crate) fn encode(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = boundary(parts);
    let mut body = Vec::with_capacity(parts.iter().map(|p| p.content().len() + 128).sum::<usize>() + 64);
    for part in parts {
        body.extend_from_slice(b"--");
        body.extend_from_slice(boundary.as_bytes());
        body.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        match part {
            Part::Text { name, value } => {
                body.extend_from_slice(quoted(name).as_bytes());
                body.extend_from_slice(b"\"\r\n\r\n");
                body.extend_from_slice(value.as_bytes());
            }
            Part::File { name, filename, content_type, bytes } => {
                body.extend_from_slice(quoted(name).as_bytes());
                body.extend_from_slice(b"\"; filename=\"");
                body.extend_from_slice(quoted(filename).as_bytes());
                body.extend_from_slice(b"\"\r\nContent-Type: ");
                body.extend_from_slice(content_type.as_bytes());
                body.extend_from_slice(b"\r\n\r\n");
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--");
    body.extend_from_slice(boundary.as_bytes());
    body.extend_from_slice(b"--\r\n");
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A boundary that occurs in no part: a hash of the content, salted until it is absent.
fn boundary(parts: &[Part<'_>]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.content() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    loop {
        let candidate = format!("mj-form-{hash:016x}");
        if !parts.iter().any(|p| contains(p.content(), candidate.as_bytes())) {
            return candidate;
        }
        hash = hash.rotate_left(17).wrapping_add(0x9E37_79B9_7F4A_7C15);
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A field or file name inside `"…"`, with quotes and line breaks percent-encoded as
/// browsers do (HTML's form-data encoding).
fn quoted(name: &str) -> String {
    name.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_framed_by_a_boundary_none_of_them_contains() {
        let sneaky = "--mj-form-";
        let parts = [
            Part::Text { name: "sourceUrl", value: "https://example.test/a.png" },
            Part::Text { name: "state", value: sneaky },
            Part::File { name: "targetFile", filename: "a\"b.mp4", content_type: "video/mp4", bytes: b"\x00\x01mp4" },
        ];
        let (content_type, body) = encode(&parts);
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=").expect("boundary");
        let text = String::from_utf8_lossy(&body);
        assert_eq!(text.matches(&format!("--{boundary}")).count(), 4, "{text}");
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert!(text.contains("name=\"targetFile\"; filename=\"a%22b.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"));
        assert_eq!(encode(&parts).1, body, "the same parts give the same body");
    }
}
