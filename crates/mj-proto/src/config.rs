//! Where the server is and how to authenticate: everything a request needs besides its input.

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderName, HeaderValue, Method};
use serde::Serialize;

use crate::auth::AuthStyle;
use crate::config_error::ConfigError;
use crate::error::{BuildError, Error};
use crate::model::SpeedMode;
use crate::pacing::Pacing;
use crate::profile::ServerProfile;
use crate::secret::ApiKey;
use crate::wire::{HttpRequest, MJ_API_SECRET};

/// A server: base URL, speed mode, credentials and user agent.
///
/// ```
/// use mj_proto::{AuthStyle, Config, SpeedMode};
///
/// let config = Config::new("https://api.example.com/")?
///     .with_api_key("sk-123")?
///     .with_auth_style(AuthStyle::MjApiSecret)
///     .with_mode(Some(SpeedMode::Relax));
/// assert_eq!(config.url("/submit/imagine"), "https://api.example.com/mj-relax/mj/submit/imagine");
/// assert!(!format!("{config:?}").contains("sk-123"));
/// # Ok::<(), mj_proto::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    base: String,
    mode: Option<SpeedMode>,
    auth: AuthStyle,
    key: Option<ApiKey>,
    user_agent: HeaderValue,
    headers: http::HeaderMap,
    profile: Option<ServerProfile>,
    pacing: Pacing,
}

/// The user agent sent unless another is set.
pub const DEFAULT_USER_AGENT: &str = concat!("mj/", env!("CARGO_PKG_VERSION"));

impl Config {
    /// A server at `base_url`: everything before `/mj` (a trailing `/mj` is dropped, since
    /// that is what a pasted reseller URL usually means). Any path prefix is kept.
    pub fn new(base_url: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            base: normalize_base(base_url)?,
            mode: None,
            auth: AuthStyle::default(),
            key: None,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            headers: http::HeaderMap::new(),
            profile: None,
            pacing: Pacing::default(),
        })
    }

    /// The same server description at another base URL: the key, auth style, profile,
    /// mode, headers and user agent are kept.
    ///
    /// ```
    /// use mj_proto::{Config, ServerProfile};
    ///
    /// let eu = Config::new("https://eu.example.com")?.with_api_key("sk-1")?.with_profile(ServerProfile::Plus);
    /// let us = eu.with_base_url("https://us.example.com")?;
    /// assert_eq!(us.host(), "us.example.com");
    /// assert_eq!(us.profile(), Some(ServerProfile::Plus));
    /// assert!(us.api_key().is_some());
    /// # Ok::<(), mj_proto::ConfigError>(())
    /// ```
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, ConfigError> {
        self.base = normalize_base(base_url)?;
        Ok(self)
    }

    /// The server named by the process environment: `MJ_BASE_URL`, and optionally `MJ_API_KEY`, `MJ_PROFILE` (novicezk, plus, trueai, gateway,
    /// reseller), `MJ_AUTH` (bearer, mj-api-secret, raw, both; after the profile's
    /// choice) and `MJ_MODE` (fast, relax, turbo). Blank values count as unset.
    ///
    /// `Ok(None)` when `MJ_BASE_URL` is unset; an error names the variable at fault. This is
    /// the only place mj-proto reads the environment.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] with the variables read through `var` instead of the process
    /// environment: for tests, and for programs that keep settings elsewhere.
    ///
    /// ```
    /// use mj_proto::{AuthStyle, Config};
    ///
    /// let vars = [("MJ_BASE_URL", "https://api.example.com"), ("MJ_API_KEY", "sk-1"), ("MJ_AUTH", "both")];
    /// let var = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
    /// let config = Config::from_lookup(var)?.expect("MJ_BASE_URL is set");
    /// assert_eq!(config.auth_style(), AuthStyle::Both);
    /// assert!(Config::from_lookup(|_| None)?.is_none());
    /// # Ok::<(), mj_proto::ConfigError>(())
    /// ```
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let value = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let bad = |name: &'static str| move |reason: String| ConfigError::InvalidVar { name, reason };
        let Some(base) = value("MJ_BASE_URL") else { return Ok(None) };
        let mut config = Self::new(&base).map_err(|e| bad("MJ_BASE_URL")(e.to_string()))?;
        if let Some(profile) = value("MJ_PROFILE") {
            config = config.with_profile(profile.parse().map_err(bad("MJ_PROFILE"))?);
        }
        if let Some(auth) = value("MJ_AUTH") {
            config = config.with_auth_style(auth.parse().map_err(bad("MJ_AUTH"))?);
        }
        if let Some(key) = value("MJ_API_KEY") {
            config = config.with_api_key(key).map_err(|e| bad("MJ_API_KEY")(e.to_string()))?;
        }
        if let Some(mode) = value("MJ_MODE") {
            config = config.with_mode(Some(mode.parse().map_err(bad("MJ_MODE"))?));
        }
        Ok(Some(config))
    }

    /// Sends `key` with every request, in the configured [`AuthStyle`].
    pub fn with_api_key(mut self, key: impl Into<String>) -> Result<Self, ConfigError> {
        self.key = Some(ApiKey::new(key)?);
        Ok(self)
    }

    /// Chooses how the key travels.
    pub fn with_auth_style(mut self, auth: AuthStyle) -> Self {
        self.auth = auth;
        self
    }

    /// Adds a speed-mode prefix (`/mj-fast/mj/...`), or removes it with `None`.
    pub fn with_mode(mut self, mode: Option<SpeedMode>) -> Self {
        self.mode = mode;
        self
    }

    /// How fast and how much this server may be asked to create tasks: the clients wait
    /// (or refuse with [`Error::Paced`](crate::Error::Paced)) before a submit that a rule
    /// holds. None by default.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mj_proto::{Config, pacing::Pacing};
    ///
    /// let config = Config::new("https://api.example.com")?
    ///     .with_pacing(Pacing::new().min_interval(Duration::from_secs(45), Duration::from_secs(15)).daily_tasks(200));
    /// # Ok::<(), mj_proto::ConfigError>(())
    /// ```
    pub fn with_pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// This server's pacing rules.
    pub fn pacing(&self) -> &Pacing {
        &self.pacing
    }

    /// Sets the `User-Agent` header.
    pub fn with_user_agent(mut self, agent: &str) -> Result<Self, ConfigError> {
        self.user_agent = HeaderValue::from_str(agent).map_err(|_| ConfigError::InvalidUserAgent)?;
        Ok(self)
    }

    /// Sends the header `name: value` with every request, such as trueai's
    /// `x-storage-options: 1` (official CDN links) or a gateway's own header. The auth
    /// headers, `content-type`, `accept` and `user-agent` are mj's and cannot be set here.
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, ConfigError> {
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| ConfigError::InvalidHeader { reason: "the name is not a valid header name" })?;
        if [http::header::AUTHORIZATION, http::header::CONTENT_TYPE, http::header::ACCEPT, http::header::USER_AGENT]
            .contains(&name)
            || name == MJ_API_SECRET
        {
            return Err(ConfigError::InvalidHeader { reason: "mj sets this header itself" });
        }
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| ConfigError::InvalidHeader { reason: "the value holds characters a header cannot carry" })?;
        // It may be a credential of a gateway's own: keep it out of Debug output.
        value.set_sensitive(true);
        self.headers.append(name, value);
        Ok(self)
    }

    /// Declares the server family: mj then sends its auth header, resolves lost submits
    /// with its lookup, and refuses locally what it would refuse (an endpoint it lacks, a
    /// button it rejects, a mode prefix). Set the auth style afterwards to override.
    pub fn with_profile(mut self, profile: ServerProfile) -> Self {
        self.profile = Some(profile);
        self.auth = profile.auth_style();
        self
    }

    /// The declared server family, if any.
    pub fn profile(&self) -> Option<ServerProfile> {
        self.profile
    }

    /// True unless the declared profile lacks the endpoint named `endpoint`.
    pub fn offers(&self, endpoint: crate::EndpointName) -> bool {
        self.profile.is_none_or(|p| p.offers(endpoint))
    }

    /// The extra headers set with [`Config::with_header`].
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The normalized base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The speed-mode prefix, if any.
    pub fn mode(&self) -> Option<SpeedMode> {
        self.mode
    }

    /// How the key travels.
    pub fn auth_style(&self) -> AuthStyle {
        self.auth
    }

    /// The key, if one is set.
    pub fn api_key(&self) -> Option<&ApiKey> {
        self.key.as_ref()
    }

    /// The `User-Agent` header sent with every request.
    pub fn user_agent(&self) -> &HeaderValue {
        &self.user_agent
    }

    /// The full URL of `path`, which starts after `/mj` (for example `/task/1/fetch`).
    pub fn url(&self, path: &str) -> String {
        let mode = self.mode.map(SpeedMode::path_segment);
        let mut url = String::with_capacity(self.base.len() + path.len() + 14);
        url.push_str(&self.base);
        if let Some(mode) = mode {
            url.push('/');
            url.push_str(mode);
        }
        url.push_str("/mj");
        url.push_str(path);
        url
    }

    /// Removes the API key from an error's messages, quoted body and the tasks it carries.
    pub fn redact(&self, error: Error) -> Error {
        match &self.key {
            Some(key) => error.redacted(key.expose_secret()),
            None => error,
        }
    }

    /// The server's host and port (`api.example.com`, `127.0.0.1:8080`): what logs and
    /// errors name, never a path, query or credentials.
    pub fn host(&self) -> String {
        let uri: Option<http::Uri> = self.base.parse().ok();
        let authority = uri.as_ref().and_then(http::Uri::authority);
        match authority {
            Some(a) => match a.port_u16() {
                Some(port) => format!("{}:{port}", a.host()),
                None => a.host().to_owned(),
            },
            None => String::new(),
        }
    }

    /// `text` with the API key replaced by `[redacted]`, in every form a server may echo
    /// it (percent-encoded, JSON-escaped, …): for any server text a program stores or
    /// shows (a reason in a journal, a message in a log).
    pub fn redact_text(&self, mut text: String) -> String {
        if let Some(key) = &self.key {
            crate::secret::scrub_text(&mut text, key.expose_secret());
        }
        text
    }

    /// The task with the API key replaced by `[redacted]` wherever a server echoed it
    /// (prompt, failReason, properties, buttons, …): for logging or showing a task.
    pub fn redact_task(&self, mut task: crate::Task) -> crate::Task {
        if let Some(key) = &self.key {
            task.scrub(key.expose_secret());
        }
        task
    }
}

impl Config {
    /// Builds a request to `path` (after `/mj`) with this config's headers and a JSON body.
    pub(crate) fn request<B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<HttpRequest, Error> {
        let body = match body {
            Some(body) => Some((JSON, serde_json::to_vec(body).map_err(|e| BuildError::Http(e.to_string()))?)),
            None => None,
        };
        self.request_with_body(method, path, body)
    }

    /// Builds a request to `path` (after `/mj`) with this config's headers and `body`, given
    /// with its content type.
    pub(crate) fn request_with_body(
        &self,
        method: Method,
        path: &str,
        body: Option<(HeaderValue, Vec<u8>)>,
    ) -> Result<HttpRequest, Error> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(self.url(path))
            .header(ACCEPT, JSON)
            .header(USER_AGENT, self.user_agent().clone());
        let bytes = match body {
            Some((content_type, bytes)) => {
                builder = builder.header(CONTENT_TYPE, content_type);
                bytes
            }
            None => Vec::new(),
        };
        for (name, value) in self.headers() {
            builder = builder.header(name, value);
        }
        let mut request = builder.body(bytes).map_err(|e| BuildError::Http(e.to_string()))?;
        if let Some(key) = self.api_key() {
            let secret = key.expose_secret();
            let headers = request.headers_mut();
            let mut put = |name: HeaderName, value: String| -> Result<(), Error> {
                let mut value = HeaderValue::try_from(value).map_err(|_| ConfigError::InvalidApiKey)?;
                value.set_sensitive(true);
                headers.insert(name, value);
                Ok(())
            };
            match self.auth_style() {
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
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");

fn normalize_base(input: &str) -> Result<String, ConfigError> {
    let bad = |reason: &'static str| ConfigError::InvalidBaseUrl { reason };
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    let uri: http::Uri =
        trimmed.parse().map_err(|_| bad("it is not a URL (expected something like http://127.0.0.1:8080)"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(_) => return Err(bad("the scheme must be http or https")),
        None => return Err(bad("it needs a scheme, e.g. http://")),
    }
    if uri.authority().is_none_or(|a| a.host().is_empty()) {
        return Err(bad("it has no host"));
    }
    if uri.query().is_some() || trimmed.contains('#') {
        return Err(bad("it must not have a query or fragment"));
    }
    let mut base = trimmed.trim_end_matches('/').to_owned();
    let path_start = base.find("://").map_or(0, |i| i + 3);
    let path = base[path_start..].find('/').map_or("", |i| &base[path_start + i..]);
    if path.split('/').any(|segment| segment == "mj") && !path.ends_with("/mj") {
        return Err(bad("it must end before /mj (it looks like an endpoint URL)"));
    }
    if path.ends_with("/mj") {
        base.truncate(base.len() - 3);
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalized() {
        let ok = [
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
            ("https://api.example.com/mj", "https://api.example.com"),
            ("https://api.example.com/mj/", "https://api.example.com"),
            ("https://gw.example.com/v1/proxy/", "https://gw.example.com/v1/proxy"),
            ("  https://x.example  ", "https://x.example"),
        ];
        for (input, want) in ok {
            assert_eq!(Config::new(input).map(|c| c.base_url().to_owned()), Ok(want.to_owned()), "{input}");
        }
        for bad in
            ["", "api.example.com", "ftp://x", "http://x/mj/submit/imagine", "http://x?a=1", "http://x/#f", "http://"]
        {
            assert!(Config::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mode_prefix_goes_before_mj() {
        let c = Config::new("http://h").map(|c| c.with_mode(Some(SpeedMode::Fast)));
        assert_eq!(c.map(|c| c.url("/task/1/fetch")), Ok("http://h/mj-fast/mj/task/1/fetch".to_owned()));
    }
}
