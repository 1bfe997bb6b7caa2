//! The async client.

use crate::config::Config;
use crate::endpoint::Query;
use crate::error::Error;
use crate::model::{Page, Task};
use crate::plan::{Plan, Step};
use crate::transport::AsyncTransport;

use super::{Seeds, Settings, client_methods};

/// An async client over any [`AsyncTransport`] (mj-reqwest's, mj-sim's, or your own);
/// the same methods as [`Client`](super::Client).
#[derive(Debug)]
pub struct AsyncClient<T> {
    transport: T,
    config: Config,
    settings: Settings,
    seeds: Seeds,
}

impl<T: AsyncTransport + Default> AsyncClient<T> {
    /// A client for the server in `config` over a default-configured transport
    /// (`mj_ureq::Client::new(config)`, `mj_reqwest::Client::new(config)`).
    pub fn new(config: Config) -> Self {
        Self::with_transport(T::default(), config)
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
    /// A client for the server in `config`, over `transport`, with default [`Settings`].
    pub fn with_transport(transport: T, config: Config) -> Self {
        Self { transport, config, settings: Settings::default(), seeds: Seeds::from_clock() }
    }

    /// Replaces the settings.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The server configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Runs `plan` to completion: the whole async driver.
    pub async fn drive<P: Plan>(&self, mut plan: P, mut on_event: impl FnMut(P::Event)) -> Result<P::Output, Error> {
        loop {
            let now = self.transport.now();
            match plan.poll(now) {
                Step::Send(request) => {
                    let result = self.transport.send(request).await;
                    plan.handle(result, self.transport.now());
                }
                Step::Sleep(until) => self.transport.sleep(until.saturating_duration_since(now)).await,
                Step::Event(event) => on_event(event),
                Step::Done(result) => return result,
            }
        }
    }

    /// Every page of `query`, fetched one `next_page().await` at a time.
    pub fn pages(&self, query: Query) -> AsyncPages<'_, T> {
        AsyncPages { client: self, next: Some(query) }
    }

    client_methods!(async, .await);
}

/// The pages of a task search for async code.
#[derive(Debug)]
pub struct AsyncPages<'c, T> {
    client: &'c AsyncClient<T>,
    next: Option<Query>,
}

impl<T: AsyncTransport> AsyncPages<'_, T> {
    /// The next page; `None` after the last page or the first error.
    pub async fn next_page(&mut self) -> Option<Result<Page<Task>, Error>> {
        let query = self.next.take()?;
        let page = self.client.query(&query).await;
        if let Ok(page) = &page
            && !page.is_last()
        {
            self.next = Some(query.next_page());
        }
        Some(page)
    }
}
