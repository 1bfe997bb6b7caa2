//! The local files an agent's calls touch: results written only under the output root,
//! with names mj makes (never a server's or an agent's text as a path), and images read
//! only from the folders the user allowed.

use std::path::{Path, PathBuf};

use mj_client::Client;
use mj_proto::{Task, Transport};

use crate::outcome::ToolError;

/// The largest local image read for `describe`, `blend` or `video`.
const MAX_IMAGE: u64 = 20 * 1024 * 1024;

/// Saves `task`'s result images and videos into `out` (whole files or none; a file
/// already there is kept), and returns their paths.
pub(crate) fn save_results<T: Transport>(
    client: &Client<T>,
    task: &Task,
    out: &Path,
) -> Result<Vec<String>, ToolError> {
    let stem = mj_files::result_stem(task);
    let mut wanted = mj_files::result_files(task);
    for (n, url) in task.result_video_urls().into_iter().enumerate() {
        wanted.push((url.to_owned(), format!("{}-video-{}.mp4", mj_proto::file_name::safe_stem(&stem), n + 1)));
    }
    let mut saved = Vec::new();
    for (url, name) in wanted {
        let path = out.join(&name);
        if !path.exists() {
            let media = client
                .download(&url)
                .map_err(|e| ToolError::new("download", client.redact_text(&format!("cannot download {name}: {e}"))))?;
            if !(media.content_type.starts_with("image/") || media.content_type.starts_with("video/")) {
                return Err(ToolError::new(
                    "download",
                    format!("{name} is not an image or a video (content type `{}`)", shown(&media.content_type)),
                ));
            }
            mj_files::save(&path, &media.bytes)
                .map_err(|e| ToolError::new("io", format!("cannot write {}: {e}", path.display())))?;
        }
        saved.push(path.display().to_string());
    }
    Ok(saved)
}

/// The image an agent named: an `http(s)` URL as it is, or a local file as a data URL
/// when it lies under one of `roots` (after every `..` and symlink is resolved).
pub(crate) fn image_ref(image: &str, roots: &[PathBuf]) -> Result<String, ToolError> {
    if image.starts_with("https://") || image.starts_with("http://") {
        return Ok(image.to_owned());
    }
    let refused = || {
        ToolError::new(
            "file_refused",
            format!(
                "{} is not an http(s) URL nor a file under an allowed folder ({})",
                crate::arguments::shown(image),
                roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        )
    };
    let path = Path::new(image).canonicalize().map_err(|_| refused())?;
    if !roots.iter().any(|root| path.starts_with(root)) {
        return Err(refused());
    }
    let size = std::fs::metadata(&path).map_err(|_| refused())?.len();
    if size > MAX_IMAGE {
        return Err(ToolError::arguments(format!("{} is larger than {} MiB", path.display(), MAX_IMAGE >> 20)));
    }
    let bytes =
        std::fs::read(&path).map_err(|e| ToolError::new("io", format!("cannot read {}: {e}", path.display())))?;
    mj_proto::data_url::from_image(&bytes)
        .map_err(|_| ToolError::arguments(format!("{} is not a PNG, JPEG, GIF or WebP image", path.display())))
}

/// A server's header as a message shows it.
fn shown(text: &str) -> String {
    crate::arguments::shown(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_outside_the_allowed_folders_are_refused() {
        let root = std::env::temp_dir().join(format!("mj-mcp-files-{}", std::process::id()));
        let allowed = root.join("allowed");
        std::fs::create_dir_all(&allowed).expect("dir");
        std::fs::write(root.join("secret.png"), b"\x89PNG\r\n\x1a\nsecret").expect("write");
        std::fs::write(allowed.join("fox.png"), b"\x89PNG\r\n\x1a\nfox").expect("write");
        let roots = vec![allowed.canonicalize().expect("canonical")];
        assert!(
            image_ref(&allowed.join("fox.png").display().to_string(), &roots)
                .is_ok_and(|u| u.starts_with("data:image/png;base64,"))
        );
        for outside in [root.join("secret.png"), allowed.join("../secret.png"), PathBuf::from("/etc/passwd")] {
            let e = image_ref(&outside.display().to_string(), &roots).expect_err("outside");
            assert_eq!(e.kind, "file_refused", "{outside:?}");
        }
        assert_eq!(
            image_ref("https://cdn.example.com/a.png", &roots).ok().as_deref(),
            Some("https://cdn.example.com/a.png")
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
