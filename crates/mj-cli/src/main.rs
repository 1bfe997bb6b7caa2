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
mod shared_db;
mod terminal;
mod watchdog;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

/// The commands that talk to no server: the global options do not apply to them.
const LOCAL: [&str; 3] = ["sim", "listen", "parse"];

/// Where a subcommand's help sends the reader for the options every command shares.
const GLOBAL_NOTE: &str = "Global options (the server, the API key, --timeout, --json, -v and more): see `mj --help`.";

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if e.kind() == clap::error::ErrorKind::DisplayHelp
                && let Some(help) = own_help()
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
        // mj's own events only: a library's (rmcp logs whole protocol messages, an
        // agent's prompts among them) are not mj's to print.
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_target(false)
            .finish()
            .with(tracing_subscriber::filter::filter_fn(|event| event.target().starts_with("mj")));
        let _ = tracing::subscriber::set_global_default(subscriber);
    }
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(json),
    }
}

/// `mj CMD --help`: the subcommand's own options and its example, without the dozen
/// global options clap would repeat in every subcommand (they are listed once, under
/// `mj --help`, which a last line points to).
fn own_help() -> Option<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let top = cli::Cli::command();
    // Global options may come first (`mj --json imagine --help`), some with a value.
    let takes_value = |flag: &str| {
        let long = flag.strip_prefix("--").filter(|f| !f.contains('='));
        top.get_arguments().any(|a| a.get_long().is_some() && a.get_long() == long && a.get_action().takes_values())
    };
    let mut name = None;
    let mut skip = false;
    for arg in &args {
        if std::mem::take(&mut skip) {
            continue;
        }
        if arg.starts_with('-') {
            skip = takes_value(arg);
        } else {
            name = Some(arg.as_str());
            break;
        }
    }
    let name = name.filter(|n| *n != "help")?;
    if !args.iter().any(|a| a == "-h" || a == "--help") {
        return None;
    }
    let long = args.iter().any(|a| a == "--help");
    // The definition before clap copies the global options into every subcommand.
    let mut command = top.find_subcommand(name)?.clone().bin_name(format!("mj {name}"));
    let help = if long { command.render_long_help() } else { command.render_help() }.to_string();
    Some(if LOCAL.contains(&name) { help } else { format!("{}\n\n{GLOBAL_NOTE}\n", help.trim_end()) })
}
