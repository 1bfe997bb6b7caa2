//! Benchmark support: a seeded, realistic corpus of task JSON.
//!
//! The corpus mixes what servers really send: every status, prompts of varied length with
//! CJK and emoji, 0-9 buttons whose `type`/`style` are ints half the time and numeric
//! strings the other half, nulls and missing fields, and `properties` maps.

use std::fmt::Write;

pub mod decoders;
pub mod naive;
pub mod summary;

/// A small deterministic generator (xorshift64*), so every run measures the same bytes.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0 is replaced by a fixed non-zero seed).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

const STATUSES: [&str; 9] =
    ["NOT_START", "SUBMITTED", "IN_PROGRESS", "SUCCESS", "SUCCESS", "FAILURE", "MODAL", "CANCEL", ""];
const WORDS: [&str; 16] = [
    "a",
    "red",
    "fox",
    "in",
    "the",
    "snow",
    "猫猫",
    "赛博朋克",
    "城市",
    "🦊",
    "1\u{fe0f}\u{20e3}",
    "--ar 3:2",
    "--v 7",
    "cinematic",
    "lighting",
    "watercolor",
];
const BUTTONS: [(&str, &str, &str); 9] = [
    ("upsample::1", "U1", ""),
    ("upsample::2", "U2", ""),
    ("upsample::3", "U3", ""),
    ("upsample::4", "U4", ""),
    ("reroll::0", "", "🔄"),
    ("variation::1", "V1", ""),
    ("variation::2", "V2", ""),
    ("variation::3", "V3", ""),
    ("variation::4", "V4", ""),
];

fn prompt(rng: &mut Rng) -> String {
    let words = 2 + rng.below(40);
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    out
}

/// Writes one task as the servers might, with `seed`'s choices.
pub fn write_task(out: &mut String, rng: &mut Rng, index: u64) {
    let id = 1_747_190_313_867_714u64 + index;
    let status = STATUSES[rng.below(STATUSES.len() as u64) as usize];
    let submit = 1_747_190_313_868u64 + index * 1000;
    let hash = rng.next_u64();
    let p = prompt(rng);
    let _ = write!(out, r#"{{"id":"{id}","action":"IMAGINE","status":"{status}","prompt":{},"#, json_str(&p));
    if rng.one_in(2) {
        let _ = write!(out, r#""promptEn":{},"#, json_str(&p));
    } else {
        out.push_str(r#""promptEn":null,"#);
    }
    let _ = write!(out, r#""description":"/imagine {id}","state":"","submitTime":{submit},"#);
    match rng.below(3) {
        0 => out.push_str(r#""startTime":null,"finishTime":null,"#),
        1 => {
            let _ = write!(out, r#""startTime":{},"finishTime":0,"#, submit + 500);
        }
        _ => {
            let _ = write!(out, r#""startTime":"{}","finishTime":{},"#, submit + 500, submit + 60_000);
        }
    }
    let progress = rng.below(101);
    let _ = write!(out, r#""progress":"{progress}%","#);
    if status == "SUCCESS" || rng.one_in(3) {
        let _ = write!(out, r#""imageUrl":"https://cdn.discordapp.com/attachments/1/{id}/grid_{hash:x}.png","#);
    } else {
        out.push_str(r#""imageUrl":"","#);
    }
    if status == "FAILURE" {
        out.push_str(r#""failReason":"可能包含敏感词 banned prompt","#);
    } else {
        out.push_str(r#""failReason":null,"#);
    }
    let buttons = rng.below(10) as usize;
    if buttons == 0 && rng.one_in(2) {
        out.push_str(r#""buttons":null,"#);
    } else {
        out.push_str(r#""buttons":["#);
        for (i, (job, label, emoji)) in BUTTONS.iter().take(buttons).enumerate() {
            if i > 0 {
                out.push(',');
            }
            let (t, s) =
                if rng.one_in(2) { ("2".to_owned(), "2".to_owned()) } else { ("\"2\"".to_owned(), "\"2\"".to_owned()) };
            let _ = write!(
                out,
                r#"{{"customId":"MJ::JOB::{job}::{hash:x}","emoji":"{emoji}","label":"{label}","type":{t},"style":{s}}}"#
            );
        }
        out.push_str("],");
    }
    let _ = write!(
        out,
        r#""properties":{{"finalPrompt":{},"messageHash":"{hash:x}","flags":0,"notifyHook":null,"discordInstanceId":"1118138338562560102"}}}}"#,
        json_str(&p)
    );
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A JSON array of `n` tasks, the same bytes for the same `seed`.
pub fn task_array(n: u64, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = String::from("[");
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        write_task(&mut out, &mut rng, i);
    }
    out.push(']');
    out.into_bytes()
}

/// The `mj` binary built beside the running example (`target/PROFILE/mj`), for the
/// examples that measure `mj batch` from outside; build it first with `cargo build
/// [--release] -p mj-cli`.
pub fn mj_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the example's path");
    let dir = exe.parent().and_then(std::path::Path::parent).expect("the target folder");
    let mj = dir.join(format!("mj{}", std::env::consts::EXE_SUFFIX));
    assert!(mj.exists(), "build the CLI first: cargo build [--release] -p mj-cli ({} is missing)", mj.display());
    mj
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_valid_json_that_mj_decodes() {
        let body = task_array(300, 7);
        let value: serde_json::Value = serde_json::from_slice(&body).expect("valid JSON");
        assert_eq!(value.as_array().map(Vec::len), Some(300));
        let tasks: Vec<mj_proto::Task> = serde_json::from_slice(&body).expect("mj decodes it");
        assert!(tasks.iter().any(|t| t.buttons.len() == 9));
        assert!(tasks.iter().any(|t| t.status == mj_proto::TaskStatus::Empty));
        assert_eq!(task_array(300, 7), body, "deterministic");
    }
}
