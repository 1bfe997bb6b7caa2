//! File names made from what a server sends (task ids, above all).
//!
//! A server is untrusted input: a task id such as `../../x`, `/etc/cron.d/x`, `C:x`, 300
//! characters, or one with control characters must never make a program write outside the
//! folder its user named, fail on "file name too long", or collide with another task's
//! file. This is the one place mj turns such text into a file name; the CLI and mj-batch
//! both use it.

/// The longest stem [`safe_stem`] returns.
pub const MAX_STEM: usize = 64;

/// A file-name stem for `text` that is safe on every platform: only ASCII letters, digits,
/// `-` and `_`, never empty, at most [`MAX_STEM`] characters. A text that already is such
/// a stem (every real server's numeric or UUID-like ids) comes back unchanged; any other
/// keeps its safe characters (up to 40) and gets a 16-digit hash of the whole text, so
/// two different ids never share a file.
///
/// ```
/// use mj_proto::file_name::safe_stem;
///
/// assert_eq!(safe_stem("1747190313867714"), "1747190313867714");
/// let stem = safe_stem("../../../etc/passwd");
/// assert!(stem.starts_with("etcpasswd-") && !stem.contains('/') && !stem.contains('.'));
/// assert_ne!(safe_stem("a/b"), safe_stem("a_b"));
/// assert!(safe_stem(&"9".repeat(300)).len() <= 64);
/// ```
pub fn safe_stem(text: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !text.is_empty() && text.len() <= MAX_STEM && text.chars().all(allowed) {
        return text.to_owned();
    }
    let kept: String = text.chars().filter(|&c| allowed(c)).take(40).collect();
    let hash = fnv1a(text.as_bytes());
    if kept.is_empty() { format!("task-{hash:016x}") } else { format!("{kept}-{hash:016x}") }
}

/// The name of the temporary file a whole-or-nothing save of `name` writes first:
/// `.NAME.PID-RANDOM.part`, hidden, beside the target. `random` must be unpredictable
/// (the caller draws it; the core has no randomness), so nobody can plant a file or a
/// symlink at the name in advance; the writer creates it exclusively all the same.
/// mj-ureq, mj-reqwest and mj-batch all name their temporary files this way, so one
/// sweep ([`temporary_owner`]) recognises every leftover.
pub fn temporary(name: &str, process: u32, random: u64) -> String {
    format!(".{name}.{process}-{random:016x}.part")
}

/// The process that wrote the temporary file `file` (a name made by [`temporary`]), or
/// `None` when `file` is not such a name. A sweep removes only leftovers of processes that
/// are gone (or its own), never a file another running process is still writing.
///
/// ```
/// use mj_proto::file_name::{temporary, temporary_owner};
///
/// assert_eq!(temporary_owner(&temporary("0001-grid-17.png", 4242, 7)), Some(4242));
/// assert_eq!(temporary_owner("0001-grid-17.png"), None);
/// ```
pub fn temporary_owner(file: &str) -> Option<u32> {
    let rest = file.strip_prefix('.')?.strip_suffix(".part")?;
    let (_, tail) = rest.rsplit_once('.')?;
    let (process, random) = tail.split_once('-')?;
    (random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit())).then_some(())?;
    process.parse().ok()
}

/// FNV-1a, 64 bits: stable across runs and platforms (a resumed batch must name a file as
/// the run before it did), and with no dependency.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_become_plain_names() {
        for id in [
            "",
            ".",
            "..",
            "../../../trav_x",
            "/abs/olute",
            "C:\\x",
            "a\0b",
            "line\nbreak",
            "\u{1b}[2J",
            "ünïcödé",
            &"x".repeat(300),
            "-rf",
        ] {
            let stem = safe_stem(id);
            assert!(!stem.is_empty() && stem.len() <= MAX_STEM, "{id:?} -> {stem}");
            assert!(stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{id:?} -> {stem}");
            assert_eq!(stem, safe_stem(id), "stable");
        }
        assert_eq!(safe_stem("1320098173412546"), "1320098173412546");
        assert_eq!(safe_stem("ab12-cd_34"), "ab12-cd_34");
        assert_ne!(safe_stem("a.b"), safe_stem("a:b"));
    }
}
