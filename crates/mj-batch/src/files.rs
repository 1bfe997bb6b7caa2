//! Saving results whole or not at all, with their SHA-256.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::journal::SavedFile;
use crate::prompts::hex;

/// Writes `bytes` to `path` through a temporary file in the same folder, synced and then
/// renamed: a crash leaves the old file or the new one, never half of one. Returns what
/// the journal records.
pub(crate) fn save(path: &Path, bytes: &[u8]) -> std::io::Result<SavedFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.part-{}", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        // The rename itself is durable once the folder is synced.
        if let Ok(folder) = std::fs::File::open(dir) {
            let _ = folder.sync_all();
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map(|()| SavedFile { path: path.display().to_string(), sha256: hex(&Sha256::digest(bytes)) })
}

/// Removes the temporary files a killed run left in `dir` (`.NAME.part-PID`).
pub(crate) fn sweep(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".part-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Checks that `dir` exists (creating it) and takes files, before anything is sent.
pub(crate) fn writable(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".mj-batch-probe-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)?;
    Ok(dir.to_owned())
}
