//! Saving results whole or not at all, with their SHA-256, and checking them again later.

use std::io::Write;
use std::path::{Path, PathBuf};

use mj_proto::file_name;
use sha2::{Digest, Sha256};

use crate::journal::SavedFile;
use crate::prompts::hex;

/// Writes `bytes` to `path` through a temporary file in the same folder, synced and then
/// renamed: a crash leaves the old file or the new one, never half of one. The temporary
/// name is unpredictable ([`file_name::temporary`]) and created exclusively, so a file or
/// symlink planted beside the target is never written through. Returns what the journal
/// records.
pub(crate) fn save(path: &Path, bytes: &[u8]) -> std::io::Result<SavedFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (temp, mut file) = create_temporary(dir, &name)?;
    let written = (|| {
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

/// A new, empty temporary file for `name` in `dir`, created exclusively under a random name.
fn create_temporary(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    use std::hash::{BuildHasher, Hasher};
    let mut last = std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free temporary name");
    for attempt in 0u32..16 {
        // Keys drawn from the OS's randomness: the name cannot be guessed in advance.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(attempt);
        let temp = dir.join(file_name::temporary(name, std::process::id(), hasher.finish()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Removes the temporary files that killed runs left in `dir`: only names made by
/// [`file_name::temporary`], only for the files this batch writes (`is_ours`), and only
/// those of processes that are gone, so a file another running `mj` or program is still
/// writing is never touched.
pub(crate) fn sweep(dir: &Path, is_ours: impl Fn(&str) -> bool) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = file_name::temporary_owner(&name) else { continue };
        let target = name.trim_start_matches('.');
        if is_ours(target) && (owner == std::process::id() || !alive(owner)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// True while process `pid` runs. Where the platform gives no cheap answer (no `/proc`),
/// every other process is taken as running: a leftover is then kept, never a live file lost.
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Whether the file a job recorded is still there as saved: present, with the same SHA-256.
pub(crate) fn intact(file: &SavedFile) -> bool {
    std::fs::read(&file.path).is_ok_and(|bytes| hex(&Sha256::digest(&bytes)) == file.sha256)
}

/// Checks that `dir` exists (creating it) and takes files, before anything is sent.
pub(crate) fn writable(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let (probe, _) = create_temporary(dir, ".mj-batch-probe")?;
    std::fs::remove_file(&probe)?;
    Ok(dir.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mj-batch-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    /// A sweep takes only this batch's leftovers of dead processes (and its own), never a
    /// file a live process is writing, nor anyone else's.
    #[test]
    fn sweeps_only_the_leftovers_of_dead_runners() {
        let dir = dir("sweep");
        let dead = u32::MAX - 7;
        let names = [
            file_name::temporary("0001-grid-1.png", dead, 1),
            file_name::temporary("0001-grid-1.png", std::process::id(), 2),
            file_name::temporary("0002-grid-2.png", 1, 3),
            file_name::temporary("holiday.png", dead, 4),
            ".0003-grid-3.png.part-77".to_owned(),
        ];
        for name in &names {
            std::fs::write(dir.join(name), b"x").expect("write");
        }
        sweep(&dir, |target| target.starts_with("000"));
        let left: std::collections::BTreeSet<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let expected: std::collections::BTreeSet<String> =
            [names[2].clone(), names[3].clone(), names[4].clone()].into_iter().collect();
        assert_eq!(left, expected, "pid 1 is alive; holiday.png is not ours; the last is no temporary name");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_never_written_through_and_files_are_checked() {
        let dir = dir("symlink");
        let victim = dir.join("victim");
        std::fs::write(&victim, b"precious").expect("victim");
        std::os::unix::fs::symlink(&victim, dir.join(format!(".a.png.part-{}", std::process::id()))).expect("link");
        let saved = save(&dir.join("a.png"), b"bytes").expect("saves");
        assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
        assert!(intact(&saved));
        std::fs::write(dir.join("a.png"), b"other").expect("overwrite");
        assert!(!intact(&saved), "an altered file is not what was saved");
        std::fs::remove_file(dir.join("a.png")).expect("remove");
        assert!(!intact(&saved), "nor is a missing one");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
