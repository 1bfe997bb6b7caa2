//! One file per command; this one only dispatches.

mod action;
mod batch;
mod blend;
mod cancel;
mod describe;
mod fetch;
mod finish;
mod imagine;
mod list;
mod listen;
pub(crate) mod mcp;
mod modal;
mod parse;
mod seed;
mod servers;
mod shorten;
pub(crate) mod sim;
pub(crate) mod usage;
mod video;
mod wait;

use crate::cli::{Cli, Command};
use crate::exit::{self, Failure};
use crate::session::Session;

/// Runs the command line; the exit code on success.
pub(crate) fn run(cli: Cli) -> Result<u8, Failure> {
    let json = cli.global.json;
    match cli.command {
        Command::Parse(args) => parse::run(&args.kind, args.file.as_deref(), args.status, json),
        Command::Sim(args) => sim::run(args),
        Command::Listen(args) => listen::run(args.port, json).map(|()| exit::OK),
        Command::Batch(args) => batch::run(&cli.global, args),
        Command::Servers => servers::run(&cli.global),
        Command::Usage(args) => usage::run(&cli.global, args.since.as_deref()),
        Command::Mcp(args) => mcp::run(&cli.global, args),
        command => remote(&Session::open(&cli.global)?, command),
    }
}

/// The commands that talk to a server.
fn remote(s: &Session, command: Command) -> Result<u8, Failure> {
    match command {
        Command::Imagine(args) => imagine::run(s, args),
        Command::Action(args) => action::run(s, args),
        Command::Modal(args) => modal::run(s, args),
        Command::Describe(args) => describe::run(s, args),
        Command::Blend(args) => blend::run(s, args),
        Command::Shorten(args) => shorten::run(s, args),
        Command::Video(args) => video::run(s, args),
        Command::Seed(args) => seed::run(s, args),
        Command::Cancel(args) => cancel::run(s, args),
        Command::Fetch(args) => fetch::run(s, args),
        Command::List(args) => list::run(s, args.status, args.page, args.size),
        Command::Wait(args) => wait::run(s, &args.ids),
        Command::Parse(_)
        | Command::Sim(_)
        | Command::Listen(_)
        | Command::Batch(_)
        | Command::Servers
        | Command::Usage(_)
        | Command::Mcp(_) => Ok(exit::OK),
    }
}
