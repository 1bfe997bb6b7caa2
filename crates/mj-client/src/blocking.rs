//! The blocking client.

use mj_proto::Error;
use mj_proto::Transport;
use mj_proto::endpoint::Query;
use mj_proto::model::{Page, Task};
use mj_proto::plan::{Plan, Step};

use super::{client_methods, client_struct, named, trace};

client_struct!(
    /// A blocking client over any [`Transport`] (mj-ureq's, mj-sim's, or your own).
    ///
    /// ```
    /// use mj_client::prelude::*;
    /// use mj_client::mj_proto::{HttpRequest, HttpResponse, Transport, TransportError, http};
    ///
    /// /// A transport that answers every request with the same task.
    /// struct Canned;
    /// impl Transport for Canned {
    ///     fn send(&self, _: HttpRequest) -> Result<HttpResponse, TransportError> {
    ///         Ok(http::Response::new(br#"{"id":"1","status":"SUCCESS","progress":"100%"}"#.to_vec()))
    ///     }
    ///     fn sleep(&self, _: std::time::Duration) {}
    /// }
    ///
    /// let client = mj_client::Client::with_transport(Canned, Config::new("http://127.0.0.1:8080")?);
    /// let task = client.wait("1")?;
    /// assert!(task.is_terminal());
    /// # Ok::<(), mj_client::mj_proto::Error>(())
    /// ```
    Client,
    Transport
);

impl<T: Transport> Client<T> {
    /// Runs `plan` to completion: the whole blocking driver.
    pub fn drive<P: Plan>(&self, plan: P, on_progress: impl FnMut(P::Progress)) -> Result<P::Output, Error> {
        self.drive_as("plan", plan, on_progress)
    }

    /// [`drive`](Self::drive) inside the tracing span of call `name`.
    fn drive_as<P: Plan>(
        &self,
        name: &'static str,
        mut plan: P,
        mut on_progress: impl FnMut(P::Progress),
    ) -> Result<P::Output, Error> {
        let host = self.shared.config.host();
        let span = trace::call(name, &host);
        #[cfg(feature = "tracing")]
        let _entered = span.span.enter();
        #[cfg(not(feature = "tracing"))]
        let _ = span;
        let hooks = self.shared.settings.hooks.as_ref();
        let mut seen = 0;
        loop {
            let now = self.transport.now();
            if let Some(hooks) = hooks {
                seen = hooks.feed(&mut plan, seen, now);
            }
            match plan.poll(now) {
                Step::Send(request) => {
                    trace::send(&request);
                    let to = crate::host_of(&request, &host);
                    let result = self.transport.send(request).map_err(|e| named(e, &to));
                    trace::answer(&result, |text| self.shared.config.redact_text(text));
                    if result.is_ok() {
                        self.shared.learned.heard();
                    }
                    plan.handle(result, self.transport.now());
                }
                // With hooks, in naps: a callback wakes the wait within one.
                Step::Sleep(until) => {
                    let pause = until.saturating_duration_since(now);
                    self.transport.sleep(if hooks.is_some() { pause.min(super::hooks::NAP) } else { pause })
                }
                Step::Progress(task) => on_progress(task),
                Step::Notice(notice) => self.shared.notice(&notice),
                Step::Done(result) => return self.shared.finish(result),
            }
        }
    }

    /// Every page of `query`, fetched as the iterator advances.
    pub fn pages(&self, query: Query) -> Pages<'_, T> {
        Pages { client: self, next: Some(query) }
    }

    client_methods!(,);
}

/// The pages of a task search, one request per page; stops after the last page or the
/// first error.
#[derive(Debug)]
pub struct Pages<'c, T> {
    client: &'c Client<T>,
    next: Option<Query>,
}

impl<T: Transport> Iterator for Pages<'_, T> {
    type Item = Result<Page<Task>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let query = self.next.take()?;
        let page = self.client.query(&query);
        if let Ok(page) = &page
            && !page.is_last()
        {
            self.next = Some(query.next_page());
        }
        Some(page)
    }
}
