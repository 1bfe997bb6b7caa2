//! The `imagine_async` example over real HTTP against every simulator flavor, run as a user
//! runs it: a grid, then U1 (through `/submit/change` on novicezk, which has no buttons).

use mj_test_support::run_example;

use mj_sim::Flavor;

#[test]
fn the_async_imagine_example_works_on_every_flavor() {
    // One simulator and one process per flavor, side by side.
    let runs: Vec<_> = Flavor::ALL
        .into_iter()
        .map(|flavor| std::thread::spawn(move || run_example::imagine_then_u1("imagine_async", flavor)))
        .collect();
    for run in runs {
        run.join().expect("every flavor passes");
    }
}

/// The axum app with mj's callback route, as a user runs it with nothing configured: it
/// submits to the built-in simulator with its hook, streams the updates the callbacks bring
/// and exits 0 after SUCCESS.
#[test]
fn the_webhook_example_receives_every_update() {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>");
    let output = std::process::Command::new(dir.join("examples").join("webhook"))
        .env_remove("MJ_BASE_URL")
        .output()
        .expect("the example runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let updates: Vec<&str> = stdout.lines().filter(|l| l.starts_with("update: ")).collect();
    assert!(updates.len() >= 3 && updates.last().is_some_and(|l| l.contains("SUCCESS 100%")), "{stdout}");
    let shown = stdout.split("mj-hook/").skip(1).any(|rest| rest.starts_with(|c: char| c.is_ascii_hexdigit()));
    assert!(stdout.contains("/mj-hook/[secret]") && !shown, "the path is never shown: {stdout}");
}
