//! The servers file: the servers mj works with, read the same way by programs and by the
//! `mj` command.
//!
//! ```toml
//! [[server]]
//! name = "eu"
//! base_url = "https://eu.example.com"
//! profile = "plus"            # novicezk, plus, trueai, gateway (new-api, one-hub), reseller
//! auth = "mj-api-secret"      # bearer, mj-api-secret, raw, both
//! mode = "fast"               # fast, relax, turbo
//! api_key_file = "~/.config/mj/eu.key"   # or api_key_env = "EU_KEY"
//! weight = 2
//! max_in_flight = 10
//! min_interval = "45s"        # between two submits (plus a third of it as jitter unless `jitter` says)
//! daily_tasks = 200           # tasks created per day
//! daily_images = 800          # images created per day (a grid 4, an upscale 1)
//! hours = "09:10-22:50"       # submits only then
//! timezone = "Asia/Shanghai"  # the day and the hours are in this zone: a name (feature
//!                             # `zones`) or an offset like "+08:00" (default UTC)
//! cooldown_after = 3          # moderation strikes within cooldown_window ...
//! cooldown_window = "1h"
//! cooldown = "6h"             # ... rest the server this long
//! budget_per_day = 50.0       # at these prices, in your own unit
//! [server.prices]             # per action (imagine, upscale, variation, blend, describe, …)
//! imagine = 0.05
//! upscale = 0.02
//! video_second = 0.01         # video billed by the second
//! default = 0.04              # the other actions
//! ```
//!
//! Each value is parsed by the core's own `FromStr` (its aliases included), so a word
//! that works in `MJ_PROFILE` works here. A key written in the file itself
//! (`api_key = "…"`) is refused unless only its owner can read the file; a key file must
//! be a regular file of at most 4 KiB that only its owner can read.

use std::fmt;
use std::path::{Path, PathBuf};

use mj_proto::Config;
use mj_proto::plan::{Member, Pool};
use serde::Deserialize;

use crate::pacing::{PacingFields, Span};

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    server: Vec<Entry>,
}

/// One `[[server]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    base_url: String,
    profile: Option<String>,
    auth: Option<String>,
    mode: Option<String>,
    api_key_file: Option<PathBuf>,
    api_key_env: Option<String>,
    api_key: Option<String>,
    weight: Option<u32>,
    max_in_flight: Option<usize>,
    min_interval: Option<Span>,
    jitter: Option<Span>,
    daily_tasks: Option<u32>,
    daily_images: Option<u32>,
    hours: Option<String>,
    timezone: Option<String>,
    cooldown_after: Option<u32>,
    cooldown_window: Option<Span>,
    cooldown: Option<Span>,
    budget_per_day: Option<f64>,
    prices: Option<std::collections::BTreeMap<String, f64>>,
}

/// The servers of a servers file, each a pool member, in the order written.
///
/// ```no_run
/// // `--config`'s file, else MJ_CONFIG, else ~/.config/mj/config.toml when it exists.
/// if let Some(file) = mj_files::ServersFile::from_default_location()? {
///     for member in file.members() {
///         println!("{} at {}", member.name, member.config.host());
///     }
///     let pool = mj_proto::plan::Pool::new(file.into_members())?;
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ServersFile {
    path: PathBuf,
    members: Vec<Member>,
}

/// Why a servers file (or one of its key files) could not be used: the file, the server
/// and what to mend. It never holds a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServersFileError {
    path: PathBuf,
    server: Option<String>,
    reason: String,
}

impl fmt::Display for ServersFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path.display())?;
        if let Some(server) = &self.server {
            write!(f, "server `{}`: ", server.escape_debug())?;
        }
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ServersFileError {}

impl ServersFile {
    /// The servers file to read: `explicit` (a program's or `--config`'s), else the file
    /// `MJ_CONFIG` names, else the platform's default when it exists
    /// (`$XDG_CONFIG_HOME/mj/config.toml`, else `~/.config/mj/config.toml`).
    pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
        if let Some(path) = explicit {
            return Some(path.to_owned());
        }
        if let Some(path) = std::env::var_os("MJ_CONFIG").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(path));
        }
        let dir = match std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(std::env::var_os("HOME")?).join(".config"),
        };
        Some(dir.join("mj").join("config.toml")).filter(|p| p.is_file())
    }

    /// The servers of the file [`locate`](Self::locate) finds without an explicit one;
    /// `None` when there is none.
    pub fn from_default_location() -> Result<Option<Self>, ServersFileError> {
        Self::locate(None).map(Self::read).transpose()
    }

    /// Reads the servers at `path`, their keys from their key files or variables.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, ServersFileError> {
        let path = path.as_ref();
        let bad = |reason: String| ServersFileError { path: path.to_owned(), server: None, reason };
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
        let file: File = toml::from_str(&text).map_err(|e| bad(e.message().to_owned()))?;
        if file.server.is_empty() {
            return Err(bad("no [[server]] table".to_owned()));
        }
        let private = owner_only(path);
        let mut members = Vec::new();
        for entry in file.server {
            let in_server =
                |reason: String| ServersFileError { path: path.to_owned(), server: Some(entry.name.clone()), reason };
            if entry.api_key.is_some() && !private {
                return Err(in_server(format!(
                    "an API key in a file others can read: move it to api_key_file or api_key_env, or `chmod 600 {}`",
                    path.display()
                )));
            }
            members.push(member(&entry).map_err(in_server)?);
        }
        // Names are checked once more as a pool checks them (each once).
        Pool::new(members.clone()).map_err(|e| bad(e.to_string()))?;
        Ok(Self { path: path.to_owned(), members })
    }

    /// Where the servers were read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The servers, in the order written.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The server named `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    /// The servers, to make a pool of.
    pub fn into_members(self) -> Vec<Member> {
        self.members
    }
}

/// The pool member one `[[server]]` table describes.
fn member(entry: &Entry) -> Result<Member, String> {
    let key = key_of(entry)?;
    let mut config = Config::new(&entry.base_url).map_err(|e| e.to_string())?;
    if let Some(profile) = &entry.profile {
        config = config.with_profile(parse("profile", profile)?);
    }
    if let Some(auth) = &entry.auth {
        config = config.with_auth_style(parse("auth", auth)?);
    }
    if let Some(mode) = &entry.mode {
        config = config.with_mode(Some(parse("mode", mode)?));
    }
    if let Some(key) = key {
        config = config.with_api_key(key.trim()).map_err(|e| e.to_string())?;
    }
    let pacing = PacingFields {
        min_interval: entry.min_interval,
        jitter: entry.jitter,
        daily_tasks: entry.daily_tasks,
        daily_images: entry.daily_images,
        hours: entry.hours.clone(),
        timezone: entry.timezone.clone(),
        cooldown_after: entry.cooldown_after,
        cooldown_window: entry.cooldown_window,
        cooldown: entry.cooldown,
        budget_per_day: entry.budget_per_day,
        prices: entry.prices.clone(),
    };
    config = config.with_pacing(pacing.pacing()?);
    let mut member = Member::new(entry.name.clone(), config).map_err(|e| e.to_string())?;
    if let Some(weight) = entry.weight {
        member = member.weight(within("weight", weight, MAX_WEIGHT)?);
    }
    if let Some(n) = entry.max_in_flight {
        member = member.max_in_flight(within("max_in_flight", n, MAX_IN_FLIGHT)?);
    }
    Ok(member)
}

/// The largest `weight`: a share a thousand times another's is already all of them.
const MAX_WEIGHT: u32 = 1000;
/// The largest `max_in_flight`: a Midjourney account runs 3 tasks and queues about 10;
/// a gateway over many accounts a few hundred.
const MAX_IN_FLIGHT: usize = 1000;
/// The largest key file: a key is a line; anything bigger is not the file meant.
const MAX_KEY_FILE: u64 = 4096;

/// `value` of `field` when it is 1 to `max`.
fn within<T: PartialOrd + From<u8> + fmt::Display + Copy>(field: &str, value: T, max: T) -> Result<T, String> {
    if value < T::from(1) || value > max {
        return Err(format!("{field} = {value} is not a number from 1 to {max}"));
    }
    Ok(value)
}

/// `value` of `field`, read by the core's own `FromStr` (whose message lists the words).
fn parse<T: std::str::FromStr<Err = String>>(field: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|e| format!("{field}: {e}"))
}

/// The key a server entry names, from its file, its variable or the file itself.
fn key_of(entry: &Entry) -> Result<Option<String>, String> {
    match (&entry.api_key_file, &entry.api_key_env, &entry.api_key) {
        (Some(file), None, None) => read_key_file(&expand_home(file)).map(Some),
        (None, Some(var), None) => {
            std::env::var(var).map(Some).map_err(|_| format!("{} is not set", var.escape_debug()))
        }
        (None, None, key) => Ok(key.clone()),
        _ => Err("give one of api_key_file, api_key_env and api_key".to_owned()),
    }
}

/// The key in `path`: a regular file of at most 4 KiB that no one but its owner can read
/// (checked on the opened file, so that what is read is what was checked).
fn read_key_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("api_key_file {shown}: cannot read it: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("api_key_file {shown}: cannot read it: {e}"))?;
    if !meta.is_file() {
        return Err(format!("api_key_file {shown} is not a regular file"));
    }
    if !private_mode(&meta) {
        return Err(format!("api_key_file {shown} can be read by others: `chmod 600 {shown}`"));
    }
    if meta.len() > MAX_KEY_FILE {
        return Err(format!("api_key_file {shown} is {} bytes: a key file holds one key (at most 4 KiB)", meta.len()));
    }
    let mut key = String::new();
    file.take(MAX_KEY_FILE + 1)
        .read_to_string(&mut key)
        .map_err(|e| format!("api_key_file {shown}: cannot read it as text: {e}"))?;
    if key.len() as u64 > MAX_KEY_FILE {
        return Err(format!("api_key_file {shown} grew past 4 KiB while it was read"));
    }
    Ok(key)
}

/// `~/x` as a path in the home directory.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_owned(),
    }
}

/// True when no one but the file's owner may read it.
fn owner_only(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| private_mode(&m))
}

/// True when the permissions in `meta` let no one but the owner in.
#[cfg(unix)]
fn private_mode(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o077 == 0
}

/// Elsewhere the permissions cannot be read this way: a key in the file is refused, and
/// so is a key file.
#[cfg(not(unix))]
fn private_mode(_: &std::fs::Metadata) -> bool {
    false
}
