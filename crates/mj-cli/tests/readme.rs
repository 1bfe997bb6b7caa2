//! The README's shell blocks, run as a user on a fresh machine runs them: in an empty
//! folder, with no server configured (so against the built-in simulator), through bash.
//! `cargo run -p mj-cli -- ARGS` runs this build's `mj ARGS`; `cargo test` is the line CI
//! itself runs (`.ci/run`), so it is not run again from inside the tests.

use std::path::Path;
use std::process::Command;

/// The README's blocks marked `sh`, each as one script.
fn shell_blocks(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn the_readmes_commands_work_on_a_fresh_machine() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("README");
    let blocks = shell_blocks(&readme);
    assert!(blocks.iter().any(|b| b.contains("imagine")), "the README shows the main job: {blocks:?}");
    let home = tempfile_dir("readme");
    // `cargo run -p mj-cli -- …` is this build's mj; `cargo test` is CI's own line.
    let prelude = format!(
        "set -euo pipefail\ncargo() {{\n  if [ \"${{1:-}} ${{2:-}} ${{3:-}} ${{4:-}}\" = 'run -p mj-cli --' ]; then shift 4; '{mj}' \"$@\"\n  elif [ \"$1\" = test ]; then echo 'cargo test: run by CI itself'\n  else echo \"unexpected: cargo $*\" >&2; return 1; fi\n}}\n",
        mj = env!("CARGO_BIN_EXE_mj"),
    );
    for block in &blocks {
        let mut command = Command::new("bash");
        command.arg("-c").arg(format!("{prelude}{block}")).current_dir(&home).env("HOME", &home);
        for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("MJ_")) {
            command.env_remove(name);
        }
        let output = command.output().expect("bash runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "this README block failed ({}):\n{block}\n{stderr}", output.status);
        assert!(!stderr.contains("unexpected: cargo"), "{stderr}");
    }
    // The main job saved the four images, and the prompt file's two grids are there too.
    let pngs: Vec<_> = std::fs::read_dir(home.join("out"))
        .expect("out/")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.ends_with(".png"))
        .collect();
    assert_eq!(pngs.iter().filter(|n| n.contains("-grid-")).count(), 2, "{pngs:?}");
    assert_eq!(pngs.len(), 6, "four images and two grids: {pngs:?}");
    for name in &pngs {
        let bytes = std::fs::read(home.join("out").join(name)).expect("a saved file");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is a PNG");
    }
    let _ = std::fs::remove_dir_all(&home);
}

/// A fresh, empty folder under the system's temporary directory.
fn tempfile_dir(label: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("mj-{label}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    assert!(Path::new(&dir).read_dir().expect("readable").next().is_none());
    dir
}
