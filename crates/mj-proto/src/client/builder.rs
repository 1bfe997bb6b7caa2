//! The step-by-step way to make a client.

use std::time::Duration;

use super::Settings;
use crate::plan::Notice;

/// Builds a client step by step; see `Client::builder`.
///
/// ```
/// use std::time::Duration;
/// use mj_proto::{Client, ServerProfile};
/// # #[derive(Default)] struct MyTransport;
/// # impl mj_proto::Transport for MyTransport {
/// #     fn send(&self, _: mj_proto::HttpRequest) -> Result<mj_proto::HttpResponse, mj_proto::TransportError> { unimplemented!() }
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
/// # Ok::<(), mj_proto::ConfigError>(())
/// ```
#[derive(Debug)]
#[must_use = "call .build() to get the client"]
pub struct ClientBuilder<C> {
    base_url: Option<String>,
    config: Option<crate::Config>,
    api_key: Option<String>,
    auth: Option<crate::AuthStyle>,
    profile: Option<crate::ServerProfile>,
    mode: Option<crate::SpeedMode>,
    headers: Vec<(String, String)>,
    settings: Settings,
    make: fn(crate::Config, Settings) -> C,
}

impl<C> ClientBuilder<C> {
    pub(crate) fn new(make: fn(crate::Config, Settings) -> C) -> Self {
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

    /// The server: everything before `/mj` (see [`Config::new`](crate::Config::new)).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Starts from a whole configuration; what the other steps set is applied on top of it
    /// (a base URL set here moves it to that server and keeps the rest).
    pub fn config(mut self, config: crate::Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Sends `key` with every request, in the profile's (or the chosen) header.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// How the key travels (after the profile's choice, which it overrides).
    pub fn auth_style(mut self, auth: crate::AuthStyle) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The server family (see [`Config::with_profile`](crate::Config::with_profile)).
    pub fn profile(mut self, profile: crate::ServerProfile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// A speed-mode path prefix.
    pub fn mode(mut self, mode: crate::SpeedMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// An extra header (see [`Config::with_header`](crate::Config::with_header)).
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
    pub fn build(self) -> Result<C, crate::ConfigError> {
        let mut config = match (self.config, self.base_url) {
            (Some(config), Some(url)) => config.with_base_url(&url)?,
            (None, Some(url)) => crate::Config::new(&url)?,
            (Some(config), None) => config,
            (None, None) => return Err(crate::ConfigError::InvalidBaseUrl { reason: "no base URL was given" }),
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

    use crate::{AuthStyle, Client, Config, ServerProfile, SpeedMode};

    #[derive(Default)]
    struct Nowhere;

    impl crate::Transport for Nowhere {
        fn send(&self, _: crate::HttpRequest) -> Result<crate::HttpResponse, crate::TransportError> {
            Err(crate::TransportError::new(crate::TransportErrorKind::Connect, "nowhere"))
        }
        fn sleep(&self, _: Duration) {}
    }

    /// A base URL given after a whole config moves it to that server and keeps the rest
    /// (it used to drop the key, the profile and the headers).
    #[test]
    fn a_base_url_after_a_config_keeps_the_config() -> Result<(), crate::ConfigError> {
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
