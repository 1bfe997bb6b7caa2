//! Decoding is total: replace any one member of any recorded task, at any depth, with any
//! JSON value, and the task still decodes with the same id, its other members read as
//! before, and an odd replacement is kept verbatim and named by its path.

mod common;

use std::path::Path;

use common::Answer;
use common::{any_task, fixture_body, fixtures_dir, response};
use mj_proto::endpoint::ListByCondition;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Every recorded body that is one task object (fetch answers and callbacks).
fn task_fixtures() -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    let mut stack = vec![fixtures_dir()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir).expect("fixtures").flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
            } else if is_json(&path)
                && let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&fixture_body(&path))
                && map.get("id").is_some_and(|id| id.is_string() || id.is_number())
                && !map.contains_key("code")
            {
                out.push(map);
            }
        }
    }
    assert!(out.len() >= 10, "the fixtures hold tasks: {}", out.len());
    out
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json" || e == "jsonc")
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        Just(Value::String("🪄".into())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the value that `choices` lead to in `value` (the first choice picks a
/// top-level member other than `id`; each further one descends while it can), returning
/// the path taken and the top-level key.
fn replace(task: &mut Map<String, Value>, choices: &[usize], with: Value) -> (String, String) {
    let keys: Vec<String> = task.keys().filter(|k| *k != "id").cloned().collect();
    let key = keys[choices[0] % keys.len()].clone();
    let mut path = key.clone();
    if let Some(at) = task.get_mut(&key) {
        descend(at, &choices[1..], with, &mut path);
    }
    (path, key)
}

/// Replaces the value `choices` lead to below `at` (or `at` itself), extending `path`.
fn descend(at: &mut Value, choices: &[usize], with: Value, path: &mut String) {
    let Some((&choice, rest)) = choices.split_first() else {
        *at = with;
        return;
    };
    match at {
        Value::Object(map) if !map.is_empty() => {
            let k = map.keys().nth(choice % map.len()).cloned().unwrap_or_default();
            path.push('.');
            path.push_str(&k);
            if let Some(next) = map.get_mut(&k) {
                descend(next, rest, with, path);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = choice % items.len();
            path.push_str(&format!("[{i}]"));
            descend(&mut items[i], rest, with, path);
        }
        _ => *at = with,
    }
}

fn json_of(task: &mj_proto::Task) -> Map<String, Value> {
    match serde_json::to_value(task).expect("serializes") {
        Value::Object(map) => map,
        other => panic!("a task serializes as an object: {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_member_in_any_shape_costs_only_itself(
        pick in any::<usize>(),
        choices in prop::collection::vec(any::<usize>(), 1..5),
        with in any_json(),
    ) {
        let fixtures = task_fixtures();
        let original = fixtures[pick % fixtures.len()].clone();
        let before = any_task(serde_json::to_vec(&original).expect("json"));
        let mut changed = original.clone();
        let (path, key) = replace(&mut changed, &choices, with.clone());
        let body = serde_json::to_vec(&changed).expect("json");
        let after = any_task(body.clone());
        prop_assert_eq!(&after.id, &before.id);
        let (was, now) = (json_of(&before), json_of(&after));
        for (k, v) in &was {
            if *k != key {
                prop_assert_eq!(now.get(k), Some(v), "member {} changed when {} was replaced", k, path);
            }
        }
        if let Some(quirk) = after.quirks().iter().find(|q| q.path == path) {
            prop_assert_eq!(&quirk.value, &with, "kept verbatim");
            if path == key {
                prop_assert_eq!(now.get(&key), Some(&with), "written back as sent");
            }
        }
        // In a list beside an untouched copy, the odd task costs nothing either.
        let list = serde_json::to_vec(&Value::Array(vec![Value::Object(changed), Value::Object(original)])).expect("json");
        let ids = ListByCondition::new([before.id.clone()]).answer(response(200, list)).expect("a list decodes");
        prop_assert_eq!(ids.len(), 1);
    }
}

/// `mj parse`'s promise, for each shape: a member replaced by an object, an array, a number
/// or `true` leaves the task readable and the member named.
#[test]
fn an_odd_member_of_each_shape_is_named() {
    for with in [serde_json::json!({"name": "x"}), serde_json::json!([1, 2]), serde_json::json!(7.5), Value::Bool(true)]
    {
        for key in ["prompt", "status", "progress", "imageUrl", "buttons", "properties", "submitTime", "action"] {
            let mut task = Map::new();
            task.insert("id".into(), "1".into());
            task.insert(key.into(), with.clone());
            let decoded = any_task(serde_json::to_vec(&task).expect("json"));
            let typed = decoded.quirks().is_empty();
            // Some shapes are read (7.5 as a prompt is "7.5"); the others are named.
            if !typed {
                let quirk = &decoded.quirks()[0];
                assert!(quirk.path.starts_with(key), "{key} = {with}: {quirk}");
                if quirk.path == key {
                    assert_eq!(decoded.extra.get(key), Some(&with), "{key} = {with}");
                }
            }
        }
    }
}

/// A submit answer is total but for its code: an odd description, result or properties is
/// named, and an answer whose id is readable still yields its task.
#[test]
fn a_submit_answer_with_odd_members_still_gives_its_task() {
    use mj_proto::endpoint::Imagine;
    let body = r#"{"code":1,"description":{"en":"ok"},"result":"1750","properties":[1]}"#;
    let submitted = Imagine::new("x").answer(response(200, body)).expect("the id is readable");
    assert_eq!(submitted.task_id, "1750");
    let paths: Vec<&str> = submitted.raw.quirks().iter().map(|q| q.path.as_str()).collect();
    assert_eq!(paths, ["description", "properties"]);
}
