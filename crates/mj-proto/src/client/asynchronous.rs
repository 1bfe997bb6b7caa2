//! The async client.

use crate::endpoint::Query;
use crate::error::Error;
use crate::model::{Page, Task};
use crate::plan::{Plan, Step};
use crate::transport::AsyncTransport;

use super::{client_methods, client_struct};

client_struct!(
    /// An async client over any [`AsyncTransport`] (mj-reqwest's, mj-sim's, or your own);
    /// the same methods as [`Client`](super::Client).
    AsyncClient,
    AsyncTransport
);

impl<T: AsyncTransport> AsyncClient<T> {
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
                Step::Notice(notice) => {
                    self.shared.learned.note(&notice);
                    self.shared.settings.observer.notify(&notice);
                }
                // Errors the plan built itself (a failed task, a timed-out wait) carry
                // what the server sent: scrub the key here, once, for every plan.
                Step::Done(result) => return result.map_err(|e| self.shared.config.redact(e)),
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
