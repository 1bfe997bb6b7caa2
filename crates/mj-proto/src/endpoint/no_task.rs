//! What a fetch answer that holds no task said: the forms of "I do not know that task".

/// The forms a server's "I do not know that task" takes, each read as no task.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoTask {
    /// No body at all: 200 with nothing (novicezk) or 204 No Content (trueai).
    Empty {
        /// The HTTP status that came with it.
        status: u16,
    },
    /// The JSON value `null`.
    Null,
    /// A refusal that says not found: code 3, or `task_no_found` and its kin (gateways).
    NotFound {
        /// What the server said, as mj reads it.
        said: String,
    },
    /// A JSON object without an `id` that is neither a wrapper around a task nor an error
    /// envelope (`{}`, `{"status":"SUCCESS"}`): whatever else it holds, it names no task.
    WithoutId,
}

impl std::fmt::Display for NoTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty { status: 204 } => {
                f.write_str("HTTP 204 without a body (how trueai says it does not know a task)")
            }
            Self::Empty { status } => {
                write!(f, "HTTP {status} with an empty body (how novicezk says it does not know a task)")
            }
            Self::Null => f.write_str("the JSON value null"),
            Self::NotFound { said } => write!(f, "a not-found answer ({said})"),
            Self::WithoutId => f.write_str(
                "an object without an `id`, which names no task (and is neither a wrapper around one nor an error)",
            ),
        }
    }
}
