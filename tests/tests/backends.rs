//! serde_json and sonic-rs (the `sonic` feature) under mj's decoders: every fixture and
//! the benchmark corpus decode to the same values, or fail alike, on both.

use std::path::Path;

use mj_proto::fuzzing::{Backend, backends, sonic_takes, tasks_with, views_with};

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/mj-proto/tests/fixtures");
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a fixture folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                found.push((path.display().to_string(), std::fs::read(&path).expect("a fixture")));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn this_build_has_both_backends() {
    assert_eq!(Backend::ALL, [Backend::SerdeJson, Backend::Sonic]);
}

#[test]
fn every_fixture_reads_alike_on_both_backends() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 50, "fixtures found: {}", fixtures.len());
    let (mut given, mut json) = (0, 0);
    for (name, body) in &fixtures {
        let is_json = serde_json::from_slice::<serde_json::Value>(body).is_ok();
        json += usize::from(is_json);
        if std::panic::catch_unwind(|| backends(body)).is_err() {
            panic!("the backends differ on {name}");
        }
        // Every fixture is also tried as one element of a list.
        let mut list = b"[".to_vec();
        list.extend_from_slice(body);
        list.push(b']');
        backends(&list);
        if sonic_takes(body) {
            given += usize::from(is_json);
        } else {
            eprintln!("sonic-rs is not given {name}");
        }
    }
    // Real answers are plain JSON: sonic-rs is given every one that is JSON at all.
    assert_eq!(given, json, "sonic-rs was not given some fixtures");
}

#[test]
fn the_benchmark_corpus_reads_alike_on_both_backends() {
    for (n, seed) in [(1, 1), (100, 7), (2_000, 42)] {
        let body = mj_benches::task_array(n, seed);
        assert!(sonic_takes(&body));
        backends(&body);
        let (a, b) = (tasks_with(Backend::SerdeJson, &body), tasks_with(Backend::Sonic, &body));
        assert_eq!(a.as_ref().map(Vec::len), Ok(n as usize));
        assert_eq!(a, b);
        let views = views_with(Backend::Sonic, &body).expect("views");
        // Plain strings point into the body under sonic-rs as under serde_json.
        assert!(views.iter().all(|v| v.id.is_borrowed() && v.properties.as_ref().is_none_or(|p| p.is_borrowed())));
    }
}

#[test]
fn a_body_sonic_is_not_given_still_decodes_through_the_client_path() {
    // A lone escaped surrogate (serde_json refuses it only where it reads it into a
    // string, so views, which skip the member, decode); nesting deeper than sonic-rs is
    // given; invalid UTF-8 in a member views skip.
    let lone = br#"[{"id":"1","unknown":"\ud83e"}]"#.to_vec();
    let deep = format!(r#"[{{"id":"1","x":{}1{}}}]"#, "[".repeat(40), "]".repeat(40)).into_bytes();
    let latin1 = b"[{\"id\":\"1\",\"unknown\":\"caf\xe9\"}]".to_vec();
    for body in [&lone, &deep, &latin1] {
        assert!(!sonic_takes(body));
        backends(body);
        assert_eq!(mj_proto::model::task_views(body).map(|t| t.len()).ok(), Some(1));
    }
    assert_eq!(mj_proto::model::tasks_from_slice(&deep).map(|t| t.len()).ok(), Some(1));
    assert!(mj_proto::model::tasks_from_slice(&lone).is_err() && mj_proto::model::tasks_from_slice(&latin1).is_err());
}
