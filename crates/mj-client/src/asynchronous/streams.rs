//! The async client's streams and pages: a wait, a submit, a press and a watch as streams of snapshots, and a search page by page.

use mj_proto::endpoint::Query;
use mj_proto::model::{Page, Task, TaskHandle};
use mj_proto::{AsyncTransport, Error};

use super::AsyncClient;
use crate::stream::{PageStream, TaskUpdates};

impl<T: AsyncTransport> AsyncClient<T> {
    /// The changes of task `id` as a [`Stream`](futures_core::Stream) of snapshots (the
    /// same as [`wait_with`](Self::wait_with)'s callback sees), ending after the last one;
    /// a failed, cancelled or timed-out task ends it with the error as its last item.
    ///
    /// Read it with its own [`next`](TaskUpdates::next) (no stream crate needed), or with any
    /// stream combinator (`futures::StreamExt`):
    ///
    /// ```no_run
    /// # async fn run(client: mj_client::AsyncClient<std::sync::Arc<dyn mj_client::mj_proto::AsyncTransport>>) {
    /// let mut updates = client.wait_stream("1747190313867714");
    /// while let Some(update) = updates.next().await {
    ///     match update {
    ///         Ok(task) => println!("{} {:?}", task.status, task.progress_percent()),
    ///         Err(e) => eprintln!("{e}"),
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// The stream owns a clone of the client (clones share everything), so it is
    /// `'static`: hand it to another task or keep it in a struct.
    pub fn wait_stream(&self, task: impl Into<TaskHandle>) -> TaskUpdates<'static, Task>
    where
        T: 'static,
    {
        let (handle, client) = (task.into(), self.clone());
        TaskUpdates::new(move |mut seen| Box::pin(async move { client.wait_with(&handle, |task| seen(task)).await }))
    }

    /// [`submit_and_wait`](Self::submit_and_wait) as an owned
    /// [`Stream`](futures_core::Stream): the new task's first sight (its id and token, as
    /// soon as the submit is answered), then every change; after the end,
    /// [`TaskUpdates::output`] is the finished task.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport + 'static>) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut updates = client.submit_and_wait_stream(Imagine::new("a red fox"));
    /// while let Some(update) = updates.next().await {
    ///     let task = update?;
    ///     println!("{} {} {:?}", task.id, task.status, task.progress_percent());
    /// }
    /// let grid = updates.output();
    /// # Ok(()) }
    /// ```
    pub fn submit_and_wait_stream<S>(&self, request: S) -> TaskUpdates<'static, Task>
    where
        T: 'static,
        S: mj_proto::endpoint::Submit + Clone + Send + Sync + 'static,
    {
        let client = self.clone();
        TaskUpdates::new(move |mut seen| {
            Box::pin(async move { client.submit_and_wait(request, |task| seen(task)).await })
        })
    }

    /// [`press_and_wait`](Self::press_and_wait) as an owned
    /// [`Stream`](futures_core::Stream), as [`submit_and_wait_stream`](Self::submit_and_wait_stream).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport + 'static>) -> Result<(), Box<dyn std::error::Error>> {
    /// let grid = client.wait("1747190313867714").await?;
    /// let mut updates = client.press_and_wait_stream(&grid, &ButtonKind::Upscale(1));
    /// let upscale = updates.output();
    /// # Ok(()) }
    /// ```
    pub fn press_and_wait_stream(&self, task: &Task, kind: &mj_proto::ButtonKind) -> TaskUpdates<'static, Task>
    where
        T: 'static,
    {
        let (client, task, kind) = (self.clone(), task.clone(), kind.clone());
        TaskUpdates::new(move |mut seen| {
            Box::pin(async move { client.press_and_wait(&task, &kind, |update| seen(update)).await })
        })
    }

    /// The changes of many tasks, watched together as [`watch`](Self::watch) does, as a
    /// [`Stream`](futures_core::Stream); after its end,
    /// [`TaskUpdates::output`] is the [`WatchReport`](mj_proto::plan::WatchReport).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport + 'static>) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut updates = client.watch_stream(["1747190313867714", "1747190313867715"]);
    /// while let Some(Ok(task)) = updates.next().await {
    ///     println!("{} {}", task.id, task.status);
    /// }
    /// let report = updates.output();
    /// # Ok(()) }
    /// ```
    pub fn watch_stream<I: Into<TaskHandle>>(
        &self,
        tasks: impl IntoIterator<Item = I>,
    ) -> TaskUpdates<'static, mj_proto::plan::WatchReport>
    where
        T: 'static,
    {
        let (ids, client): (Vec<TaskHandle>, _) = (tasks.into_iter().map(Into::into).collect(), self.clone());
        TaskUpdates::new(move |mut seen| Box::pin(async move { client.watch(ids, |task| seen(task)).await }))
    }

    /// Every page of `query` as a [`Stream`](futures_core::Stream), one request per page.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport + 'static>) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut pages = client.page_stream(Query::new());
    /// while let Some(page) = pages.next().await {
    ///     for task in page?.content {
    ///         println!("{} {}", task.id, task.status);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn page_stream(&self, query: Query) -> PageStream<'static>
    where
        T: 'static,
    {
        let client = self.clone();
        PageStream::new(
            query,
            Box::new(move |query| {
                let client = client.clone();
                Box::pin(async move { client.query(&query).await })
            }),
        )
    }

    /// Every page of `query`, fetched one `next_page().await` at a time.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport + 'static>) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut pages = client.pages(Query::new());
    /// while let Some(page) = pages.next_page().await {
    ///     println!("{} tasks", page?.content.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages(&self, query: Query) -> AsyncPages<'_, T> {
        AsyncPages { client: self, next: Some(query) }
    }
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
