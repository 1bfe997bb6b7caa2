//! The one wire vocabulary between core and transports: `http` types with byte bodies.

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderName, HeaderValue, Method};
use serde::Serialize;

use crate::config::{AuthStyle, Config};
use crate::error::{BuildError, Error};

/// A request as the core builds it.
pub type HttpRequest = http::Request<Vec<u8>>;
/// A response as a transport hands it back.
pub type HttpResponse = http::Response<Vec<u8>>;

/// The most one exchange may take, set by the core on requests whose call has a
/// deadline ([`Settings::deadline`](crate::Settings::deadline)). Transports cap their own
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

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Builds a request to `path` (after `/mj`) with the config's headers and a JSON body.
pub(crate) fn request<B: Serialize + ?Sized>(
    config: &Config,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<HttpRequest, Error> {
    let body = match body {
        Some(body) => Some((JSON, serde_json::to_vec(body).map_err(|e| BuildError::Http(e.to_string()))?)),
        None => None,
    };
    request_with_body(config, method, path, body)
}

/// Builds a request to `path` (after `/mj`) with the config's headers and `body`, given
/// with its content type.
pub(crate) fn request_with_body(
    config: &Config,
    method: Method,
    path: &str,
    body: Option<(HeaderValue, Vec<u8>)>,
) -> Result<HttpRequest, Error> {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(config.url(path))
        .header(ACCEPT, JSON)
        .header(USER_AGENT, config.user_agent().clone());
    let bytes = match body {
        Some((content_type, bytes)) => {
            builder = builder.header(CONTENT_TYPE, content_type);
            bytes
        }
        None => Vec::new(),
    };
    for (name, value) in config.headers() {
        builder = builder.header(name, value);
    }
    let mut request = builder.body(bytes).map_err(|e| BuildError::Http(e.to_string()))?;
    if let Some(key) = config.api_key() {
        let secret = key.expose_secret();
        let headers = request.headers_mut();
        let mut put = |name: HeaderName, value: String| -> Result<(), Error> {
            let mut value = HeaderValue::try_from(value).map_err(|_| crate::ConfigError::InvalidApiKey)?;
            value.set_sensitive(true);
            headers.insert(name, value);
            Ok(())
        };
        match config.auth_style() {
            AuthStyle::Bearer => put(AUTHORIZATION, format!("Bearer {secret}"))?,
            AuthStyle::MjApiSecret => put(MJ_API_SECRET, secret.to_owned())?,
            AuthStyle::RawAuthorization => put(AUTHORIZATION, secret.to_owned())?,
            AuthStyle::Both => {
                put(AUTHORIZATION, format!("Bearer {secret}"))?;
                put(MJ_API_SECRET, secret.to_owned())?;
            }
        }
    }
    Ok(request)
}

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
