//! Whole-or-nothing saves: a temporary name no one can predict, synced, renamed into
//! place, the folder synced; and the sweep of what dead processes left.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use mj_proto::file_name;

/// Writes `bytes` to `path` whole or not at all.
///
/// The temporary file is named by [`file_name::temporary`] (`.NAME.PID-RANDOM.part`, the
/// random part drawn from the OS's randomness) and created only if nothing stands there
/// yet (`O_EXCL`): a file or symlink planted beside the target can neither receive the
/// bytes nor redirect them. On any failure the temporary file is removed and the target is
/// left as it was.
pub fn save(path: impl AsRef<Path>, bytes: &[u8]) -> io::Result<()> {
    let path = path.as_ref();
    let dir = folder_of(path);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?
        .to_string_lossy();
    let (temporary, mut file) = create_temporary(dir, &name)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    // The rename itself is durable once the folder is synced.
    if let Ok(folder) = File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Checks that files can be saved in `dir` (which must exist), before anything depends on
/// it: a probe file is saved as [`save`] saves (so a planted file or symlink at the probe's
/// name is replaced, never written through) and removed.
pub fn check_writable(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!(".mj-write-test-{}", std::process::id()));
    save(&probe, b"")?;
    std::fs::remove_file(&probe)
}

/// Removes the temporary files that processes which are gone left in `dir`: only names
/// [`save`] makes, only for targets `is_ours` accepts, and only those of dead processes (or
/// this one), so a file another running program is still writing is never touched.
pub fn sweep(dir: &Path, is_ours: impl Fn(&str) -> bool) {
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

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// A new, empty temporary file for `name` in `dir`, created exclusively; a name that is
/// taken is skipped for another.
fn create_temporary(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut last = io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary name");
    for attempt in 0u32..16 {
        // std's hasher keys are drawn from the OS's randomness once per process and then
        // varied per instance: enough that a planted name cannot be guessed.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(attempt);
        let temporary = dir.join(file_name::temporary(name, std::process::id(), hasher.finish()));
        match OpenOptions::new().write(true).create_new(true).open(&temporary) {
            Ok(file) => return Ok((temporary, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// True while process `pid` runs. Where the platform gives no cheap answer (no `/proc`),
/// every other process is taken as running: a leftover is then kept, never a live file lost.
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mj-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    /// A symlink planted where a predictable temporary name would be never receives the
    /// bytes: the name is random and opened with O_EXCL.
    #[cfg(unix)]
    #[test]
    fn a_planted_symlink_is_never_followed() {
        let dir = dir("symlink");
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, b"precious").expect("victim");
        // Every name the old schemes would have used.
        let target = dir.join("1.png");
        std::os::unix::fs::symlink(&victim, dir.join(format!(".1.png.{}.part", std::process::id()))).expect("link");
        std::os::unix::fs::symlink(&victim, dir.join(format!(".1.png.part-{}", std::process::id()))).expect("link");
        save(&target, b"image bytes").expect("saves");
        assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
        assert_eq!(std::fs::read(&target).expect("target"), b"image bytes");
        let made: Vec<_> = std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| file_name::temporary_owner(n).is_some())
            .collect();
        assert!(made.is_empty(), "no temporary file left: {made:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The probe of a folder is saved as any file is: a symlink planted at its name is
    /// replaced, and what it points to is never written.
    #[cfg(unix)]
    #[test]
    fn the_writability_probe_never_writes_through_a_planted_symlink() {
        let dir = dir("probe");
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, b"precious").expect("victim");
        std::os::unix::fs::symlink(&victim, dir.join(format!(".mj-write-test-{}", std::process::id()))).expect("link");
        check_writable(&dir).expect("writable");
        assert_eq!(std::fs::read(&victim).expect("victim"), b"precious");
        assert!(check_writable(&dir.join("missing")).is_err(), "a folder that is not there takes nothing");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failed_save_leaves_the_target_and_no_temporary() {
        let dir = dir("fail");
        std::fs::create_dir_all(dir.join("taken.png")).expect("a folder where the file goes");
        assert!(save(dir.join("taken.png"), b"bytes").is_err());
        let left: Vec<_> = std::fs::read_dir(&dir).expect("dir").flatten().map(|e| e.file_name()).collect();
        assert_eq!(left.len(), 1, "only the folder: {left:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sweeps_only_the_leftovers_of_dead_processes() {
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
}
