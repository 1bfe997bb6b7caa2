//! The command line: global options and one subcommand per job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mj_proto::{AuthStyle, ServerProfile, SpeedMode};

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

/// A word the core reads (its `FromStr`, aliases included), so that `--profile`,
/// `MJ_PROFILE`, `Config::from_env` and the servers file take the same words.
fn core_word<T: std::str::FromStr<Err = String>>(word: &str) -> Result<T, String> {
    word.parse()
}

/// Blend aspects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DimensionsArg {
    /// 2:3
    Portrait,
    /// 1:1
    Square,
    /// 3:2
    Landscape,
}

/// Task statuses for filtering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatusArg {
    NotStart,
    Submitted,
    InProgress,
    Modal,
    Success,
    Failure,
    Cancel,
}

/// Video motion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum MotionArg {
    Low,
    High,
}

/// What to do after submitting.
#[derive(Debug, Args)]
pub(crate) struct Finish {
    /// Wait until the task is done, showing progress
    #[arg(long)]
    pub wait: bool,
    /// Download the result images into DIR (implies --wait; existing files are kept)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also cut the 2x2 grid into four PNGs (with --out)
    #[arg(long, requires = "out")]
    pub split: bool,
}

/// Where the server posts the task's updates.
#[derive(Debug, Args)]
pub(crate) struct Hook {
    /// Have the server POST every change of the task to URL (`mj listen` prints them)
    #[arg(long, value_name = "URL")]
    pub notify_hook: Option<String>,
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
    Usage(crate::commands::usage::UsageArgs),
    /// Serve mj's tools to AI agents over the Model Context Protocol (stdio)
    #[command(after_help = "Example:\n  mj mcp --out ~/Pictures/mj    (register it in an MCP client: see the README)")]
    Mcp(crate::commands::mcp::McpArgs),
}

/// The `imagine` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct ImagineArgs {
    /// The prompt, with any --ar/--v parameters
    pub prompt: String,
    /// A reference image: a file or an http(s) URL (repeatable)
    #[arg(long = "image", value_name = "FILE|URL")]
    pub images: Vec<String>,
    #[command(flatten)]
    pub finish: Finish,
    #[command(flatten)]
    pub hook: Hook,
}

/// The `action` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct ActionArgs {
    /// The finished task: its id, or NAME:ID on a pool of servers
    pub task_id: String,
    /// Which button; an unknown one lists the task's buttons
    pub button: String,
    #[command(flatten)]
    pub finish: Finish,
    #[command(flatten)]
    pub hook: Hook,
}

/// The `modal` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct ModalArgs {
    /// The task in MODAL: its id, or NAME:ID on a pool of servers
    pub task_id: String,
    /// The prompt (Custom Zoom needs --zoom 1..2 in it)
    #[arg(long)]
    pub prompt: Option<String>,
    /// The Vary (Region) mask: a PNG, black background with the area white
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    #[command(flatten)]
    pub finish: Finish,
    #[command(flatten)]
    pub hook: Hook,
}

/// The `describe` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct DescribeArgs {
    /// The image: a file or an http(s) URL
    pub image: String,
    /// Wait and print the prompts
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub hook: Hook,
}

/// The `blend` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct BlendArgs {
    /// The images (files or http(s) URLs)
    #[arg(num_args = 2..=5, required = true, value_name = "FILE|URL")]
    pub images: Vec<String>,
    /// The aspect of the result
    #[arg(long, value_enum, default_value_t = DimensionsArg::Square)]
    pub dimensions: DimensionsArg,
    #[command(flatten)]
    pub finish: Finish,
    #[command(flatten)]
    pub hook: Hook,
}

/// The `shorten` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct ShortenArgs {
    /// The prompt
    pub prompt: String,
    /// Wait and print the analysis
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub hook: Hook,
}

/// The `video` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct VideoArgs {
    /// The motion prompt
    pub prompt: String,
    /// The first frame: a file or an http(s) URL
    #[arg(long, value_name = "FILE|URL", required_unless_present = "extend")]
    pub image: Option<String>,
    /// Extend the video of this task instead
    #[arg(long, value_name = "TASK_ID", conflicts_with = "image")]
    pub extend: Option<String>,
    /// Which video of the task to extend (0-3)
    #[arg(long, default_value_t = 0)]
    pub index: u8,
    /// How much it moves
    #[arg(long, value_enum, default_value_t = MotionArg::Low)]
    pub motion: MotionArg,
    /// Wait for the videos
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub hook: Hook,
}

/// The `seed` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct SeedArgs {
    /// The task: its id, or NAME:ID on a pool of servers
    pub task_id: String,
}

/// The `cancel` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct CancelArgs {
    /// The task: its id, or NAME:ID on a pool of servers
    pub task_id: String,
}

/// The `fetch` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct FetchArgs {
    /// The tasks: ids, or NAME:ID on a pool of servers
    #[arg(required = true)]
    pub ids: Vec<String>,
}

/// The `list` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only tasks in this status
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// Page number, from 0
    #[arg(long, default_value_t = 0)]
    pub page: u32,
    /// Tasks per page
    #[arg(long, default_value_t = 10)]
    pub size: u32,
}

/// The `wait` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// The tasks: ids, or NAME:ID on a pool of servers
    #[arg(required = true)]
    pub ids: Vec<String>,
}

/// The `batch` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct BatchArgs {
    /// One prompt per line (blank lines skipped); a .jsonl file gives
    /// {"prompt": "...", "images": [...], "upscale": [1, 3]} per line
    #[arg(required_unless_present = "status", value_name = "PROMPTS")]
    pub prompts: Option<PathBuf>,
    /// Where the images go
    #[arg(long, value_name = "DIR", required_unless_present = "journal")]
    pub out: Option<PathBuf>,
    /// The journal: a file (default: DIR/mj-batch.journal), or postgres://… shared by
    /// several workers
    #[arg(long, value_name = "PATH|URL", env = "MJ_JOURNAL")]
    pub journal: Option<String>,
    /// Tasks in flight at most [default: 4; over a pool of servers, the sum of their max_in_flight]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
    /// Print what the journal says is done, running, failed and left, and exit
    #[arg(long)]
    pub status: bool,
}

/// The `parse` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// task, tasks, submit, page, notification, seed or upload
    pub kind: String,
    /// The body
    pub file: Option<PathBuf>,
    /// The HTTP status it came with
    #[arg(long, default_value_t = 200)]
    pub status: u16,
}

/// The `sim` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct SimArgs {
    /// Port (0 picks a free one)
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Imitate this server family (and its auth header): plus, novicezk, trueai, newapi or
    /// reseller [default: trueai, as the built-in simulator]
    #[arg(long, value_name = "FLAVOR", value_parser = core_word::<mj_sim::Flavor>)]
    pub flavor: Option<mj_sim::Flavor>,
    /// Require this key
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Run tasks this many times faster
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Faults to inject, e.g. 500=0.1,429=0.05,slow=0.1,truncate=0.02,reset=0.02,html=0.01 (and for
    /// webhook callbacks hook_drop=0.3,hook_dup=0.1,hook_delay_ms=2000)
    #[arg(long)]
    pub faults: Option<String>,
    /// Seed for ids and faults
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The `listen` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct ListenArgs {
    /// Port on 127.0.0.1
    #[arg(long, default_value_t = 9000)]
    pub port: u16,
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
