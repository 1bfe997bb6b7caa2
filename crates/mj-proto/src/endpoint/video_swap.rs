//! `POST /mj/insight-face/video-swap`: put a face into a video (trueai, for whitelisted
//! users). The one endpoint that takes `multipart/form-data`, so a local video can be
//! uploaded as a file.

use std::fmt;

use http::{HeaderValue, Method};

use super::{Endpoint, Submit, SubmitOptions};
use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::model::Submitted;
use crate::multipart::{self, Part};
use crate::validate;
use crate::wire::{HttpRequest, HttpResponse};

/// The video that receives the face.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VideoTarget {
    /// A link the server downloads (`targetUrl`).
    Url(String),
    /// The video itself, uploaded as `targetFile`.
    File {
        /// The file name the server sees.
        name: String,
        /// Its MIME type (`video/mp4`).
        content_type: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
}

impl VideoTarget {
    /// A video uploaded from memory.
    pub fn file(name: impl Into<String>, content_type: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self::File { name: name.into(), content_type: content_type.into(), bytes: bytes.into() }
    }
}

/// Shows a file's name, type and size, not its bytes.
impl fmt::Debug for VideoTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(url) => f.debug_tuple("Url").field(url).finish(),
            Self::File { name, content_type, bytes } => f
                .debug_struct("File")
                .field("name", name)
                .field("content_type", content_type)
                .field("len", &bytes.len())
                .finish(),
        }
    }
}

/// Video face swap (spec §5.13): the face of `source` (a data URL goes in `sourceBase64`,
/// an http(s) URL in `sourceUrl`) onto every frame of `target`. `botType` is refused: the
/// server always runs InsightFace.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VideoSwap {
    /// The face: a data URL or an http(s) URL.
    pub source: String,
    /// The video whose face is swapped: a link, or the file itself.
    pub target: VideoTarget,
    /// `state`, `notifyHook` and `accountFilter` (sent as form fields).
    pub options: SubmitOptions,
}

impl VideoSwap {
    /// Swaps the face in `source` into `target`.
    pub fn new(source: impl Into<String>, target: VideoTarget) -> Self {
        Self { source: source.into(), target, options: SubmitOptions::default() }
    }

    /// True when the face is a link (`sourceUrl`), not image data (`sourceBase64`).
    fn source_is_link(&self) -> bool {
        self.source.starts_with("http://") || self.source.starts_with("https://")
    }

    fn check(&self, config: &Config) -> Result<(), Error> {
        if self.source_is_link() {
            validate::url("sourceUrl", &self.source)?;
        } else {
            validate::image(config.profile(), "sourceBase64", 0, &self.source)?;
        }
        match &self.target {
            VideoTarget::Url(url) => validate::url("targetUrl", url)?,
            VideoTarget::File { name, bytes, .. } => {
                validate::non_empty("targetFile name", name)?;
                if bytes.is_empty() {
                    return Err(BuildError::Empty { field: "targetFile" }.into());
                }
            }
        }
        if self.options.bot_type.is_some() {
            return Err(BuildError::Ignored { field: "botType", server: "all" }.into());
        }
        self.options.validate()
    }

    /// The form fields, in the order of trueai's `InsightVideoFaceSwapDto`.
    fn form(&self) -> Result<(String, Vec<u8>), Error> {
        let source_field = if self.source_is_link() { "sourceUrl" } else { "sourceBase64" };
        let mut texts: Vec<(String, String)> = vec![(source_field.to_owned(), self.source.clone())];
        if let VideoTarget::Url(url) = &self.target {
            texts.push(("targetUrl".to_owned(), url.clone()));
        }
        if let Some(state) = &self.options.state {
            texts.push(("state".to_owned(), state.clone()));
        }
        if let Some(hook) = &self.options.notify_hook {
            texts.push(("notifyHook".to_owned(), hook.clone()));
        }
        if let Some(filter) = &self.options.account_filter {
            let value = serde_json::to_value(filter).map_err(|e| BuildError::Http(e.to_string()))?;
            flatten("accountFilter", &value, &mut texts);
        }
        let mut parts: Vec<Part<'_>> =
            texts.iter().map(|(name, value)| Part::Text { name: name.as_str(), value: value.as_str() }).collect();
        if let VideoTarget::File { name, content_type, bytes } = &self.target {
            parts.push(Part::File { name: "targetFile", filename: name, content_type, bytes });
        }
        Ok(multipart::encode(&parts))
    }
}

/// ASP.NET form binding of a nested object: `accountFilter.instanceId`,
/// `accountFilter.modes[0]`.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Value::Object(members) => members.iter().for_each(|(k, v)| flatten(&format!("{prefix}.{k}"), v, out)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| flatten(&format!("{prefix}[{i}]"), v, out)),
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => {}
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

impl Endpoint for VideoSwap {
    type Output = Submitted;

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::VIDEO_SWAP
    }
    fn is_idempotent(&self) -> bool {
        false
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        self.check(config)?;
        let (content_type, body) = self.form()?;
        let content_type = HeaderValue::try_from(content_type).map_err(|e| BuildError::Http(e.to_string()))?;
        config.request_with_body(Method::POST, "/insight-face/video-swap", Some((content_type, body)))
    }
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<Submitted, Error> {
        super::shapes::submitted(response)
    }
}

impl Submit for VideoSwap {
    fn options(&self) -> &SubmitOptions {
        &self.options
    }
    fn options_mut(&mut self) -> &mut SubmitOptions {
        &mut self.options
    }
}
