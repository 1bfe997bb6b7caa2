//! Each command's arguments, and the groups of them that several commands share.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// A word the core reads (its `FromStr`, aliases included), so that `--profile`,
/// `MJ_PROFILE`, `Config::from_env` and the servers file take the same words.
pub(crate) fn core_word<T: std::str::FromStr<Err = String>>(word: &str) -> Result<T, String> {
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

/// The `usage` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct UsageArgs {
    /// The first day shown, YYYY-MM-DD (in each server's pacing zone) [default: 30 days ago]
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
}

/// The `mcp` command's arguments.
#[derive(Debug, Args)]
pub(crate) struct McpArgs {
    /// Where finished images and videos are saved: the only folder calls write to
    /// [default: ~/mj-out; an MCP client may start mj in any folder]
    #[arg(long, env = "MJ_MCP_OUT", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Refuse the tools that create paid tasks (imagine, action, describe, blend, video)
    #[arg(long, env = "MJ_MCP_READ_ONLY", value_parser = clap::builder::BoolishValueParser::new())]
    pub read_only: bool,
    /// A folder whose images describe, blend and video may read (repeatable; the --out
    /// folder always)
    #[arg(long, value_name = "DIR")]
    pub allow_read: Vec<PathBuf>,
}
