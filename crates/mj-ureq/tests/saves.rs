//! One-call saves over real HTTP against loopback simulators: a task's images into a
//! folder under safe names (four when the server lists them, the grid otherwise), and a
//! downloaded image saved with `media.save(path)`.

use mj_sim::{Flavor, Server, SimConfig};
use mj_ureq::prelude::*;

fn folder(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-ureq-saves-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn is_png(path: &std::path::Path) -> bool {
    std::fs::read(path).expect("read").starts_with(b"\x89PNG\r\n\x1a\n")
}

#[test]
fn a_tasks_images_are_saved_in_one_call_under_safe_names() {
    for (flavor, count) in [(Flavor::Trueai, 4), (Flavor::Plus, 1)] {
        let sim = Server::start(SimConfig::new("").flavor(flavor).speed(10.0), 0).expect("sim");
        let client = Client::new(Config::new(&sim.url()).expect("config"));
        let mut grid = client.submit_and_wait(Imagine::new("a red fox"), |_| {}).expect("grid");
        let dir = folder(&format!("{flavor:?}"));
        let saved = client.save_images(&grid, &dir).expect("saved");
        assert_eq!(saved.len(), count, "{flavor:?}: {saved:?}");
        assert!(saved.iter().all(|p| p.parent() == Some(dir.as_path()) && is_png(p)), "{saved:?}");
        assert!(saved[0].file_name().is_some_and(|n| n.to_string_lossy().starts_with(&grid.id)), "{saved:?}");

        // A server's id never names a path: the files stay in the folder.
        grid.id = "../../escaped".to_owned();
        let saved = client.save_images(&grid, &dir).expect("saved");
        assert!(saved.iter().all(|p| p.parent() == Some(dir.as_path())), "{saved:?}");
        assert!(!dir.join("../../escaped.png").exists() && !dir.join("../../escaped-1.png").exists());

        let media = client.download(grid.result_image_urls()[0]).expect("downloaded");
        media.save(dir.join("one.png")).expect("saved");
        assert!(is_png(&dir.join("one.png")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn a_folder_that_is_not_there_is_a_write_error_naming_the_file() {
    let sim = Server::start(SimConfig::new("").flavor(Flavor::Plus).speed(10.0), 0).expect("sim");
    let client = Client::new(Config::new(&sim.url()).expect("config"));
    let grid = client.submit_and_wait(Imagine::new("a red fox"), |_| {}).expect("grid");
    let missing = std::env::temp_dir().join(format!("mj-ureq-saves-missing-{}", std::process::id())).join("no");
    let error = client.save_images(&grid, &missing).expect_err("no such folder");
    assert!(matches!(error, mj_ureq::SaveError::Write { .. }) && error.to_string().contains("cannot write"), "{error}");
}
