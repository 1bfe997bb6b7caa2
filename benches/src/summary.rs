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
    /// By decoder name (see [`DECODERS`]).
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

/// The decoders in table order.
pub const DECODERS: [&str; 5] = ["floor", "value", "untagged", "owned", "borrowed"];

/// mj's decoders and their goals at 10 000 tasks: (name, of the floor, times Value).
pub const GOALS: [(&str, f64, f64); 2] = [("owned", 0.25, 3.0), ("borrowed", 0.35, 4.0)];

/// Prints the throughput, ratio and allocation tables and writes `decode-summary.json`
/// beside criterion's reports.
pub fn report(rows: &[Row]) {
    let speed = |row: &Row, k: &str| row.decoders.get(k).and_then(|m| m.mb_per_s);
    let ratio = |row: &Row, a: &str, b: &str| match (speed(row, a), speed(row, b)) {
        (Some(x), Some(y)) if y > 0.0 => Some(x / y),
        _ => None,
    };
    let cell = |v: Option<f64>, digits: usize| v.map_or("-".to_owned(), |v| format!("{v:.digits$}"));
    println!("\ndecode summary (one run): MB/s");
    print!("{:>6} {:>9} |", "tasks", "bytes");
    DECODERS.iter().for_each(|d| print!(" {d:>14}"));
    println!();
    for row in rows {
        print!("{:>6} {:>9} |", row.tasks, row.bytes);
        DECODERS.iter().for_each(|d| print!(" {:>14}", cell(speed(row, d), 0)));
        println!();
    }
    println!("\nratios to the floor and to Value (goal at 10 000 tasks in brackets; * = missed)");
    print!("{:>6} |", "tasks");
    GOALS.iter().for_each(|(d, _, _)| print!(" {:>22}", format!("{d} flr/val")));
    println!();
    for row in rows {
        print!("{:>6} |", row.tasks);
        for (d, floor_goal, value_goal) in GOALS {
            let (f, v) = (ratio(row, d, "floor"), ratio(row, d, "value"));
            let judged = row.tasks == 10_000;
            let miss = |got: Option<f64>, goal: f64| if judged && got.is_none_or(|g| g < goal) { "*" } else { "" };
            let text = format!(
                "{}{}/{}{}{}",
                cell(f, 2),
                miss(f, floor_goal),
                cell(v, 1),
                miss(v, value_goal),
                if judged { format!(" [{floor_goal}/{value_goal}]") } else { String::new() }
            );
            print!(" {text:>22}");
        }
        println!();
    }
    println!("\nallocations / retained heap bytes per task");
    print!("{:>6} |", "tasks");
    DECODERS.iter().skip(1).for_each(|d| print!(" {d:>14}"));
    println!();
    for row in rows {
        print!("{:>6} |", row.tasks);
        for d in DECODERS.iter().skip(1) {
            let m = row.decoders.get(*d).cloned().unwrap_or_default();
            print!(" {:>14}", format!("{}/{}", cell(m.allocations_per_task, 1), cell(m.retained_bytes_per_task, 0)));
        }
        println!();
    }
    let path = criterion_dir().join("decode-summary.json");
    let json = serde_json::to_string_pretty(rows).unwrap_or_default();
    match std::fs::create_dir_all(criterion_dir()).and_then(|()| std::fs::write(&path, json)) {
        Ok(()) => println!("written to {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
