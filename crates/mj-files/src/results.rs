//! Where a finished task's images go: one file name per result, safe whatever the server
//! sent, the same for `mj` and for programs.

use mj_proto::Task;
use mj_proto::file_name::safe_stem;

/// The files a finished task's images are saved as: each result image's URL and the file
/// name it gets (the task's id, or `server-id` over several servers, made safe: a server's
/// id never names a path; `-1` to `-4` when the server lists the images one by one; the
/// URL's image extension, png by default). Empty for a task that has no result image.
///
/// ```
/// let task: mj_proto::Task = serde_json::from_str(
///     r#"{"id":"../../17","status":"SUCCESS","imageUrl":"https://cdn.example.com/a/grid.webp?x=1"}"#,
/// )?;
/// let files = mj_files::result_files(&task);
/// assert_eq!(files.len(), 1);
/// assert!(!files[0].1.contains('/'), "{}", files[0].1);
/// assert!(files[0].1.ends_with(".webp"));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn result_files(task: &Task) -> Vec<(String, String)> {
    let stem = result_stem(task);
    let urls = task.result_image_urls();
    let one_by_one = !task.image_urls.is_empty();
    urls.iter()
        .enumerate()
        .map(|(n, url)| {
            let suffix = if one_by_one { format!("-{}", n + 1) } else { String::new() };
            ((*url).to_owned(), file_name(&stem, &suffix, url))
        })
        .collect()
}

/// What a task's files are named after: its id, or `server-id` over several servers
/// (ids are unique per server only).
pub fn result_stem(task: &Task) -> String {
    match &task.server {
        Some(server) => format!("{server}-{}", task.id),
        None => task.id.clone(),
    }
}

/// A file name for `url`: `stem` made safe, a suffix, and the URL's extension when it is
/// an image's (png by default).
pub fn file_name(stem: &str, suffix: &str, url: &str) -> String {
    let stem = safe_stem(stem);
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|last| last.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()))
        .filter(|e| matches!(e.as_str(), "png" | "jpg" | "jpeg" | "webp" | "gif"))
        .unwrap_or_else(|| "png".to_owned());
    format!("{stem}{suffix}.{ext}")
}

/// Why saving a task's images stopped: a download failed (the files saved before it stay),
/// or a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Downloading `url` failed.
    #[error("downloading {url}: {source}")]
    Download {
        /// The image's URL.
        url: String,
        /// Why.
        #[source]
        source: mj_proto::Error,
    },
    /// Writing `path` failed (nothing is left half-written under its name).
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
