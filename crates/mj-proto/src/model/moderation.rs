//! How servers and Midjourney say a prompt or an image was refused for its content: words
//! that make a refusal or a failure a moderation strike, never a passing fault.

/// The words of a moderation refusal, lower-cased, as the servers pass them on:
///
/// - `banned prompt` and `image denied`: the failure reasons trueai counts as strikes
///   (trueai-org/midjourney-proxy@ed32197:src/Midjourney.Base/Models/TaskInfo.cs L955-956);
/// - `output filters`: Discord's "Request cancelled due to output filters" (the same
///   repository, src/Midjourney.Services/DiscordWebSocketService.cs L1524);
/// - `community standards` and `ai moderator`: Midjourney's moderator text
///   (src/Midjourney.Tests/ResTest.cs L20 there);
/// - `敏感词`: "可能包含敏感词", code 24's description (novicezk, PLUS) and trueai's failure
///   reason for a prompt its word list refused (DiscordService.cs L1900 there).
const MODERATION: [&str; 6] =
    ["banned prompt", "image denied", "output filters", "community standards", "ai moderator", "敏感词"];

/// True when `words` (a failure reason, a refusal's description) say the content was
/// refused by moderation.
pub(crate) fn speaks_of_moderation(words: &str) -> bool {
    let lower = words.to_lowercase();
    MODERATION.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_vendors_words_read_as_moderation() {
        for words in [
            "Banned prompt detected",
            "可能包含敏感词",
            "Request cancelled due to output filters",
            "Sorry! Our AI moderator thinks this prompt is probably against our community standards.",
            "Image denied",
        ] {
            assert!(super::speaks_of_moderation(words), "{words}");
        }
        for words in ["Queue full", "Invalid parameter", "任务失败，请重试", ""] {
            assert!(!super::speaks_of_moderation(words), "{words}");
        }
    }
}
