//! The fixture naming convention.

/// What a fixture is, from its file name: the parse to run (`None` for request bodies) and
/// the HTTP status it came with (`http401` in the name; 200 otherwise).
pub(crate) fn classify(name: &str) -> (Option<&'static str>, u16) {
    let status = name.find("http").and_then(|i| name.get(i + 4..i + 7)).and_then(|s| s.parse().ok()).unwrap_or(200);
    let kind = [
        ("request", None),
        ("list-by-condition", Some("tasks")),
        ("page", Some("page")),
        ("notify", Some("notification")),
        ("fetch", Some("task")),
        ("image-seed", Some("seed")),
        ("upload", Some("upload")),
    ]
    .into_iter()
    .find(|(word, _)| name.contains(word))
    .map_or(Some("submit"), |(_, kind)| kind);
    (kind, status)
}
