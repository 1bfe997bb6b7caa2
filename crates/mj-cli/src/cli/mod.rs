//! The command line: global options and one subcommand per job (each one's arguments are
//! in `args.rs`).

mod args;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use mj_proto::{AuthStyle, ServerProfile, SpeedMode};

pub(crate) use args::*;

/// mj: submit Midjourney tasks, wait for them, press their buttons, download results.
///
/// Without --base-url (or MJ_BASE_URL) mj starts its built-in simulator on 127.0.0.1, so
/// every command works on a fresh machine.
#[derive(Debug, Parser)]
#[command(name = "mj", version, propagate_version = true, after_help = format!("{}\n\n{KEY_NOTE}", crate::exit::TABLE))]
pub(crate) struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// What `mj --help` ends with: the exit codes, and where the key comes from.
const KEY_NOTE: &str = "The API key comes from MJ_API_KEY or --api-key-file, never from the command line.";

/// Options every command takes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct Global {
    // The doc comment is clap's help text, where a bare URL reads best.
    #[allow(rustdoc::bare_urls)]
    /// The server: everything before /mj, e.g. https://api.example.com [default: the
    /// built-in simulator]
    #[arg(long, env = "MJ_BASE_URL", global = true, value_name = "URL")]
    pub base_url: Option<String>,
    // The doc comment is clap's help text, where brackets must stay bare.
    #[allow(rustdoc::broken_intra_doc_links)]
    /// The servers file: [[server]] tables with name, base_url, profile, auth, mode,
    /// api_key_file or api_key_env, weight, max_in_flight [default:
    /// ~/.config/mj/config.toml when it exists]
    #[arg(long, env = "MJ_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Which server of the servers file to use [default: the only one; of several, all of
    /// them as a pool: submits go where there is room and print NAME:ID]
    #[arg(long, env = "MJ_SERVER", global = true, value_name = "NAME")]
    pub server: Option<String>,
    /// Read the API key from this file (otherwise MJ_API_KEY is used)
    #[arg(long, global = true, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// The server family: what it offers, which buttons it has, how it takes the key:
    /// novicezk, plus, trueai, gateway (new-api, one-hub) or reseller
    #[arg(long, env = "MJ_PROFILE", global = true, value_name = "PROFILE", value_parser = core_word::<ServerProfile>)]
    pub profile: Option<ServerProfile>,
    /// How the key is sent: bearer, mj-api-secret, raw or both [default: the profile's
    /// way, else bearer]
    #[arg(long, env = "MJ_AUTH", global = true, value_name = "STYLE", value_parser = core_word::<AuthStyle>)]
    pub auth: Option<AuthStyle>,
    /// Speed mode path prefix: fast, relax or turbo (/mj-fast, /mj-relax, /mj-turbo)
    #[arg(long, env = "MJ_MODE", global = true, value_name = "MODE", value_parser = core_word::<SpeedMode>)]
    pub mode: Option<SpeedMode>,
    /// The whole command's time limit, in seconds: retries, lookups, waiting and
    /// downloads together
    #[arg(long, global = true, default_value_t = 600, value_name = "SECS")]
    pub timeout: u64,
    /// One exchange's time limit, in seconds
    #[arg(long, global = true, default_value_t = 30, value_name = "SECS")]
    pub request_timeout: u64,
    /// Pause between polls while waiting, in seconds (servers recommend 3 to 5)
    #[arg(long, global = true, default_value_t = 4.0, value_name = "SECS")]
    pub interval: f64,
    /// The least time between two submits to a server given by --base-url or MJ_BASE_URL
    /// (plus up to a third of it at random), kept across processes: 45s, 2m, 90 [servers
    /// file: its min_interval]
    #[arg(long, global = true, value_name = "DURATION", value_parser = mj_files::parse_duration, env = "MJ_MIN_INTERVAL")]
    pub min_interval: Option<std::time::Duration>,
    /// This run's spend limit, at the servers' prices (the servers file's [server.prices]):
    /// a submit past it is not sent, and mj exits 6
    #[arg(long, global = true, value_name = "AMOUNT")]
    pub budget: Option<f64>,
    /// Listen on ADDR for the server's callbacks (notifyHook): waits then learn of each
    /// change the moment it happens and poll only as a safety net; `off` turns it off
    /// [default: 127.0.0.1:0 with the built-in simulator, off otherwise]
    #[arg(long, env = "MJ_HOOK_LISTEN", global = true, value_name = "ADDR")]
    pub hook_listen: Option<String>,
    #[allow(rustdoc::bare_urls)]
    /// The base URL the server calls back to, when it is not http:// and the listening
    /// address (a proxy, a tunnel, a public name), e.g. https://me.example.com
    #[arg(long, env = "MJ_HOOK_URL", global = true, value_name = "URL")]
    pub hook_url: Option<String>,
    /// The hook's secret, shared by replicas behind one --hook-url (32 hex digits, or
    /// MJ_HOOK_SECRET) [default: drawn at random]
    #[arg(long, global = true, value_name = "PATH")]
    pub hook_secret_file: Option<PathBuf>,
    /// Print JSON (one object per line for streams) instead of the human view
    #[arg(long, global = true)]
    pub json: bool,
    /// Log what mj does on stderr: -v retries, lookups, fallbacks, give-ups, callbacks and
    /// safety-net polls; -vv also every exchange and status change (never the API key)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// What `mj` is asked to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create a 2x2 grid from a prompt
    #[command(after_help = "Example:\n  mj imagine \"a red fox in the snow --ar 3:2\" --wait --out out/")]
    Imagine(ImagineArgs),
    /// Press a button of a finished task: a label (U1, V3, "Vary (Strong)"), an emoji (🔄) or a customId
    #[command(after_help = "Example:\n  mj action 1747190313867714 U1 --wait --out out/")]
    Action(ActionArgs),
    /// Complete a task waiting in MODAL (Custom Zoom, Vary (Region), remix)
    #[command(after_help = "Example:\n  mj modal 1747190313867714 --prompt \"a red fox --zoom 1.5\" --wait")]
    Modal(ModalArgs),
    /// Get four prompts for an image
    #[command(after_help = "Example:\n  mj describe photo.png --wait")]
    Describe(DescribeArgs),
    /// Blend 2 to 5 images into a grid
    #[command(after_help = "Example:\n  mj blend a.png b.png --dimensions portrait --wait --out out/")]
    Blend(BlendArgs),
    /// Analyse a prompt and suggest shorter ones
    #[command(after_help = "Example:\n  mj shorten \"a very long prompt about a red fox in the snow at dawn\" --wait")]
    Shorten(ShortenArgs),
    /// Animate an image, or extend a video task
    #[command(after_help = "Example:\n  mj video \"the fox runs\" --image fox.png --wait")]
    Video(VideoArgs),
    /// Show the Midjourney seed of a finished task
    #[command(after_help = "Example:\n  mj seed 1747190313867714")]
    Seed(SeedArgs),
    /// Cancel a task
    #[command(after_help = "Example:\n  mj cancel 1747190313867714")]
    Cancel(CancelArgs),
    /// Show tasks by id (one request for all of them)
    #[command(after_help = "Example:\n  mj fetch 1747190313867714 1747190313867715")]
    Fetch(FetchArgs),
    /// List tasks, newest first
    #[command(after_help = "Example:\n  mj list --status success --size 20")]
    List(ListArgs),
    /// Wait for tasks to finish, one progress line (or bar) each
    #[command(after_help = "Example:\n  mj wait 1747190313867714 us:1747190313867715")]
    Wait(WaitArgs),
    /// Run a file of prompts durably: kill it at any point and run it again to resume
    #[command(
        after_help = "Example:\n  mj batch prompts.txt --out out/ --concurrency 4    (mj batch --status --out out/)"
    )]
    Batch(BatchArgs),
    /// Show what mj makes of a response body (stdin when FILE is absent)
    #[command(
        after_help = "Example:\n  mj parse task body.json    (echo '<html>404</html>' | mj parse submit --status 404)"
    )]
    Parse(ParseArgs),
    /// Run the simulator as a server on 127.0.0.1 until Ctrl-C
    #[command(
        after_help = "Example:\n  mj sim --port 8080 --flavor newapi --api-key sk-test --faults \"500=0.1,slow=0.05\""
    )]
    Sim(SimArgs),
    /// Receive notifyHook callbacks on a secret path and print each task update
    #[command(after_help = "Example:\n  mj listen --port 9000")]
    Listen(ListenArgs),
    /// The servers of the servers file (--config): whether each answers, and how fast
    #[command(after_help = "Example:\n  mj servers --config servers.toml")]
    Servers,
    /// Tasks, images, failures, moderation and estimated spend per server and day, and
    /// what is left of today's caps
    #[command(after_help = "Example:\n  mj usage --since 2026-12-01")]
    Usage(UsageArgs),
    /// Serve mj's tools to AI agents over the Model Context Protocol (stdio)
    #[command(
        after_help = "Example:\n  mj mcp --out ~/Pictures/mj --budget 5    (mj mcp --read-only --allow-read ~/photos)"
    )]
    Mcp(McpArgs),
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    /// Splits a command line as a shell would for these examples: words, "double" and
    /// 'single' quotes.
    fn words(line: &str) -> Vec<String> {
        let (mut out, mut word, mut quote, mut started) = (Vec::new(), String::new(), None, false);
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.push(c),
                (None, '"' | '\'') => (quote, started) = (Some(c), true),
                (None, ' ') if started || !word.is_empty() => {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
                (None, ' ') => {}
                (None, c) => word.push(c),
            }
        }
        if started || !word.is_empty() {
            out.push(word);
        }
        out
    }

    /// Every subcommand's help ends with an example, and every example is a command line
    /// mj accepts.
    #[test]
    fn every_example_parses() {
        for sub in super::Cli::command().get_subcommands() {
            let name = sub.get_name();
            let help = sub.get_after_help().map(|h| h.to_string()).unwrap_or_default();
            let example = help.strip_prefix("Example:\n  ").unwrap_or_else(|| panic!("mj {name} has no example"));
            // A second form may follow in parentheses.
            for line in example.split("    (").map(|l| l.trim_end_matches(')')) {
                // A pipe feeds stdin: the command is what follows it.
                let args = words(line.rsplit("| ").next().unwrap_or(line));
                assert_eq!(args.first().map(String::as_str), Some("mj"), "{line}");
                if let Err(e) = super::Cli::try_parse_from(&args) {
                    panic!("mj {name}'s example does not parse: {line}\n{e}");
                }
            }
        }
    }
}
