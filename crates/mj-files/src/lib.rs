//! # mj-files: the files of the mj SDK
//!
//! Everything mj reads or writes on disk, so that the protocol core stays free of files:
//! whole-or-nothing saves of results, and the servers file with its key files.
//!
//! ## Saves
//!
//! The one way mj writes a file: [`save()`] puts the bytes into a temporary file beside the
//! target, syncs it, renames it into place and syncs the folder, so a crash, a full disk or
//! a power cut leaves the old file or the new one, never half of one. mj-ureq's `save`,
//! mj-reqwest's (which runs this one on tokio's blocking pool) and mj-batch's all come
//! here, so every temporary file has the same name pattern and [`sweep`] finds the
//! leftovers of any of them.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("mj-files-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! mj_files::save(dir.join("fox.png"), b"\x89PNG...")?;
//! assert_eq!(std::fs::read(dir.join("fox.png"))?, b"\x89PNG...");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`result_files`] names a finished task's images (safe names whatever the server sent),
//! as `mj` and the transports' `save_images` save them.
//!
//! ## The servers file
//!
//! [`ServersFile`] reads the servers a program (and the `mj` command) works with: the same
//! file, the same default places and the same words as `mj`, each value parsed by the core
//! (`ServerProfile`, `AuthStyle`, `SpeedMode` and their aliases), and each server's pacing
//! (`min_interval`, daily caps, working hours, a rest after moderation strikes; durations
//! as seconds or as text, [`parse_duration`]).

//!
//! ## Features
//!
//! - `zones`: zone names (`Asia/Shanghai`) in the servers file's `timezone`, daylight
//!   saving time included, from the time zone database bundled with jiff; without it,
//!   offsets from UTC only (`+08:00`).

#![forbid(unsafe_code)]

mod pacing;
mod results;
mod save;
mod servers;

pub use pacing::parse_duration;
pub use results::{SaveError, file_name, result_files, result_stem};
pub use save::{check_writable, save, sweep};
pub use servers::{ServersFile, ServersFileError};
