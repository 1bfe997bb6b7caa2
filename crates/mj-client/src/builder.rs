//! The step-by-step way to make a client.

use std::time::Duration;

use super::Settings;
use mj_proto::plan::Notice;

/// Builds a client step by step; see `Client::builder`.
///
/// ```
/// use std::time::Duration;
/// use mj_client::Client;
/// use mj_client::mj_proto::ServerProfile;
/// # #[derive(Default)] struct MyTransport;
/// # impl mj_client::mj_proto::Transport for MyTransport {
/// #     fn send(&self, _: mj_client::mj_proto::HttpRequest) -> Result<mj_client::mj_proto::HttpResponse, mj_client::mj_proto::TransportError> { unimplemented!() }
/// #     fn sleep(&self, _: Duration) {}
/// # }
///
/// let client: Client<MyTransport> = Client::builder()
///     .base_url("https://api.example.com")
///     .api_key("sk-...")
///     .profile(ServerProfile::Gateway)
///     .deadline(Duration::from_secs(300))
///     .build()?;
/// assert_eq!(client.config().profile(), Some(ServerProfile::Gateway));
/// # Ok::<(), mj_client::mj_proto::ConfigError>(())
/// ```
#[derive(Debug)]
#[must_use = "call .build() to get the client"]
pub struct ClientBuilder<C> {
    base_url: Option<String>,
    config: Option<mj_proto::Config>,
    api_key: Option<String>,
    auth: Option<mj_proto::AuthStyle>,
    profile: Option<mj_proto::ServerProfile>,
    mode: Option<mj_proto::SpeedMode>,
    headers: Vec<(String, String)>,
    settings: Settings,
    make: fn(mj_proto::Config, Settings) -> C,
}

impl<C> ClientBuilder<C> {
    pub(crate) fn new(make: fn(mj_proto::Config, Settings) -> C) -> Self {
        Self {
            base_url: None,
            config: None,
            api_key: None,
            auth: None,
            profile: None,
            mode: None,
            headers: Vec::new(),
            settings: Settings::default(),
            make,
        }
    }

    /// The server: everything before `/mj` (see [`Config::new`](mj_proto::Config::new)).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Starts from a whole configuration; what the other steps set is applied on top of it
    /// (a base URL set here moves it to that server and keeps the rest).
    pub fn config(mut self, config: mj_proto::Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Sends `key` with every request, in the profile's (or the chosen) header.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// How the key travels (after the profile's choice, which it overrides).
    pub fn auth_style(mut self, auth: mj_proto::AuthStyle) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The server family (see [`Config::with_profile`](mj_proto::Config::with_profile)).
    pub fn profile(mut self, profile: mj_proto::ServerProfile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// A speed-mode path prefix.
    pub fn mode(mut self, mode: mj_proto::SpeedMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// An extra header (see [`Config::with_header`](mj_proto::Config::with_header)).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// All settings at once.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Bounds every call (see [`Settings::deadline`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.settings.deadline = deadline;
        self
    }

    /// Calls `observe` with every [`Notice`] (see [`Settings::observer`]).
    pub fn observer(mut self, observe: impl Fn(&Notice) + Send + Sync + 'static) -> Self {
        self.settings = self.settings.observer(observe);
        self
    }

    /// The client, or the first configuration error (a missing or bad base URL, a key a
    /// header cannot carry, a bad header).
    pub fn build(self) -> Result<C, mj_proto::ConfigError> {
        let mut config = match (self.config, self.base_url) {
            (Some(config), Some(url)) => config.with_base_url(&url)?,
            (None, Some(url)) => mj_proto::Config::new(&url)?,
            (Some(config), None) => config,
            (None, None) => return Err(mj_proto::ConfigError::InvalidBaseUrl { reason: "no base URL was given" }),
        };
        if let Some(profile) = self.profile {
            config = config.with_profile(profile);
        }
        if let Some(auth) = self.auth {
            config = config.with_auth_style(auth);
        }
        if let Some(key) = self.api_key {
            config = config.with_api_key(key)?;
        }
        if let Some(mode) = self.mode {
            config = config.with_mode(Some(mode));
        }
        for (name, value) in &self.headers {
            config = config.with_header(name, value)?;
        }
        Ok((self.make)(config, self.settings))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::Client;
    use mj_proto::{AuthStyle, Config, ServerProfile, SpeedMode};

    #[derive(Default)]
    struct Nowhere;

    impl mj_proto::Transport for Nowhere {
        fn send(&self, _: mj_proto::HttpRequest) -> Result<mj_proto::HttpResponse, mj_proto::TransportError> {
            Err(mj_proto::TransportError::new(mj_proto::TransportErrorKind::Connect, "nowhere"))
        }
        fn sleep(&self, _: Duration) {}
    }

    /// A base URL given after a whole config moves it to that server and keeps the rest
    /// (it used to drop the key, the profile and the headers).
    #[test]
    fn a_base_url_after_a_config_keeps_the_config() -> Result<(), mj_proto::ConfigError> {
        let config = Config::new("https://eu.example.com")?
            .with_api_key("sk-kept")?
            .with_profile(ServerProfile::Trueai)
            .with_mode(Some(SpeedMode::Relax))
            .with_header("x-storage-options", "1")?;
        let client: Client<Nowhere> = Client::builder().config(config).base_url("https://us.example.com").build()?;
        let kept = client.config();
        assert_eq!(kept.host(), "us.example.com");
        assert!(kept.api_key().is_some());
        assert_eq!(kept.profile(), Some(ServerProfile::Trueai));
        assert_eq!(kept.auth_style(), AuthStyle::RawAuthorization);
        assert_eq!(kept.mode(), Some(SpeedMode::Relax));
        assert!(kept.headers().contains_key("x-storage-options"));
        Ok(())
    }
}
