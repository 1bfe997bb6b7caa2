//! The text results the simulator writes: describe prompts and shorten analyses.

use crate::rng::hash;

/// Four numbered prompts, as `/describe` writes them.
pub(super) fn described_prompts(seed: &str) -> String {
    const SUBJECTS: [&str; 8] = [
        "a red fox",
        "a lighthouse",
        "a paper boat",
        "a quiet forest",
        "a neon street",
        "an old map",
        "a glass whale",
        "a cat",
    ];
    const STYLES: [&str; 6] =
        ["watercolor", "cinematic lighting", "ukiyo-e", "isometric", "film grain", "pastel tones"];
    const KEYCAPS: [&str; 4] = ["1️⃣", "2️⃣", "3️⃣", "4️⃣"];
    let h = hash(seed);
    KEYCAPS
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let s = SUBJECTS[((h >> (i * 8)) % 8) as usize];
            let st = STYLES[((h >> (i * 8 + 4)) % 6) as usize];
            format!("{k} {s}, {st} --ar 1:1")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A `/shorten` analysis in PLUS's Markdown shape.
pub(super) fn shortened(prompt: &str) -> String {
    let words: Vec<&str> = prompt.split_whitespace().collect();
    let tokens = words.iter().map(|w| format!("**{w}**")).collect::<Vec<_>>().join(" ");
    let mut out = format!("## Important tokens\n{tokens}\n## Shortened prompts\n");
    const KEYCAPS: [&str; 5] = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"];
    let lines: Vec<String> = (0..5)
        .map(|i| {
            let keep = words.len().saturating_sub(i).max(1);
            format!("{} {}", KEYCAPS[i], words.iter().take(keep).copied().collect::<Vec<_>>().join(" "))
        })
        .collect();
    out.push_str(&lines.join("\n\n"));
    out
}
