//! Replays every input of the cargo-fuzz corpora (and every crash kept as a regression)
//! through the same entry points the fuzz targets use, on stable Rust.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 8] = [
    ("task", mj_proto::fuzzing::task),
    ("tasks", mj_proto::fuzzing::tasks),
    ("submit", mj_proto::fuzzing::submit),
    ("page", mj_proto::fuzzing::page),
    ("notification", mj_proto::fuzzing::notification),
    ("envelope", mj_proto::fuzzing::envelope),
    ("fields", mj_proto::fuzzing::fields),
    ("exchange", mj_proto::fuzzing::exchange),
];

#[test]
fn every_corpus_input_replays_cleanly() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    for (name, target) in TARGETS {
        let mut inputs = 0;
        for folder in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(folder).join(name)) else { continue };
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
