//! The decode benchmark's summary: same-run ratios from criterion's estimates plus
//! allocation counts, printed as a table and written as JSON.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// One decoder at one corpus size.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Measure {
    /// Throughput from criterion's mean, in MB/s (10^6 bytes).
    pub mb_per_s: Option<f64>,
    /// Allocations (and reallocations) per task for one decode.
    pub allocations_per_task: Option<f64>,
    /// Heap bytes still held per task while the decoded value is alive.
    pub retained_bytes_per_task: Option<f64>,
}

/// All decoders at one corpus size.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Row {
    /// Tasks in the corpus.
    pub tasks: u64,
    /// Corpus size in bytes.
    pub bytes: u64,
    /// By decoder name (`floor`, `value`, `untagged`, `owned`, `borrowed`).
    pub decoders: BTreeMap<String, Measure>,
}

/// Where criterion writes (`$CARGO_TARGET_DIR/criterion` or `target/criterion` above the
/// bench executable).
pub fn criterion_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("criterion");
    }
    let exe = std::env::current_exe().unwrap_or_default();
    exe.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("criterion")
}

/// Criterion's mean time in nanoseconds for `group/function/parameter`, from this run.
pub fn mean_ns(group: &str, function: &str, parameter: &str) -> Option<f64> {
    let path = criterion_dir().join(group).join(function).join(parameter).join("new").join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["mean"]["point_estimate"].as_f64()
}

/// Prints the ratio table and writes `decode-summary.json` beside criterion's reports.
pub fn report(rows: &[Row]) {
    let ratio = |row: &Row, a: &str, b: &str| {
        let get = |k: &str| row.decoders.get(k).and_then(|m| m.mb_per_s);
        match (get(a), get(b)) {
            (Some(x), Some(y)) if y > 0.0 => format!("{:.2}", x / y),
            _ => "-".to_owned(),
        }
    };
    let cell = |v: Option<f64>, digits: usize| v.map_or("-".to_owned(), |v| format!("{v:.digits$}"));
    println!("\ndecode summary (same run; MB/s, ratios, allocations and retained heap per task)");
    println!(
        "{:>6} {:>9} | {:>7} {:>7} {:>8} {:>7} {:>8} | {:>10} {:>10} {:>12} {:>13} | {:>13} {:>13}",
        "tasks",
        "bytes",
        "floor",
        "value",
        "untagged",
        "owned",
        "borrowed",
        "owned/flr",
        "owned/val",
        "borrowed/flr",
        "borrowed/val",
        "allocs o/b/v",
        "retained o/b/v"
    );
    for row in rows {
        let m = |k: &str| row.decoders.get(k).cloned().unwrap_or_default();
        println!(
            "{:>6} {:>9} | {:>7} {:>7} {:>8} {:>7} {:>8} | {:>10} {:>10} {:>12} {:>13} | {:>13} {:>13}",
            row.tasks,
            row.bytes,
            cell(m("floor").mb_per_s, 0),
            cell(m("value").mb_per_s, 0),
            cell(m("untagged").mb_per_s, 0),
            cell(m("owned").mb_per_s, 0),
            cell(m("borrowed").mb_per_s, 0),
            ratio(row, "owned", "floor"),
            ratio(row, "owned", "value"),
            ratio(row, "borrowed", "floor"),
            ratio(row, "borrowed", "value"),
            format!(
                "{}/{}/{}",
                cell(m("owned").allocations_per_task, 1),
                cell(m("borrowed").allocations_per_task, 1),
                cell(m("value").allocations_per_task, 0)
            ),
            format!(
                "{}/{}/{}",
                cell(m("owned").retained_bytes_per_task, 0),
                cell(m("borrowed").retained_bytes_per_task, 0),
                cell(m("value").retained_bytes_per_task, 0)
            ),
        );
    }
    let path = criterion_dir().join("decode-summary.json");
    let json = serde_json::to_string_pretty(rows).unwrap_or_default();
    match std::fs::create_dir_all(criterion_dir()).and_then(|()| std::fs::write(&path, json)) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
