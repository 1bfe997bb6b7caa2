//! Exit codes, and every error as one or two lines: what happened and what to do.

use std::process::ExitCode;

use mj_proto::{Error, ErrorKind};

/// Done.
pub(crate) const OK: u8 = 0;
/// The task failed, was cancelled, or waits for input.
pub(crate) const TASK_FAILED: u8 = 1;
/// Usage or configuration error.
pub(crate) const USAGE: u8 = 2;
/// The server refused the request or answered something mj cannot use.
pub(crate) const REFUSED: u8 = 3;
/// Gave up: timeouts, retries exhausted, unreachable server, unknown outcome.
pub(crate) const GAVE_UP: u8 = 4;
/// A local file or folder could not be written (disk full, permissions): nothing is wrong
/// with the server or the command line, and running again once there is room resumes.
pub(crate) const IO: u8 = 5;
/// A pacing rule (a daily cap, the working hours, a rest after moderation strikes, an
/// interval longer than the time left) holds the submit: nothing was sent, and the same
/// command goes once the rule allows.
pub(crate) const PACED: u8 = 6;

/// The exit codes, one per kind of outcome whatever the command: `mj --help` prints this
/// table and the CLI page (docs/cli.md) holds it word for word (a test checks both).
pub(crate) const TABLE: &str = "\
Exit codes (the same for every command):
  0  done
  1  the task failed, was cancelled, or waits for input
  2  usage or configuration error (a flag, a variable, a file given)
  3  the server refused the request, does not know the task, or answered what mj cannot use
  4  gave up: timeout, retries exhausted, server unreachable, outcome unknown
  5  a local file or folder could not be written (disk full, permissions)
  6  a server's pacing holds the submit (a daily cap, working hours, a rest): nothing was sent";

/// Why mj stops, with the exit code it stops with.
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// A usage or configuration problem.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self { code: USAGE, message: message.into() }
    }

    /// Gave up on something remote (a download) or ran out of time.
    pub(crate) fn gave_up(message: impl Into<String>) -> Self {
        Self { code: GAVE_UP, message: message.into() }
    }

    /// The server (or every server of a pool) refused, or does not know the task.
    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Self { code: REFUSED, message: message.into() }
    }

    /// A local file or folder could not be written.
    pub(crate) fn io(message: impl Into<String>) -> Self {
        Self { code: IO, message: message.into() }
    }

    /// Prints the message (and with `--json`, an error line on stdout) and returns the
    /// exit code.
    pub(crate) fn report(self, json: bool) -> ExitCode {
        if json {
            println!("{}", crate::output::error(self.code, &self.message));
        }
        // Server text can be in the message: no control character reaches the terminal.
        eprintln!("mj: {}", crate::terminal::clean_lines(&self.message));
        ExitCode::from(self.code)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = match error.kind() {
            ErrorKind::TaskFailed | ErrorKind::NeedsInput => TASK_FAILED,
            ErrorKind::Paced => PACED,
            ErrorKind::Config | ErrorKind::Build | ErrorKind::WrongBaseUrl => USAGE,
            ErrorKind::Unauthorized
            | ErrorKind::Quota
            | ErrorKind::NotConfigured
            | ErrorKind::Rejected
            | ErrorKind::Unexpected
            | ErrorKind::Decode
            | ErrorKind::TaskNotFound
            | ErrorKind::BodyTooLarge => REFUSED,
            _ => GAVE_UP,
        };
        let hint = match &error {
            Error::NeedsInput(task) => {
                format!("\nconfirm it with: mj modal {} --prompt \"...\" (or --mask FILE for Vary (Region))", task.id)
            }
            Error::Transport(_) if error.kind() == ErrorKind::Connect => {
                "\ncheck --base-url (or MJ_BASE_URL) and that the server is running".to_owned()
            }
            Error::OutcomeUnknown { token, .. } => format!(
                "\nthe task may exist: look for state `{token}` (mj list) before submitting again"
            ),
            Error::Unexpected(answer) if answer.status.is_redirection() => {
                "\nthe server answered with a redirect, which mj never follows (the key must not travel to another host): use the final URL as --base-url".to_owned()
            }
            Error::WaitTimeout { last: Some(task), .. } => {
                format!("\nit may still finish: mj wait {} (with a longer --timeout)", task.id)
            }
            _ => String::new(),
        };
        Self { code, message: format!("{error}{}{hint}", causes(&error)) }
    }
}

/// `error`'s sources, one `caused by:` line each (a line that only repeats the one
/// before is left out).
fn causes(error: &Error) -> String {
    let mut out = String::new();
    let mut last = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !last.contains(&text) {
            out.push_str(&format!("\n  caused by: {text}"));
        }
        last = text;
        source = cause.source();
    }
    out
}

/// The exit code for a task's final state.
pub(crate) fn for_task(task: &mj_proto::Task) -> u8 {
    if task.status == mj_proto::TaskStatus::Success { OK } else { TASK_FAILED }
}
