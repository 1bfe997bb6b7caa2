//! Saving result images, and cutting a 2x2 grid into four.

use std::path::{Path, PathBuf};

/// What happened to one file.
pub(crate) enum Saved {
    /// Written now.
    Written(PathBuf),
    /// Already there; left alone.
    Kept(PathBuf),
}

impl Saved {
    /// Where the file was written.
    pub(crate) fn path(&self) -> &Path {
        match self {
            Self::Written(p) | Self::Kept(p) => p,
        }
    }
}

/// Downloads `url` into `dir/name` unless that file exists; the answer must be an image.
///
/// The SDK's download does the work: transient failures are retried within the
/// command's deadline (each announced on stderr by the client's observer), and the file
/// appears whole or not at all (`mj_ureq::save` writes a temporary file, then renames).
pub(crate) fn fetch<T: mj_proto::Transport>(
    client: &mj_client::Client<T>,
    url: &str,
    dir: &Path,
    name: &str,
) -> Result<Saved, String> {
    let path = dir.join(name);
    if path.exists() {
        return Ok(Saved::Kept(path));
    }
    let media = client.download(url).map_err(|e| format!("cannot download {name}: {e}"))?;
    if !media.content_type.starts_with("image/") {
        return Err(format!("{name} is not an image (content type `{}`)", media.content_type));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    mj_ureq::save(&path, &media.bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Saved::Written(path))
}

/// Cuts the 2x2 grid at `grid` into `stem-1.png` … `stem-4.png` beside it (left to right,
/// top to bottom), keeping files that exist; the SDK's `Media::split_grid` does the cut.
pub(crate) fn split(grid: &Path, stem: &str) -> Result<Vec<Saved>, String> {
    let bytes = std::fs::read(grid).map_err(|e| format!("cannot read {}: {e}", grid.display()))?;
    let media = mj_proto::endpoint::Media::new(bytes, "image/png");
    let quarters = media.split_grid().map_err(|e| format!("{}: {e}", grid.display()))?;
    let dir = grid.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (n, quarter) in quarters.iter().enumerate() {
        let path = dir.join(format!("{stem}-{}.png", n + 1));
        if path.exists() {
            out.push(Saved::Kept(path));
            continue;
        }
        mj_ureq::save(&path, &quarter.bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        out.push(Saved::Written(path));
    }
    Ok(out)
}

#[cfg(test)]
use mj_test_support::raw_server;

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use mj_client::Settings;
    use mj_proto::Config;

    use super::raw_server::RawServer;
    use super::{Saved, fetch};

    fn png_answer(body: &[u8], claimed: usize) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {claimed}\r\nconnection: close\r\n\r\n"
        )
        .into_bytes();
        out.extend_from_slice(body);
        out
    }

    fn dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("mj-download-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    fn client(url: &str, deadline: Duration) -> mj_ureq::Client {
        mj_ureq::Client::new(Config::new(url).expect("config")).with_settings(Settings::default().deadline(deadline))
    }

    /// The bytes of a PNG as far as a download's check looks (its signature).
    const NEW: &[u8] = b"\x89PNG\r\n\x1a\nnew bytes";

    #[test]
    fn an_existing_file_is_kept_byte_for_byte_and_not_fetched() {
        let server = RawServer::start(png_answer(NEW, NEW.len()));
        let client = client(&server.url, Duration::from_secs(5));
        let dir = dir("kept");
        let path = dir.join("1.png");
        std::fs::write(&path, b"old bytes").expect("write");
        let before = std::fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
        std::thread::sleep(Duration::from_millis(20));
        let saved = fetch(&client, &format!("{}/1.png", server.url), &dir, "1.png");
        assert!(matches!(saved, Ok(Saved::Kept(_))));
        assert_eq!(std::fs::read(&path).expect("read"), b"old bytes");
        assert_eq!(std::fs::metadata(&path).and_then(|m| m.modified()).expect("mtime"), before);
        assert_eq!(server.hits.load(Ordering::Relaxed), 0, "nothing was downloaded");
        let fresh = fetch(&client, &format!("{}/2.png", server.url), &dir, "2.png");
        assert!(matches!(fresh, Ok(Saved::Written(_))));
        assert_eq!(std::fs::read(dir.join("2.png")).expect("read"), NEW);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_body_cut_short_is_retried_and_never_left_as_a_file() {
        // Claims 100 bytes, sends 9, closes: every try fails the same way.
        let server = RawServer::start(png_answer(b"new bytes", 100));
        let client = client(&server.url, Duration::from_secs(2));
        let dir = dir("cut");
        let e = fetch(&client, &format!("{}/1.png", server.url), &dir, "1.png").err().expect("never whole");
        assert!(e.contains("cut short") || e.contains("interrupted"), "{e}");
        assert!(server.hits.load(Ordering::Relaxed) >= 2, "retried");
        let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
        assert!(left.is_empty(), "no file and no partial file: {left:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
