//! One-call saves for async code, over real HTTP against a loopback simulator: a task's
//! four images into a folder under safe names, and `media.save(path).await`.

use mj_reqwest::prelude::*;
use mj_sim::{Flavor, Server, SimConfig};

#[tokio::test]
async fn a_tasks_images_are_saved_in_one_call() {
    let sim = Server::start(SimConfig::new("").flavor(Flavor::Trueai).speed(10.0), 0).expect("sim");
    let client = Client::new(Config::new(&sim.url()).expect("config"));
    let mut grid = client.submit_and_wait(Imagine::new("a red fox"), |_| {}).await.expect("grid");
    let dir = std::env::temp_dir().join(format!("mj-reqwest-saves-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    grid.id = "../../escaped".to_owned();
    // The future is Send: it can be spawned.
    let (task, folder, spawned_client) = (grid.clone(), dir.clone(), client.clone());
    let saved = tokio::spawn(async move { spawned_client.save_images(&task, &folder).await })
        .await
        .expect("joined")
        .expect("saved");
    assert_eq!(saved.len(), 4, "{saved:?}");
    for path in &saved {
        assert_eq!(path.parent(), Some(dir.as_path()), "a server's id never names a path");
        assert!(std::fs::read(path).expect("read").starts_with(b"\x89PNG"), "{}", path.display());
    }
    let media = client.download(grid.result_image_urls()[0]).await.expect("downloaded");
    media.save(dir.join("one.png")).await.expect("saved");
    assert!(std::fs::read(dir.join("one.png")).expect("read").starts_with(b"\x89PNG"));
    let _ = std::fs::remove_dir_all(&dir);
}
