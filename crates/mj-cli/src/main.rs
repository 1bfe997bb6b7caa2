//! `mj`: the command-line tool for the Midjourney proxy API.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod counted;
mod download;
mod exit;
mod interrupt;
mod output;
mod progress;
mod render;
mod session;
mod terminal;
mod watchdog;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

/// The commands that talk to no server: their help leaves the client options out.
const LOCAL: [&str; 3] = ["sim", "listen", "parse"];

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if e.kind() == clap::error::ErrorKind::DisplayHelp
                && let Some(help) = local_help()
            {
                print!("{help}");
                return ExitCode::from(exit::OK);
            }
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    interrupt::install();
    let json = cli.global.json;
    if cli.global.verbose > 0 {
        let level = if cli.global.verbose > 1 { tracing::Level::DEBUG } else { tracing::Level::INFO };
        tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_target(false)
            .init();
    }
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(json),
    }
}

/// `mj sim --help` (or listen, parse): the subcommand's own options only, since the
/// global ones configure a client these commands do not use.
fn local_help() -> Option<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Global options may come first (`mj --json sim --help`), with their values.
    let name = args.iter().find(|a| LOCAL.contains(&a.as_str()))?;
    if !args.iter().any(|a| a == "-h" || a == "--help") {
        return None;
    }
    let long = args.iter().any(|a| a == "--help");
    // The definition before clap copies the global options into every subcommand.
    let mut command = cli::Cli::command().find_subcommand(name)?.clone().bin_name(format!("mj {name}"));
    Some(if long { command.render_long_help() } else { command.render_help() }.to_string())
}
