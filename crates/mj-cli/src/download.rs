//! Saving result images, and cutting a 2x2 grid into four.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::watchdog::say;

/// The largest image accepted.
const MAX_IMAGE: u64 = 64 * 1024 * 1024;

/// What happened to one file.
pub enum Saved {
    /// Written now.
    Written(PathBuf),
    /// Already there; left alone.
    Kept(PathBuf),
}

impl Saved {
    /// The file.
    pub fn path(&self) -> &Path {
        match self {
            Self::Written(p) | Self::Kept(p) => p,
        }
    }
}

/// Why one download attempt failed.
enum Attempt {
    /// Another try may work (connect failure, timeout, dropped connection, 5xx, 429).
    Transient(String),
    /// It will not (404, not an image, too large).
    Permanent(String),
}

/// Downloads `url` into `dir/name` unless that file exists; the answer must be an image.
///
/// Transient failures are retried with backoff until `deadline`, each announced on
/// stderr. The file appears whole or not at all: the bytes go to a temporary name in
/// `dir` and are renamed into place.
pub fn fetch(
    agent: &mj_ureq::ureq::Agent,
    url: &str,
    dir: &Path,
    name: &str,
    deadline: Instant,
    request_timeout: Duration,
) -> Result<Saved, String> {
    let path = dir.join(name);
    if path.exists() {
        return Ok(Saved::Kept(path));
    }
    let mut pause = Duration::from_millis(500);
    let mut attempt = 1;
    let bytes = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("cannot download {name}: the command's time limit passed"));
        }
        match download(agent, url, name, left.min(request_timeout)) {
            Ok(bytes) => break bytes,
            Err(Attempt::Permanent(reason)) => return Err(reason),
            Err(Attempt::Transient(reason)) => {
                if Instant::now() + pause >= deadline {
                    return Err(format!("{reason}; gave up at the command's time limit"));
                }
                say(format!(
                    "download of {name}: try {attempt} failed ({reason}); trying again in {:.1} s",
                    pause.as_secs_f64()
                ));
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(10));
                attempt += 1;
            }
        }
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let partial = dir.join(format!(".{name}.{}.part", std::process::id()));
    std::fs::write(&partial, &bytes).map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    std::fs::rename(&partial, &path).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        format!("cannot write {}: {e}", path.display())
    })?;
    Ok(Saved::Written(path))
}

/// One GET of `url`, its whole body, within `timeout`.
fn download(agent: &mj_ureq::ureq::Agent, url: &str, name: &str, timeout: Duration) -> Result<Vec<u8>, Attempt> {
    use mj_ureq::ureq::Error as E;
    let response = agent.get(url).config().timeout_global(Some(timeout)).build().call().map_err(|e| {
        let reason = format!("cannot download {name}: {}", describe(&e));
        match e {
            E::BadUri(_) | E::Http(_) | E::BodyExceedsLimit(_) => Attempt::Permanent(reason),
            _ => Attempt::Transient(reason),
        }
    })?;
    let status = response.status();
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(Attempt::Transient(format!(
            "cannot download {name}: the server answered HTTP {}",
            status.as_u16()
        )));
    }
    if !status.is_success() {
        return Err(Attempt::Permanent(format!(
            "cannot download {name}: the server answered HTTP {}",
            status.as_u16()
        )));
    }
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if !content_type.starts_with("image/") {
        return Err(Attempt::Permanent(format!("{url} is not an image (content type `{content_type}`)")));
    }
    let length = response.headers().get("content-length").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_IMAGE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Attempt::Transient(format!("cannot download {name}: {e}")))?;
    if bytes.len() as u64 > MAX_IMAGE {
        return Err(Attempt::Permanent(format!("{name} is larger than {MAX_IMAGE} bytes")));
    }
    if length.is_some_and(|n| n != bytes.len() as u64) {
        return Err(Attempt::Transient(format!("cannot download {name}: the body was cut short")));
    }
    Ok(bytes)
}

/// ureq's error without the URL (it may carry credentials).
fn describe(error: &mj_ureq::ureq::Error) -> String {
    use mj_ureq::ureq::Error as E;
    match error {
        E::Timeout(_) => "no answer in time".to_owned(),
        E::HostNotFound => "host not found".to_owned(),
        E::ConnectionFailed => "connection failed".to_owned(),
        E::Io(io) => format!("i/o error: {}", io.kind()),
        other => other.to_string().split_whitespace().filter(|w| !w.contains("://")).collect::<Vec<_>>().join(" "),
    }
}

/// An agent for downloads: statuses as values; each call sets its own time limit.
pub fn agent() -> mj_ureq::ureq::Agent {
    mj_ureq::ureq::Agent::config_builder().http_status_as_error(false).build().new_agent()
}

/// Cuts the 2x2 grid at `grid` into `stem-1.png` … `stem-4.png` beside it (left to right,
/// top to bottom), keeping files that exist.
pub fn split(grid: &Path, stem: &str) -> Result<Vec<Saved>, String> {
    let image = image::open(grid).map_err(|e| format!("cannot read {} as an image: {e}", grid.display()))?;
    let (w, h) = (image.width() / 2, image.height() / 2);
    if w == 0 || h == 0 {
        return Err(format!("{} is too small to be a grid", grid.display()));
    }
    let dir = grid.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (n, (x, y)) in [(0, 0), (w, 0), (0, h), (w, h)].into_iter().enumerate() {
        let path = dir.join(format!("{stem}-{}.png", n + 1));
        if path.exists() {
            out.push(Saved::Kept(path));
            continue;
        }
        image
            .crop_imm(x, y, w, h)
            .save_with_format(&path, image::ImageFormat::Png)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        out.push(Saved::Written(path));
    }
    Ok(out)
}

/// A file name for `url`: the task id, a suffix, and the URL's extension (png by default).
pub fn file_name(task_id: &str, suffix: &str, url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let ext = path
        .rsplit('/')
        .next()
        .and_then(|last| last.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()))
        .filter(|e| matches!(e.as_str(), "png" | "jpg" | "jpeg" | "webp" | "gif"))
        .unwrap_or_else(|| "png".to_owned());
    format!("{task_id}{suffix}.{ext}")
}

#[cfg(test)]
#[path = "../../../tests/support/raw_server.rs"]
mod raw_server;

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    use super::raw_server::RawServer;
    use super::{Saved, agent, fetch};

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

    #[test]
    fn an_existing_file_is_kept_byte_for_byte_and_not_fetched() {
        let server = RawServer::start(png_answer(b"new bytes", 9));
        let dir = dir("kept");
        let path = dir.join("1.png");
        std::fs::write(&path, b"old bytes").expect("write");
        let before = std::fs::metadata(&path).and_then(|m| m.modified()).expect("mtime");
        std::thread::sleep(Duration::from_millis(20));
        let deadline = Instant::now() + Duration::from_secs(5);
        let saved = fetch(&agent(), &format!("{}/1.png", server.url), &dir, "1.png", deadline, Duration::from_secs(5));
        assert!(matches!(saved, Ok(Saved::Kept(_))));
        assert_eq!(std::fs::read(&path).expect("read"), b"old bytes");
        assert_eq!(std::fs::metadata(&path).and_then(|m| m.modified()).expect("mtime"), before);
        assert_eq!(server.hits.load(Ordering::Relaxed), 0, "nothing was downloaded");
        let fresh = fetch(&agent(), &format!("{}/2.png", server.url), &dir, "2.png", deadline, Duration::from_secs(5));
        assert!(matches!(fresh, Ok(Saved::Written(_))));
        assert_eq!(std::fs::read(dir.join("2.png")).expect("read"), b"new bytes");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_body_cut_short_is_retried_and_never_left_as_a_file() {
        // Claims 100 bytes, sends 9, closes: every try fails the same way.
        let server = RawServer::start(png_answer(b"new bytes", 100));
        let dir = dir("cut");
        let deadline = Instant::now() + Duration::from_secs(2);
        let e = fetch(&agent(), &format!("{}/1.png", server.url), &dir, "1.png", deadline, Duration::from_secs(1))
            .err()
            .expect("never whole");
        assert!(e.contains("time limit"), "{e}");
        assert!(server.hits.load(Ordering::Relaxed) >= 2, "retried");
        let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
        assert!(left.is_empty(), "no file and no partial file: {left:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
