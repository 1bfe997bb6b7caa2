//! Saving result images, and cutting a 2x2 grid into four.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// Downloads `url` into `dir/name` unless that file exists; the answer must be an image.
pub fn fetch(agent: &mj_ureq::ureq::Agent, url: &str, dir: &Path, name: &str) -> Result<Saved, String> {
    let path = dir.join(name);
    if path.exists() {
        return Ok(Saved::Kept(path));
    }
    let response = agent.get(url).call().map_err(|e| format!("cannot download {name}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("cannot download {name}: the server answered HTTP {}", status.as_u16()));
    }
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if !content_type.starts_with("image/") {
        return Err(format!("{url} is not an image (content type `{content_type}`)"));
    }
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_IMAGE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot download {name}: {e}"))?;
    if bytes.len() as u64 > MAX_IMAGE {
        return Err(format!("{name} is larger than {MAX_IMAGE} bytes"));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::write(&path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Saved::Written(path))
}

/// An agent for downloads: statuses as values, a minute per file.
pub fn agent() -> mj_ureq::ureq::Agent {
    mj_ureq::ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .new_agent()
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
