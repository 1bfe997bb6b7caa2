//! The error a program's `main` returns: printed as a person reads it, not as a struct.

use std::error::Error as StdError;
use std::fmt;

/// Any error, as `main` should print it: its message and then each cause on a line of its
/// own.
///
/// `fn main() -> Result<(), Box<dyn Error>>` prints an error with `Debug`
/// (`Error: Unauthorized(ServerAnswer { status: 401, … })`); `fn main() -> Result<(), Report>`
/// prints what [`Display`](fmt::Display) says and the chain of
/// [`source`](StdError::source)s, as the `mj` command does:
///
/// ```text
/// Error: the answer to a submit was lost, and lookups by its token (mj-1a2b…) found nothing
///   caused by: connection reset by 127.0.0.1:8080
/// ```
///
/// Every error converts with `?`, mj's and any other (`std::env::VarError`, `io::Error`);
/// a plain message converts with [`Report::msg`].
///
/// ```
/// use mj_proto::{Config, Report};
///
/// fn main() -> Result<(), Report> {
///     let config = Config::new("https://api.example.com")?;
///     let Some(key) = option_env!("NO_SUCH_VARIABLE_IN_THIS_BUILD") else {
///         return Ok(()); // or: return Err(Report::msg("set MJ_API_KEY"));
///     };
///     let _config = config.with_api_key(key)?;
///     Ok(())
/// }
/// ```
pub struct Report(Box<dyn StdError + Send + Sync + 'static>);

impl Report {
    /// A report of a plain message, for a program's own failures (`"set MJ_API_KEY"`).
    pub fn msg(message: impl fmt::Display) -> Self {
        Self(message.to_string().into())
    }

    /// The error this report carries, to inspect it (`report.error().downcast_ref::<mj_proto::Error>()`).
    pub fn error(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.0
    }

    /// The causes below the error, outermost first, each one's own message.
    pub fn causes(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        std::iter::successors(self.0.source(), |e| (*e).source())
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for Report {
    fn from(error: E) -> Self {
        Self(Box::new(error))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// What `main` prints after `Error: `: the message, then `  caused by: …` per cause.
impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)?;
        for cause in self.causes() {
            write!(f, "\n  caused by: {cause}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the outer failure")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn main_prints_the_message_and_each_cause_on_its_own_line() {
        let report = Report::from(Outer(std::io::Error::other("the inner failure")));
        assert_eq!(format!("{report:?}"), "the outer failure\n  caused by: the inner failure");
        assert_eq!(report.to_string(), "the outer failure");
        assert_eq!(format!("{:?}", Report::msg("set MJ_API_KEY")), "set MJ_API_KEY");
    }

    #[test]
    fn an_mj_error_reads_as_its_display_not_its_fields() {
        let cause = crate::transport::TransportError::new(crate::transport::TransportErrorKind::Connect, "refused");
        let report = Report::from(crate::Error::Transport(cause));
        let printed = format!("{report:?}");
        assert!(!printed.contains("Transport(") && !printed.contains("kind:"), "{printed}");
    }
}
