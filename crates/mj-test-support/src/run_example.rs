//! Runs an example binary the way a user does (`MJ_BASE_URL` pointing at a loopback
//! simulator, the shipped defaults) and checks on the simulator's side what it made.
//! Shared by mj-ureq's and mj-reqwest's `examples` tests.

use std::path::PathBuf;
use std::process::Command;

use mj_sim::{Flavor, Server, SimConfig};

/// `target/<profile>/examples/<name>`: cargo builds a package's examples before its tests.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>");
    dir.join("examples").join(name)
}

/// Runs example `name` against a simulator of `flavor` (tasks 25x faster): it must exit
/// 0 having made exactly one grid and one upscale, each submitted once.
pub fn imagine_then_u1(name: &str, flavor: Flavor) {
    let server = Server::start(SimConfig::new("").flavor(flavor).speed(25.0), 0).expect("simulator");
    let output = Command::new(example(name))
        .arg("a red fox")
        .env("MJ_BASE_URL", server.url())
        .env_remove("MJ_API_KEY")
        .env_remove("MJ_AUTH")
        .env_remove("MJ_MODE")
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{name} on {flavor}: {}\n{stderr}", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("pressing U1"), "{stdout}");
    let stats = server.stats();
    let created = |action: &str| stats.tasks_created.get(action).copied().unwrap_or(0);
    assert_eq!((created("IMAGINE"), created("UPSCALE")), (1, 1), "{name} on {flavor}: {stats:?}");
    assert!(stats.duplicated_states().is_empty(), "{stats:?}");
    server.stop();
}
