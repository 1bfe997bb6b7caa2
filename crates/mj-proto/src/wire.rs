//! The one wire vocabulary between core and transports: `http` types with byte bodies.

use http::HeaderName;

/// A request as the core builds it.
pub type HttpRequest = http::Request<Vec<u8>>;
/// A response as a transport hands it back.
pub type HttpResponse = http::Response<Vec<u8>>;

/// The most one exchange may take, set by the core on requests whose call has a
/// deadline (mj-client's `Settings::deadline`). Transports cap their own
/// timeout by it; a custom transport should too (read it from the request's extensions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestTimeout(pub std::time::Duration);

impl RequestTimeout {
    /// The timeout `request` carries, if any.
    pub fn of(request: &HttpRequest) -> Option<std::time::Duration> {
        request.extensions().get::<Self>().map(|t| t.0)
    }
}

/// The header novicezk, PLUS and one-hub read the key from.
pub const MJ_API_SECRET: HeaderName = HeaderName::from_static("mj-api-secret");

/// Percent-encodes one path segment (everything but RFC 3986 unreserved characters).
pub(crate) fn segment(raw: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    // `.` and `..` would be resolved as relative paths by servers and proxies.
    match raw {
        "." => return "%2E".to_owned(),
        ".." => return "%2E%2E".to_owned(),
        _ => {}
    }
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("1747190313867714"), "1747190313867714");
        assert_eq!(segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(segment("a.b"), "a.b");
        assert_eq!(segment("猫"), "%E7%8C%AB");
    }
}
