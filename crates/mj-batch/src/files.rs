//! Saving results whole or not at all, with their SHA-256, and checking them again later.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::journal::SavedFile;
use crate::prompts::hex;

/// Writes `bytes` to `path` through a temporary file in the same folder, synced and then
/// renamed: a crash leaves the old file or the new one, never half of one. The temporary
/// name is unpredictable ([`mj_proto::file_name::temporary`]) and created exclusively, so a file or
/// symlink planted beside the target is never written through. Returns what the journal
/// records, with the `worker` that saved it on a shared journal.
pub(crate) fn save(path: &Path, bytes: &[u8], worker: Option<String>) -> std::io::Result<SavedFile> {
    mj_files::save(path, bytes)?;
    Ok(SavedFile { path: path.display().to_string(), sha256: hex(&Sha256::digest(bytes)), worker })
}

/// Whether the file a job recorded is still there as saved: present, with the same SHA-256.
pub(crate) fn intact(file: &SavedFile) -> bool {
    std::fs::read(&file.path).is_ok_and(|bytes| hex(&Sha256::digest(&bytes)) == file.sha256)
}

/// Checks that `dir` exists (creating it) and takes files, before anything is sent.
pub(crate) fn writable(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    mj_files::check_writable(dir)?;
    Ok(dir.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A saved file is intact while it holds what was saved, and not once it is altered or
    /// gone. (How it is saved, symlinks and leftovers included, is mj-files' to test.)
    #[test]
    fn files_are_checked_by_their_hash() {
        let dir = std::env::temp_dir().join(format!("mj-batch-intact-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let saved = save(&dir.join("a.png"), b"bytes", None).expect("saves");
        assert!(intact(&saved));
        std::fs::write(dir.join("a.png"), b"other").expect("overwrite");
        assert!(!intact(&saved), "an altered file is not what was saved");
        std::fs::remove_file(dir.join("a.png")).expect("remove");
        assert!(!intact(&saved), "nor is a missing one");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
