//! Async [`Stream`]s over the async client: task snapshots of a wait or a watch, and the
//! pages of a search. Each is the client's own call, driven by the stream's `poll_next`;
//! the changes its callback sees are handed out as items.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use futures_core::Stream;

use mj_proto::Error;
use mj_proto::endpoint::Query;
use mj_proto::model::{Page, Task};

type Call<'c, O> = Pin<Box<dyn Future<Output = Result<O, Error>> + Send + 'c>>;

/// The changes a wait or a watch sees, as they come: one [`Task`] per change, then the
/// end (or the error that ended it, as a last item). After the end,
/// [`output`](Self::output) holds what the call returned (the finished task, or the
/// [`WatchReport`](mj_proto::plan::WatchReport)).
///
/// Dropping the stream stops the call at its current step, as dropping its future would.
#[must_use = "a stream does nothing unless polled"]
pub struct TaskUpdates<'c, O> {
    call: Option<Call<'c, O>>,
    seen: Arc<Mutex<VecDeque<Task>>>,
    output: Option<O>,
    /// The error that ended the call, handed out after the changes before it.
    error: Option<Error>,
}

// Nothing is pinned in place: the call is boxed, the output only stored.
impl<O> Unpin for TaskUpdates<'_, O> {}

impl<'c, O> TaskUpdates<'c, O> {
    /// Wraps `start`, which runs the call with a callback that records each change.
    pub(crate) fn new(start: impl FnOnce(Box<dyn FnMut(&Task) + Send + 'c>) -> Call<'c, O>) -> Self {
        let seen = Arc::new(Mutex::new(VecDeque::new()));
        let sink = Arc::clone(&seen);
        let call = start(Box::new(move |task: &Task| {
            sink.lock().unwrap_or_else(PoisonError::into_inner).push_back(task.clone());
        }));
        Self { call: Some(call), seen, output: None, error: None }
    }

    /// The next change, or the error that ended the call as the last item, or `None` after
    /// the end: `while let Some(update) = updates.next().await`, with no stream crate (with
    /// `futures::StreamExt` in scope this is the same call).
    pub async fn next(&mut self) -> Option<Result<Task, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// What the call returned, once the stream has ended without an error.
    pub fn output(&mut self) -> Option<O> {
        self.output.take()
    }

    fn next_seen(&self) -> Option<Task> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner).pop_front()
    }
}

impl<O> Stream for TaskUpdates<'_, O> {
    type Item = Result<Task, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(task) = this.next_seen() {
            return Poll::Ready(Some(Ok(task)));
        }
        if let Some(e) = this.error.take() {
            return Poll::Ready(Some(Err(e)));
        }
        let Some(call) = this.call.as_mut() else { return Poll::Ready(None) };
        match call.as_mut().poll(cx) {
            Poll::Pending => match this.next_seen() {
                Some(task) => Poll::Ready(Some(Ok(task))),
                None => Poll::Pending,
            },
            Poll::Ready(result) => {
                this.call = None;
                // Changes seen in the last step come before the end.
                let last = this.next_seen();
                match result {
                    Ok(output) => {
                        this.output = Some(output);
                        Poll::Ready(last.map(Ok))
                    }
                    Err(e) => match last {
                        // The change now, the error next time.
                        Some(task) => {
                            this.error = Some(e);
                            Poll::Ready(Some(Ok(task)))
                        }
                        None => Poll::Ready(Some(Err(e))),
                    },
                }
            }
        }
    }
}

impl<O> std::fmt::Debug for TaskUpdates<'_, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskUpdates").field("running", &self.call.is_some()).finish_non_exhaustive()
    }
}

/// The pages of a task search as a [`Stream`]: one request per page, ending after the
/// last page or with the first error.
#[must_use = "a stream does nothing unless polled"]
pub struct PageStream<'c> {
    fetch: Box<dyn Fn(Query) -> Call<'c, Page<Task>> + Send + Sync + 'c>,
    next: Option<Query>,
    call: Option<(Query, Call<'c, Page<Task>>)>,
}

impl<'c> PageStream<'c> {
    pub(crate) fn new(first: Query, fetch: Box<dyn Fn(Query) -> Call<'c, Page<Task>> + Send + Sync + 'c>) -> Self {
        Self { fetch, next: Some(first), call: None }
    }

    /// The next page, or the error that ended the search, or `None` after the last page:
    /// `while let Some(page) = pages.next().await`, with no stream crate.
    pub async fn next(&mut self) -> Option<Result<Page<Task>, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl Stream for PageStream<'_> {
    type Item = Result<Page<Task>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.call.is_none() {
            let Some(query) = this.next.take() else { return Poll::Ready(None) };
            let call = (this.fetch)(query.clone());
            this.call = Some((query, call));
        }
        let Some((query, call)) = this.call.as_mut() else { return Poll::Ready(None) };
        match call.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(page) => {
                if let Ok(page) = &page
                    && !page.is_last()
                {
                    this.next = Some(query.next_page());
                }
                this.call = None;
                Poll::Ready(Some(page))
            }
        }
    }
}

impl std::fmt::Debug for PageStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageStream").field("next", &self.next).finish_non_exhaustive()
    }
}
