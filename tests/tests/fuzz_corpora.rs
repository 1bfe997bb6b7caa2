//! Replays every input of the cargo-fuzz corpora (and every crash kept as a regression)
//! through the same entry points the fuzz targets use, on stable Rust.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 9] = [
    ("task", mj_proto::fuzzing::task),
    ("tasks", mj_proto::fuzzing::tasks),
    ("submit", mj_proto::fuzzing::submit),
    ("page", mj_proto::fuzzing::page),
    ("notification", mj_proto::fuzzing::notification),
    ("envelope", mj_proto::fuzzing::envelope),
    ("fields", mj_proto::fuzzing::fields),
    ("exchange", mj_proto::fuzzing::exchange),
    ("backends", mj_proto::fuzzing::backends),
];

#[test]
fn every_corpus_input_replays_cleanly() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    for (name, target) in TARGETS {
        let mut inputs = 0;
        // The backends target shares the task and task-list corpora (its own finds are not
        // kept; its crashes are, under regressions/backends).
        let folders = match name {
            "backends" => vec!["corpus/task".to_owned(), "corpus/tasks".to_owned(), "regressions/backends".to_owned()],
            _ => vec![format!("corpus/{name}"), format!("regressions/{name}")],
        };
        for folder in folders {
            let Ok(entries) = std::fs::read_dir(fuzz.join(folder)) else { continue };
            for entry in entries {
                let path = entry.expect("a corpus entry").path();
                let data = std::fs::read(&path).expect("a corpus file");
                if std::panic::catch_unwind(|| target(&data)).is_err() {
                    panic!("the {name} target fails on {}", path.display());
                }
                inputs += 1;
            }
        }
        assert!(inputs > 0, "the {name} corpus is empty");
        replayed += inputs;
    }
    eprintln!("replayed {replayed} fuzz inputs");
}
