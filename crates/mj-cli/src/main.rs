//! `mj`: the command-line tool for the Midjourney proxy API.

#![forbid(unsafe_code)]

mod cli;
mod download;
mod exit;
mod listen;
mod progress;
mod render;
mod run;
mod session;
mod watchdog;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    match run::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(),
    }
}
