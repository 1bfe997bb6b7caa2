//! mj-proto is layered: each top-level module uses only the modules of the layers below
//! it, so a reader can learn the crate bottom up and change one layer without reading the
//! ones above. This test reads the sources and fails on any use that points sideways or
//! up (doc links and comments aside), and on a module missing from the table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. A module may use any module of a lower layer, none of its own or above.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "the wire vocabulary and leaf helpers",
        &["wire", "json", "multipart", "file_name", "auth", "config_error", "address", "endpoint_name"],
    ),
    ("the API key", &["secret"]),
    ("the data the servers send and take", &["model"]),
    ("how fast and how much a server may be asked", &["pacing"]),
    ("the transport seam", &["transport"]),
    ("errors", &["error"]),
    ("images as data URLs", &["data_url"]),
    ("server families", &["profile"]),
    ("where the server is and how to reach it", &["config"]),
    ("status mapping and input checks", &["response", "validate"]),
    ("one build/parse pair per endpoint", &["endpoint"]),
    ("notifyHook callbacks", &["webhook"]),
    ("sans-IO state machines", &["plan"]),
    ("the fuzz targets' entry points", &["fuzzing"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file of a top-level module: `name.rs`, or everything under `name/`.
fn files_of(module: &str) -> Vec<PathBuf> {
    let file = src().join(format!("{module}.rs"));
    if file.exists() {
        return vec![file];
    }
    let mut out = Vec::new();
    let mut stack = vec![src().join(module)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out
}

/// The names the crate root re-exports, and the module each comes from
/// (`pub use config::{Config, DEFAULT_USER_AGENT};` makes `crate::Config` mean `config`).
fn root_names() -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    let mut names = BTreeMap::new();
    for statement in lib.split(';') {
        let statement = statement.trim();
        let Some(rest) = statement.strip_prefix("pub use ") else { continue };
        let Some((module, items)) = rest.split_once("::") else { continue };
        if module == "crate" {
            continue; // the prelude, which re-exports what the root already names
        }
        let items = items.trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',') {
            let name = item.split(" as ").last().unwrap_or(item).trim();
            if !name.is_empty() {
                names.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    names
}

/// The top-level modules a file of `module` uses: every `crate::x` outside comments,
/// including the members of `use crate::{x, y::z}` groups.
fn uses(module: &str, roots: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for file in files_of(module) {
        let text = std::fs::read_to_string(&file).expect("a source file");
        let code: String = text
            .lines()
            .map(|line| match line.find("//") {
                Some(at) => &line[..at],
                None => line,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = code.as_str();
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let targets: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                let end = matching_brace(group);
                top_level_items(&group[..end])
            } else {
                vec![rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()]
            };
            for target in targets {
                let target = roots.get(&target).cloned().unwrap_or(target);
                if !target.is_empty() && target != module {
                    let at = file.strip_prefix(src()).unwrap_or(&file).display().to_string();
                    found.entry(target).or_insert(at);
                }
            }
        }
    }
    found
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

/// The first path segment of each item of a `{...}` group, nested groups skipped.
fn top_level_items(group: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => items.push(std::mem::take(&mut current)),
            _ if depth == 0 => current.push(c),
            _ => {}
        }
    }
    items.push(current);
    items
        .iter()
        .map(|i| i.trim().split("::").next().unwrap_or("").split(" as ").next().unwrap_or("").trim().to_owned())
        .filter(|i| !i.is_empty() && i != "self")
        .collect()
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let layer_of: BTreeMap<&str, usize> =
        LAYERS.iter().enumerate().flat_map(|(i, (_, modules))| modules.iter().map(move |m| (*m, i))).collect();
    let roots = root_names();
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(src()).expect("src") {
        let path = entry.expect("an entry").path();
        let name = path.file_stem().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name != "lib" {
            on_disk.insert(name);
        }
    }
    let missing: Vec<_> = on_disk.iter().filter(|m| !layer_of.contains_key(m.as_str())).collect();
    assert!(missing.is_empty(), "modules without a layer in LAYERS: {missing:?}");
    let mut wrong = Vec::new();
    for module in &on_disk {
        let own = layer_of[module.as_str()];
        for (target, file) in uses(module, &roots) {
            match layer_of.get(target.as_str()) {
                Some(&layer) if layer < own => {}
                Some(&layer) => wrong.push(format!(
                    "{file}: `{module}` ({}) uses `{target}` ({}), which is not below it",
                    LAYERS[own].0, LAYERS[layer].0
                )),
                None => wrong.push(format!("{file}: `{module}` uses `crate::{target}`, which is no module")),
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}
