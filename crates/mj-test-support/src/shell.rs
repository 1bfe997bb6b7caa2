//! A command's environment, folder and arguments given to another program: how a test
//! runs a shell script with exactly what it prepared for `mj`.

use std::process::Command;

/// `command`'s variables (set and removed), folder and arguments, run by `program`
/// instead (`bash -c SCRIPT` from `mj(...).args(["-c", script])`).
pub fn as_program(command: &Command, program: &str) -> Command {
    let mut other = Command::new(program);
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => other.env(key, value),
            None => other.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        other.current_dir(dir);
    }
    other.args(command.get_args());
    other
}
