//! The `imagine` example over real HTTP against every simulator flavor, run as a user
//! runs it: a grid, then U1 (through `/submit/change` on novicezk, which has no buttons).

use mj_test_support::run_example;

use mj_sim::Flavor;

#[test]
fn the_imagine_example_works_on_every_flavor() {
    // One simulator and one process per flavor, side by side.
    let runs: Vec<_> = Flavor::ALL
        .into_iter()
        .map(|flavor| std::thread::spawn(move || run_example::imagine_then_u1("imagine", flavor)))
        .collect();
    for run in runs {
        run.join().expect("every flavor passes");
    }
}
