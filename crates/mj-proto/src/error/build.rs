//! Input refused before anything was sent.

/// Input that a request builder refused, so nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required text field is empty.
    #[error("`{field}` must not be empty")]
    Empty {
        /// The JSON member at fault, as the server names it (`prompt`, `base64Array`).
        field: &'static str,
    },
    /// A list has too few or too many items.
    #[error("`{field}` needs {min} to {max} items, got {got}")]
    Count {
        /// The JSON member at fault, as the server names it.
        field: &'static str,
        /// Fewest allowed.
        min: usize,
        /// Most allowed.
        max: usize,
        /// How many there were.
        got: usize,
    },
    /// A number is out of range.
    #[error("`{field}` must be {min} to {max}, got {got}")]
    Range {
        /// The JSON member at fault, as the server names it.
        field: &'static str,
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
        /// The value given.
        got: i64,
    },
    /// A text field is too long for the servers.
    #[error("`{field}` is {len} UTF-16 units long; servers take at most {max} (an emoji counts as 2)")]
    TooLong {
        /// The JSON member at fault, as the server names it.
        field: &'static str,
        /// Its length in UTF-16 code units, as trueai counts (C# `string.Length`).
        len: usize,
        /// The most the servers take.
        max: usize,
    },
    /// An image is neither a `data:<type>;base64,<data>` URL nor an http(s) URL.
    #[error("`{field}` item {index} is not a valid image: {reason}")]
    Image {
        /// The JSON member at fault, as the server names it.
        field: &'static str,
        /// Which item (0 for single-image fields).
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A URL field does not hold an http(s) URL.
    #[error("`{field}` must be an http:// or https:// URL")]
    Url {
        /// The JSON member at fault, as the server names it.
        field: &'static str,
    },
    /// The task has no button of the kind asked for.
    #[error("the task has no {wanted} button (it has: {available})")]
    NoSuchButton {
        /// The kind asked for.
        wanted: String,
        /// The buttons the task has.
        available: String,
    },
    /// The declared server profile lacks this endpoint.
    #[error("{server} servers do not offer `{endpoint}`")]
    NotOffered {
        /// The endpoint (`video`, `edits`).
        endpoint: crate::EndpointName,
        /// The profile's name.
        server: &'static str,
    },
    /// The declared server profile serves no speed-mode path prefixes.
    #[error("{server} servers serve only under /mj: drop the speed mode (set it in accountFilter or the prompt)")]
    ModePrefix {
        /// The profile's name.
        server: &'static str,
    },
    /// The declared server profile refuses presses of this kind of button.
    #[error("{server} servers refuse {wanted} buttons")]
    ButtonRefused {
        /// The kind asked for.
        wanted: String,
        /// The profile's name.
        server: &'static str,
    },
    /// The declared server would silently ignore this option on this endpoint: refused
    /// rather than sent, so that a caller does not believe it took effect.
    #[error("{server} servers ignore `{field}` on this endpoint: leave it out")]
    Ignored {
        /// The option's JSON field.
        field: &'static str,
        /// The profile's name (`all` when no server reads it).
        server: &'static str,
    },
    /// The request could not be assembled (a path that is not a valid URI).
    #[error("could not assemble the request: {0}")]
    Http(String),
}
