//! The README and `docs/` as the issue that shaped them asks: a README a Rust user reads top
//! to bottom (at most 250 lines, `[dependencies]` and a program in its first 60), and every
//! page's Rust blocks compiled (each page is a doctest of `mj_tests::documentation`).

use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace")
}

#[test]
fn every_page_of_docs_is_compiled_as_a_doctest() {
    let lib = std::fs::read_to_string(workspace().join("tests/src/lib.rs")).expect("tests/src/lib.rs");
    let mut pages = 0;
    for entry in std::fs::read_dir(workspace().join("docs")).expect("docs/") {
        let name = entry.expect("a docs/ entry").file_name().to_string_lossy().into_owned();
        assert!(name.ends_with(".md"), "docs/ holds pages only, not {name}");
        let include = format!("include_str!(\"../../docs/{name}\")");
        assert!(lib.contains(&include), "docs/{name} is not compiled: add it to mj_tests::documentation");
        pages += 1;
    }
    assert!(pages >= 10, "{pages} pages");
    // A crate README with Rust in it is compiled here or by its crate's docs.
    for entry in std::fs::read_dir(workspace().join("crates")).expect("crates/") {
        let dir = entry.expect("a crate").path();
        let Ok(readme) = std::fs::read_to_string(dir.join("README.md")) else { continue };
        let crate_name = dir.file_name().expect("a name").to_string_lossy().into_owned();
        let own = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap_or_default();
        let included = lib.contains(&format!("include_str!(\"../../crates/{crate_name}/README.md\")"))
            || own.contains("include_str!(\"../README.md\")");
        assert!(
            !readme.contains("```rust") || included,
            "crates/{crate_name}/README.md has Rust that nothing compiles"
        );
    }
    assert!(lib.contains("include_str!(\"../../README.md\")"));
}

#[test]
fn the_readme_starts_with_cargo_toml_and_a_program_and_stays_short() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).expect("README.md");
    let lines: Vec<&str> = readme.lines().collect();
    assert!(lines.len() <= 250, "the README has {} lines", lines.len());
    let start = lines[..60].join("\n");
    assert!(start.contains("[dependencies]"), "no [dependencies] in the first 60 lines");
    assert!(start.contains("fn main()"), "no program in the first 60 lines");
}

#[test]
fn every_code_block_says_its_language() {
    // rustdoc compiles a block without a language as Rust: a tree or a table must say `text`.
    let mut files = vec![workspace().join("README.md")];
    for entry in std::fs::read_dir(workspace().join("docs")).expect("docs/") {
        files.push(entry.expect("a docs/ entry").path());
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a page");
        let mut open = false;
        for (n, line) in text.lines().enumerate() {
            if let Some(info) = line.trim_start().strip_prefix("```") {
                assert!(open || !info.trim().is_empty(), "{}:{}: a block without a language", file.display(), n + 1);
                open = !open;
            }
        }
        assert!(!open, "{}: a block is never closed", file.display());
    }
}

#[test]
fn every_relative_link_names_a_file_that_exists() {
    let mut pages = vec![workspace().join("README.md"), workspace().join("CHANGELOG.md")];
    let mut checked = 0;
    for entry in std::fs::read_dir(workspace().join("docs")).expect("docs/") {
        pages.push(entry.expect("a docs/ entry").path());
    }
    for page in pages {
        let text = std::fs::read_to_string(&page).expect("a page");
        let folder = page.parent().expect("a folder");
        for (_, rest) in text.match_indices("](").map(|(i, _)| ((), &text[i + 2..])) {
            let Some(end) = rest.find(')') else { continue };
            let target = &rest[..end];
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let file = target.split('#').next().unwrap_or(target);
            assert!(folder.join(file).exists(), "{}: a link to {target}, which does not exist", page.display());
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} links read");
}
