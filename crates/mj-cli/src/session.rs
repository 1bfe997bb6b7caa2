//! A connection to a server (or the built-in simulator) and the client over it.

use std::time::{Duration, Instant};

use mj_proto::prelude::*;
use mj_sim::{Flavor, Server, SimConfig};
use mj_ureq::{HookReceiver, UreqTransport};

use crate::cli::{Global, ModeArg};
use crate::exit::Failure;
use crate::progress::Progress;
use crate::watchdog::{Watched, say};

/// mj's client as the CLI runs it: over ureq, watched for silence.
pub type CliClient = mj_proto::Client<Watched<UreqTransport>>;

/// What a command talks to.
pub struct Session {
    pub client: CliClient,
    pub json: bool,
    /// Keeps the built-in simulator running while the command runs.
    _target: Target,
    /// Keeps the callback receiver listening while the command runs.
    _hooks: Option<HookReceiver>,
}

impl Session {
    /// Connects as `global` says; starts the built-in simulator when no base URL is set.
    pub fn open(global: &Global) -> Result<Self, Failure> {
        let key = match &global.api_key_file {
            Some(path) => {
                let key = std::fs::read_to_string(path)
                    .map_err(|e| Failure::usage(format!("cannot read the API key file {}: {e}", path.display())))?;
                // Checked here, so that a bad key is blamed on the file it came from.
                mj_proto::ApiKey::new(key.as_str())
                    .map_err(|e| Failure::usage(format!("the API key file {}: {e}", path.display())))?;
                Some(key)
            }
            None => std::env::var("MJ_API_KEY").ok(),
        };
        // trueai's answers carry both the grid and its four images. MJ_SIM_SPEED speeds
        // the built-in simulator up (tests and demos).
        let speed = std::env::var("MJ_SIM_SPEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
        let target = match global.base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(base) => Target::Configured(configure(base, key, global)?),
            None => match crate::servers::locate(global.config.as_deref()) {
                Some(path) => Target::Configured(from_servers_file(&path, global)?),
                None => {
                    let sim = SimConfig::new("").flavor(Flavor::Trueai).speed(speed);
                    let server = Server::start(sim, 0)
                        .map_err(|e| Failure::usage(format!("cannot start the simulator: {e}")))?;
                    let config = Config::new(&server.url()).map_err(|e| Failure::usage(e.to_string()))?;
                    Target::Simulator(config, server)
                }
            },
        };
        if let Some(server) = target.server() {
            eprintln!(
                "mj: no --base-url or MJ_BASE_URL set: using the built-in simulator at {} (its tasks end with this command; run `mj sim` and set MJ_BASE_URL to keep them)",
                server.url()
            );
        }
        let interval = Duration::try_from_secs_f64(global.interval)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| Failure::usage("--interval takes a positive number of seconds"))?;
        let timeout = Duration::from_secs(global.timeout.max(1));
        let deadline = Instant::now() + timeout;
        let request_timeout = Duration::from_secs(global.request_timeout.max(1));
        let transport = UreqTransport::builder().timeout(request_timeout).build();
        // `--timeout` bounds the whole command: no call outlasts it, and together they end by then.
        // Safety-net polls are routine: said with -v only.
        let verbose = global.verbose > 0;
        let mut settings = Settings::default().deadline(timeout).ends_at(deadline).observer(move |notice| {
            if verbose || !matches!(notice, Notice::SafetyNet { .. }) {
                say(notice)
            }
        });
        settings.wait = WaitOptions::default().interval(interval);
        settings.watch = WatchOptions::default().interval(interval);
        let receiver = listen(global, target.server().is_some())?;
        if let Some(receiver) = &receiver {
            settings = settings.hooks(receiver.hooks());
        }
        let transport = Watched::new(transport, request_timeout, deadline);
        let client = CliClient::with_transport(transport, target.config().clone()).with_settings(settings);
        Ok(Self { client, json: global.json, _target: target, _hooks: receiver })
    }

    /// Waits for `id` with progress shown; a failed task is shown before the error.
    pub fn wait(&self, id: &str) -> Result<Task, Failure> {
        let mut progress = Progress::new(self.json);
        let result = self.client.wait_with(id, |task| progress.update(&self.client.config().redact_task(task.clone())));
        progress.finish();
        match result {
            Ok(task) => Ok(task),
            Err(Error::TaskFailed(task)) => {
                if self.json {
                    crate::output::result(serde_json::json!({"task": self.client.config().redact_task(*task.clone())}));
                } else {
                    self.show(&task);
                }
                // The core's own message ("task … ended in …: reason"), with the key scrubbed.
                Err(self.client.config().redact(Error::TaskFailed(task)).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// False with the built-in simulator, whose tasks end with this command: nothing can
    /// follow them up, so no `next` command is suggested.
    pub fn follow_up(&self) -> bool {
        self._target.server().is_none()
    }

    /// Prints a task in the human view, with the API key scrubbed wherever the server
    /// echoed it.
    pub fn show(&self, task: &Task) {
        println!("{}", crate::render::task(&self.redacted(task), self.follow_up()));
    }

    /// `task` with the API key scrubbed wherever the server echoed it.
    pub fn redacted(&self, task: &Task) -> Task {
        self.client.config().redact_task(task.clone())
    }
}

/// The callback receiver `--hook-listen` and `--hook-url` ask for: on loopback by default
/// with the built-in simulator, off by default with a configured server (it must be able
/// to reach this machine).
fn listen(global: &Global, simulator: bool) -> Result<Option<HookReceiver>, Failure> {
    let listen = match global.hook_listen.as_deref().map(str::trim) {
        Some("off" | "") => None,
        Some(addr) => Some(addr),
        None if simulator => Some("127.0.0.1:0"),
        None => None,
    };
    let url = global.hook_url.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let Some(listen) = listen else {
        return match url {
            Some(_) => Err(Failure::usage("--hook-url (MJ_HOOK_URL) needs --hook-listen (MJ_HOOK_LISTEN)")),
            None => Ok(None),
        };
    };
    HookReceiver::start(listen, url)
        .map(Some)
        .map_err(|e| Failure::usage(format!("--hook-listen {listen}: cannot listen for callbacks: {e}")))
}

/// The config of the server `--server` names in the servers file at `path` (or of its
/// only server).
fn from_servers_file(path: &std::path::Path, global: &Global) -> Result<Config, Failure> {
    let servers = crate::servers::load(path)?;
    let names: Vec<&str> = servers.members.iter().map(|m| m.name.as_str()).collect();
    let member = match (global.server.as_deref(), servers.members.as_slice()) {
        (Some(name), members) => members.iter().find(|m| m.name == name).ok_or_else(|| {
            Failure::usage(format!(
                "{}: no server named `{}` (it has {})",
                path.display(),
                crate::terminal::clean(name),
                names.join(", ")
            ))
        })?,
        (None, [only]) => only,
        (None, _) => {
            return Err(Failure::usage(format!(
                "{} names {} servers ({}): pick one with --server NAME (MJ_SERVER)",
                path.display(),
                names.len(),
                names.join(", ")
            )));
        }
    };
    Ok(member.config.clone())
}

/// The config for the server at `base`, built from the typed options: the profile (and its
/// auth header) unless `--auth` says otherwise, the key, the speed mode.
fn configure(base: &str, key: Option<String>, global: &Global) -> Result<Config, Failure> {
    let mut config = Config::new(base).map_err(|e| Failure::usage(format!("MJ_BASE_URL: {e}")))?;
    if let Some(profile) = global.profile {
        config = config.with_profile(profile.profile());
    }
    if let Some(auth) = global.auth {
        config = config.with_auth_style(auth.style());
    }
    if let Some(key) = key.filter(|k| !k.trim().is_empty()) {
        config = config.with_api_key(key.trim()).map_err(|e| Failure::usage(format!("the API key: {e}")))?;
    }
    Ok(config.with_mode(global.mode.map(ModeArg::mode)))
}

/// Where requests go: a configured server, or the built-in simulator, which stops when
/// this is dropped.
enum Target {
    Configured(Config),
    Simulator(Config, Server),
}

impl Target {
    fn config(&self) -> &Config {
        match self {
            Self::Configured(config) | Self::Simulator(config, _) => config,
        }
    }

    fn server(&self) -> Option<&Server> {
        match self {
            Self::Configured(_) => None,
            Self::Simulator(_, server) => Some(server),
        }
    }
}
