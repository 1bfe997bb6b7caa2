//! `GET <result URL>`: a task's image or video, checked before it is handed over.

use http::Method;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, USER_AGENT};

use super::Endpoint;
use crate::address::{AddressCheck, HostKind, classify_host};
use crate::config::Config;
use crate::error::{BuildError, Error, ServerAnswer};
use crate::response;
use crate::transport::TransportError;
use crate::validate;
use crate::wire::{HttpRequest, HttpResponse};

/// The largest file [`Download`] accepts unless told otherwise.
pub const DEFAULT_MAX_MEDIA: u64 = 32 * 1024 * 1024;

/// Downloads a result (an image or video URL from a task), as `client.download(url)`
/// does with retries within the call's deadline: the answer must be a 2xx whose content
/// type is an image or a video, no larger than the cap, and whole (its
/// `Content-Length`, when given, matches). A URL on the configured server gets its auth
/// headers (new-api's `/mj/image/{id}` proxy); any other host gets none, so a CDN never
/// sees the key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Download {
    /// The absolute http(s) URL.
    pub url: String,
    /// The largest body accepted; a bigger one is refused, not read.
    pub max_bytes: u64,
}

impl Download {
    /// Downloads `url` (32 MiB at most, the transports' own default cap too).
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_bytes: DEFAULT_MAX_MEDIA }
    }

    /// Sets the largest body accepted.
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }
}

/// A downloaded image or video.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Media {
    /// The file's bytes, checked to be the image or video its type says.
    pub bytes: Vec<u8>,
    /// The content type the server gave (`image/png`, `video/mp4`).
    pub content_type: String,
}

impl Media {
    /// Media of `content_type` made of `bytes` (a file read from disk, a test).
    pub fn new(bytes: Vec<u8>, content_type: impl Into<String>) -> Self {
        Self { bytes, content_type: content_type.into() }
    }

    /// The file extension its content type suggests (`png`, `jpg`, `webp`, `gif`, `mp4`).
    pub fn extension(&self) -> &'static str {
        let essence = self.content_type.split(';').next().unwrap_or_default().trim();
        match essence {
            "image/jpeg" => "jpg",
            "image/webp" => "webp",
            "image/gif" => "gif",
            "video/mp4" => "mp4",
            "video/webm" => "webm",
            _ => "png",
        }
    }
}

/// Shows the type and size, not the bytes.
impl std::fmt::Debug for Media {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Media").field("content_type", &self.content_type).field("len", &self.bytes.len()).finish()
    }
}

impl Endpoint for Download {
    type Output = Media;

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::DOWNLOAD
    }
    fn is_idempotent(&self) -> bool {
        true
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        validate::url("url", &self.url)?;
        let uri: http::Uri = self.url.parse().map_err(|_| BuildError::Url { field: "url" })?;
        let check = match address_check(&uri, config) {
            Ok(check) => check,
            Err(why) => {
                let host: String = uri.host().unwrap_or("?").chars().take(80).collect();
                return Err(BuildError::Http(format!("refusing to download from {host}: {why}")).into());
            }
        };
        let ours = self.url.starts_with(&format!("{}/", config.base_url()));
        let mut request = if ours {
            // Through the usual builder, for the auth headers, then pointed at the URL.
            let mut request = config.request::<()>(Method::GET, "", None)?;
            *request.uri_mut() = self.url.parse().map_err(|_| BuildError::Url { field: "url" })?;
            request
        } else {
            http::Request::builder()
                .method(Method::GET)
                .uri(&self.url)
                .header(USER_AGENT, config.user_agent().clone())
                .body(Vec::new())
                .map_err(|_| BuildError::Url { field: "url" })?
        };
        request.headers_mut().remove(http::header::ACCEPT);
        if let Some(check) = check {
            request.extensions_mut().insert(check);
        }
        Ok(request)
    }
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<Media, Error> {
        let status = response.status();
        let content_type =
            response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let media = content_type.starts_with("image/") || content_type.starts_with("video/");
        if !status.is_success() || !media {
            // An error page or the wrong kind of file: the usual classification (5xx and
            // 429 are worth another try, an HTML page means a wrong URL).
            if let Err(e) = response::payload(&response) {
                return Err(e.for_endpoint(crate::EndpointName::DOWNLOAD));
            }
            let message = format!("not an image or a video (content type `{content_type}`)");
            return Err(Error::Unexpected(Box::new(ServerAnswer::new(status, Some(message), response.body()))));
        }
        let claimed = response.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let bytes = response.into_body();
        if bytes.len() as u64 > self.max_bytes {
            return Err(TransportError::body_too_large(self.max_bytes).into());
        }
        if claimed.is_some_and(|n| n != bytes.len() as u64) {
            let message = format!("the body was cut short ({} of {} bytes)", bytes.len(), claimed.unwrap_or(0));
            return Err(TransportError::new(crate::TransportErrorKind::Interrupted, message).into());
        }
        let content_type = match sniff_media(&bytes, &content_type) {
            Some(sniffed) => sniffed.to_owned(),
            None => {
                let shown: String =
                    bytes.iter().take(16).map(|&b| if b.is_ascii_graphic() { b as char } else { '.' }).collect();
                let message = format!(
                    "the body is not the {} it claims to be (content type `{content_type}`, it starts `{shown}`): only PNG, JPEG, GIF, WebP, MP4 and WebM files are saved",
                    if content_type.starts_with("video/") { "video" } else { "image" }
                );
                return Err(Error::Unexpected(Box::new(ServerAnswer::new(status, Some(message), &[]))));
            }
        };
        Ok(Media { bytes, content_type })
    }
}

/// What `bytes` really are, judged by their first bytes (the content type a server gives
/// is only a claim: an HTML page, an SVG with scripts or junk can be labelled `image/png`).
/// An image must be a PNG, JPEG, GIF or WebP; a video an MP4 (`ftyp` box) or WebM (EBML).
/// The answer names the real type, so a JPEG sent as `image/png` is saved as `.jpg`.
fn sniff_media(bytes: &[u8], claimed: &str) -> Option<&'static str> {
    if claimed.starts_with("video/") {
        if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
            return Some("video/mp4");
        }
        if bytes.starts_with(b"\x1A\x45\xDF\xA3") {
            return Some("video/webm");
        }
        return None;
    }
    crate::data_url::sniff_image_type(bytes)
}

/// Whether a URL a server gave may be fetched, judged on the address its host stands for
/// in every spelling a resolver accepts ([`crate::address`]): cloud metadata and other
/// link-local or reserved addresses never; loopback and private addresses only when the
/// configured server is itself on one (a simulator, a proxy on the LAN); an unusual
/// spelling never. A name other than the configured server's gets an [`AddressCheck`],
/// so that the transport checks what it resolves to before connecting.
fn address_check(url: &http::Uri, config: &Config) -> Result<Option<AddressCheck>, &'static str> {
    let host = url.host().unwrap_or_default();
    let base: Option<http::Uri> = config.base_url().parse().ok();
    let base_host = base.as_ref().and_then(http::Uri::host).unwrap_or_default();
    if host.eq_ignore_ascii_case(base_host) {
        return Ok(None);
    }
    let allow_local = classify_host(base_host) == HostKind::Local;
    match classify_host(host) {
        HostKind::Forbidden => {
            Err("a link-local, unspecified or reserved address (such as the cloud metadata service 169.254.169.254)")
        }
        HostKind::Unusual => Err(
            "an unusual spelling of a host (percent-escapes, characters other than ASCII letters, digits, `-` and `.`, or numbers that are no address)",
        ),
        HostKind::Local if !allow_local => {
            Err("a loopback or private address, while the configured server is not on one")
        }
        HostKind::Local | HostKind::Public => Ok(None),
        HostKind::Name => Ok(Some(AddressCheck { allow_local })),
    }
}

/// Why a grid could not be split.
#[cfg(feature = "grid")]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot split the grid: {0}")]
pub struct GridError(String);

#[cfg(feature = "grid")]
impl Media {
    /// Cuts a 2x2 grid into its four images (left to right, top to bottom), as PNGs: what
    /// U1-U4 would upscale, without spending an upscale. Behind the `grid` feature.
    pub fn split_grid(&self) -> Result<[Media; 4], GridError> {
        let image = image::load_from_memory(&self.bytes).map_err(|e| GridError(e.to_string()))?;
        let (w, h) = (image.width() / 2, image.height() / 2);
        if w == 0 || h == 0 {
            return Err(GridError(format!("a {}x{} image is too small", image.width(), image.height())));
        }
        let quarter = |x: u32, y: u32| -> Result<Media, GridError> {
            let mut png = std::io::Cursor::new(Vec::new());
            image
                .crop_imm(x, y, w, h)
                .write_to(&mut png, image::ImageFormat::Png)
                .map_err(|e| GridError(e.to_string()))?;
            Ok(Media { bytes: png.into_inner(), content_type: "image/png".to_owned() })
        };
        Ok([quarter(0, 0)?, quarter(w, 0)?, quarter(0, h)?, quarter(w, h)?])
    }
}
