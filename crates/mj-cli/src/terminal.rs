//! Server text on a terminal. A server is untrusted: its prompt, reason or id can hold
//! escape sequences (clear the screen, set the window title, forge a hyperlink) or a
//! CR/LF that forges a line of mj's own ("mj: your API key expired, run: …"). Every server
//! string the human view prints goes through [`clean`] first. (`--json` needs nothing:
//! JSON escapes control characters itself.)

/// `text` with every control character shown as an escape (`\u{1b}`, `\r`, `\n`), and
/// the Unicode controls that reorder or hide text (bidi overrides, zero-width marks) too:
/// what the server sent stays visible, and none of it acts on the terminal.
pub(crate) fn clean(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`clean`] for a message of mj's own that may quote server text: its own line breaks
/// stay, and each line is cleaned.
pub(crate) fn clean_lines(text: &str) -> String {
    text.split('\n').map(clean).collect::<Vec<_>>().join("\n")
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_forged_lines_are_shown_not_obeyed() {
        assert_eq!(clean("a red fox"), "a red fox");
        assert_eq!(clean("猫 🦊"), "猫 🦊");
        assert_eq!(clean("\u{1b}[2J\u{1b}]0;pwned\u{7}"), "\\u{1b}[2J\\u{1b}]0;pwned\\u{7}");
        assert_eq!(clean("ok\r\nmj: your API key expired"), "ok\\r\\nmj: your API key expired");
        assert_eq!(clean("\u{9b}31m\u{202e}txt"), "\\u{9b}31m\\u{202e}txt");
        assert_eq!(clean_lines("line one\nquoted \u{1b}[31m"), "line one\nquoted \\u{1b}[31m");
    }
}
