//! The prompt file: one prompt per line (blank lines skipped), or JSON lines that may add
//! reference images and the upscales to make.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// One prompt of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PromptLine {
    /// Its line in the file (from 1).
    pub line: usize,
    /// The prompt, `--ar`-style parameters included.
    pub prompt: String,
    /// Reference images: http(s) or data URLs.
    pub images: Vec<String>,
    /// The U buttons to press on the grid (1-4), each upscale saved too.
    pub upscale: Vec<u8>,
}

/// Why a prompt file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    /// The file is not UTF-8.
    #[error("the prompt file is not UTF-8 text")]
    NotText,
    /// It holds no prompt.
    #[error("the prompt file holds no prompt (only blank lines)")]
    Empty,
    /// A JSON line does not read.
    #[error("line {line}: {message}")]
    Line {
        /// The line (from 1).
        line: usize,
        /// What is wrong with it.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonLine {
    prompt: String,
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    upscale: Vec<u8>,
}

/// Reads a prompt file; `jsonl` says each line is an object
/// `{"prompt": "...", "images": ["https://..."], "upscale": [1, 3]}`.
pub fn parse(bytes: &[u8], jsonl: bool) -> Result<Vec<PromptLine>, PromptError> {
    let text = std::str::from_utf8(bytes).map_err(|_| PromptError::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    for (at, raw) in text.lines().enumerate() {
        let line = at + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        if !jsonl {
            lines.push(PromptLine { line, prompt: raw.to_owned(), images: Vec::new(), upscale: Vec::new() });
            continue;
        }
        let parsed: JsonLine =
            serde_json::from_str(raw).map_err(|e| PromptError::Line { line, message: e.to_string() })?;
        if let Some(bad) = parsed.upscale.iter().find(|n| !(1..=4).contains(*n)) {
            return Err(PromptError::Line { line, message: format!("upscale {bad}: the grid has U1 to U4") });
        }
        let mut upscale = parsed.upscale;
        upscale.dedup();
        lines.push(PromptLine { line, prompt: parsed.prompt.trim().to_owned(), images: parsed.images, upscale });
    }
    if lines.is_empty() {
        return Err(PromptError::Empty);
    }
    Ok(lines)
}

/// The file's identity in the journal: the SHA-256 of its bytes, in hex.
pub fn fingerprint(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_skip_blanks_and_keep_their_numbers() {
        let lines = parse("a fox --ar 3:2\n\n  \n猫 in snow\n".as_bytes(), false).expect("parses");
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].line, lines[0].prompt.as_str()), (1, "a fox --ar 3:2"));
        assert_eq!((lines[1].line, lines[1].prompt.as_str()), (4, "猫 in snow"));
        assert!(matches!(parse(b"\n \n", false), Err(PromptError::Empty)));
        assert!(matches!(parse(b"\xff", false), Err(PromptError::NotText)));
    }

    #[test]
    fn json_lines_carry_images_and_upscales() {
        let text = br#"{"prompt": "a fox", "upscale": [1, 3]}
{"prompt": "a cat", "images": ["https://example.test/a.png"]}"#;
        let lines = parse(text, true).expect("parses");
        assert_eq!(lines[0].upscale, [1, 3]);
        assert_eq!(lines[1].images, ["https://example.test/a.png"]);
        let bad = parse(br#"{"prompt": "x", "upscale": [5]}"#, true);
        assert!(matches!(bad, Err(PromptError::Line { line: 1, .. })), "{bad:?}");
        assert!(matches!(parse(br#"{"promt": "x"}"#, true), Err(PromptError::Line { .. })));
    }
}
