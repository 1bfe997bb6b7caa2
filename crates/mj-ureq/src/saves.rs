//! One-call saves: `media.save(path)`, and `client.save_images(&task, dir)` for the common
//! case of a finished task's images.

use std::path::{Path, PathBuf};

use mj_files::SaveError;
use mj_proto::endpoint::Media;
use mj_proto::{Task, Transport};

/// Saves downloaded media in one call, whole or not at all (see [`save`](crate::save)).
///
/// ```no_run
/// use mj_ureq::prelude::*;
///
/// let client = Client::new(Config::new("https://mj.example.com")?);
/// let media = client.download("https://cdn.example.com/grid.png")?;
/// media.save("fox.png")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Save {
    /// Writes the bytes to `path` whole or not at all.
    fn save(&self, path: impl AsRef<Path>) -> std::io::Result<()>;
}

impl Save for Media {
    fn save(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        mj_files::save(path, &self.bytes)
    }
}

/// Downloads a finished task's images into a folder in one call.
///
/// ```no_run
/// use mj_ureq::prelude::*;
///
/// let client = Client::new(Config::new("https://mj.example.com")?);
/// let grid = client.submit_and_wait(Imagine::new("a red fox"), |_| {})?;
/// for path in client.save_images(&grid, "out")? {
///     println!("saved {}", path.display());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SaveImages {
    /// Downloads `task`'s result images (the four when the server lists them one by one,
    /// else the grid or the single image) and saves each in `dir`, which must exist,
    /// under a safe name ([`mj_files::result_files`]: a server's id never names a path),
    /// whole or not at all. Returns the files in order; a task without result images
    /// gives none.
    fn save_images(&self, task: &Task, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, SaveError>;
}

impl<T: Transport> SaveImages for mj_client::Client<T> {
    fn save_images(&self, task: &Task, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, SaveError> {
        let mut saved = Vec::new();
        for (url, name) in mj_files::result_files(task) {
            let media = self.download(&url).map_err(|source| SaveError::Download { url: url.clone(), source })?;
            let path = dir.as_ref().join(name);
            mj_files::save(&path, &media.bytes).map_err(|source| SaveError::Write { path: path.clone(), source })?;
            saved.push(path);
        }
        Ok(saved)
    }
}
