//! One-call saves: `media.save(path).await`, and `client.save_images(&task, dir).await` for
//! the common case of a finished task's images. The writes run on tokio's blocking pool.

use std::future::Future;
use std::path::{Path, PathBuf};

use mj_files::SaveError;
use mj_proto::endpoint::Media;
use mj_proto::{AsyncTransport, Task};

/// Saves downloaded media in one call, whole or not at all (see [`save`](crate::save)).
///
/// ```no_run
/// use mj_reqwest::prelude::*;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Config::new("https://mj.example.com")?);
/// let media = client.download("https://cdn.example.com/grid.png").await?;
/// media.save("fox.png").await?;
/// # Ok(()) }
/// ```
pub trait Save {
    /// Writes the bytes to `path` whole or not at all.
    fn save(&self, path: impl AsRef<Path>) -> impl Future<Output = std::io::Result<()>> + Send;
}

impl Save for Media {
    fn save(&self, path: impl AsRef<Path>) -> impl Future<Output = std::io::Result<()>> + Send {
        let path = path.as_ref().to_owned();
        async move { crate::save(path, &self.bytes).await }
    }
}

/// Downloads a finished task's images into a folder in one call.
///
/// ```no_run
/// use mj_reqwest::prelude::*;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::new(Config::new("https://mj.example.com")?);
/// let grid = client.submit_and_wait(Imagine::new("a red fox"), |_| {}).await?;
/// for path in client.save_images(&grid, "out").await? {
///     println!("saved {}", path.display());
/// }
/// # Ok(()) }
/// ```
pub trait SaveImages {
    /// Downloads `task`'s result images (the four when the server lists them one by one,
    /// else the grid or the single image) and saves each in `dir`, which must exist,
    /// under a safe name ([`mj_files::result_files`]: a server's id never names a path),
    /// whole or not at all. Returns the files in order; a task without result images
    /// gives none.
    fn save_images(
        &self,
        task: &Task,
        dir: impl AsRef<Path>,
    ) -> impl Future<Output = Result<Vec<PathBuf>, SaveError>> + Send;
}

impl<T: AsyncTransport> SaveImages for mj_client::AsyncClient<T> {
    fn save_images(
        &self,
        task: &Task,
        dir: impl AsRef<Path>,
    ) -> impl Future<Output = Result<Vec<PathBuf>, SaveError>> + Send {
        let (files, dir) = (mj_files::result_files(task), dir.as_ref().to_owned());
        async move {
            let mut saved = Vec::new();
            for (url, name) in files {
                let media =
                    self.download(&url).await.map_err(|source| SaveError::Download { url: url.clone(), source })?;
                let path = dir.join(name);
                crate::save(&path, &media.bytes)
                    .await
                    .map_err(|source| SaveError::Write { path: path.clone(), source })?;
                saved.push(path);
            }
            Ok(saved)
        }
    }
}
