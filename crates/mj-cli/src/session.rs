//! A connection to a server, a pool of servers (the servers file) or the built-in
//! simulator, and the clients over it.

use std::time::{Duration, Instant};

use mj_client::prelude::*;
use mj_hooks::HookReceiver;
use mj_proto::model::TaskHandle;
use mj_proto::pacing::Pacing;
use mj_proto::plan::{Member, Pool};
use mj_sim::{Server, SimConfig};
use mj_ureq::UreqTransport;

use crate::cli::Global;
use crate::counted::Counted;
use crate::exit::Failure;
use crate::progress::Progress;
use crate::watchdog::{Watched, say};

/// The transport the CLI runs on: ureq, watched for silence, its requests counted.
pub(crate) type CliTransport = Counted<Watched<UreqTransport>>;

/// mj's client as the CLI runs it: one server, or the servers file's pool.
pub(crate) type CliClient = mj_client::Client<CliTransport>;

/// What a command talks to.
pub(crate) struct Session {
    client: CliClient,
    pub json: bool,
    /// The servers file's servers this session runs on: a pool's, or the one `--server`
    /// picked (so that a batch's jobs keep naming their server).
    members: Option<Vec<Member>>,
    /// Keeps the built-in simulator running while the command runs.
    simulator: Option<Server>,
    /// Keeps the callback receiver listening while the command runs.
    _hooks: Option<HookReceiver>,
    /// Keeps the hooks on the shared database's callback bus while the command runs.
    _bus: Option<crate::shared_db::Bus>,
    /// When the whole command must end (`--timeout` from its start).
    deadline: Instant,
    /// The requests the session's transport sent.
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Session {
    /// Connects as `global` says; starts the built-in simulator when no base URL is set.
    pub(crate) fn open(global: &Global) -> Result<Self, Failure> {
        Self::open_sharing(global, None)
    }

    /// [`open`](Self::open), sharing `database` (a batch's PostgreSQL journal; else the
    /// one `MJ_STATE` names, if any) with the other processes: pacing is kept there, and
    /// callbacks pass through it to whichever process waits.
    pub(crate) fn open_sharing(
        global: &Global,
        database: Option<&crate::shared_db::Database>,
    ) -> Result<Self, Failure> {
        Self::open_with(global, database, false)
    }

    /// [`open`](Self::open) for a server that takes calls until it is stopped (`mj mcp`):
    /// `--timeout` bounds each call, not the whole session.
    pub(crate) fn open_serving(global: &Global) -> Result<Self, Failure> {
        Self::open_with(global, None, true)
    }

    fn open_with(
        global: &Global,
        database: Option<&crate::shared_db::Database>,
        serving: bool,
    ) -> Result<Self, Failure> {
        let state = crate::shared_db::of_state()?;
        let database = database.or(state.as_ref());
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
        // The same server `mj sim` is without --flavor. MJ_SIM_SPEED speeds the built-in
        // simulator up (tests and demos).
        let speed = std::env::var("MJ_SIM_SPEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
        let (pool, members, simulator) = match global.base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(base) => (Pool::single(configure(base, key, global)?), None, None),
            None => match mj_files::ServersFile::locate(global.config.as_deref()) {
                Some(path) => {
                    let members = from_servers_file(&path, global)?;
                    (Pool::new(members.clone()).map_err(|e| Failure::usage(e.to_string()))?, Some(members), None)
                }
                None => {
                    let sim = SimConfig::new("").flavor(crate::commands::sim::FLAVOR).speed(speed);
                    let server = Server::start(sim, 0)
                        .map_err(|e| Failure::usage(format!("cannot start the simulator: {e}")))?;
                    let config = Config::new(&server.url()).map_err(|e| Failure::usage(e.to_string()))?;
                    (Pool::single(config), None, Some(server))
                }
            },
        };
        if let Some(server) = &simulator {
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
        // A server's session lasts until it is stopped: a century stands for never.
        let whole = if serving { Duration::from_secs(100 * 365 * 24 * 3600) } else { timeout };
        let deadline = Instant::now().checked_add(whole).unwrap_or_else(|| Instant::now() + timeout);
        let request_timeout = Duration::from_secs(global.request_timeout.max(1));
        let transport = UreqTransport::builder().timeout(request_timeout).build();
        // `--timeout` bounds the whole command: no call outlasts it (`deadline`), and the
        // clients end every call by then (`until`).
        // Safety-net polls are routine: said with -v only.
        let verbose = global.verbose > 0;
        let mut settings = Settings::default().deadline(timeout).observer(move |notice| {
            if verbose || !matches!(notice, Notice::SafetyNet { .. }) {
                say(notice)
            }
        });
        settings.wait = WaitOptions::default().interval(interval);
        settings.watch = WatchOptions::default().interval(interval);
        // Pacing is kept in the state database, so that commands run one after another
        // (a shell loop) or side by side are paced as one.
        let paced = pool.members().iter().any(|m| m.config.pacing().is_active());
        if let Some(db) = database.filter(|_| paced) {
            settings = settings.pacing_store(crate::shared_db::pacing(db)?);
        } else if paced {
            let path = mj_batch::PacingDb::default_path()
                .ok_or_else(|| Failure::usage("pacing needs a state file: set MJ_STATE (or HOME)"))?;
            let store = mj_batch::PacingDb::open(&path)
                .map_err(|e| Failure::io(format!("the pacing state {}: {e}", path.display())))?;
            settings = settings.pacing_store(std::sync::Arc::new(store));
        }
        if let Some(budget) = global.budget {
            let budget = mj_proto::pacing::Money::from_units(budget)
                .ok_or_else(|| Failure::usage(format!("--budget {budget}: an amount is a number from 0")))?;
            settings = settings.budget(budget);
        }
        let receiver = listen(global, simulator.is_some())?;
        let mut bus = None;
        if let Some(receiver) = &receiver {
            settings = settings.hooks(receiver.hooks());
            if let Some(db) = database {
                bus = Some(crate::shared_db::attach(db, &receiver.hooks())?);
            }
        }
        let names: Vec<_> = members.iter().flatten().map(|m| (m.name.as_str(), m.config.base_url())).collect();
        let transport = Counted::new(Watched::new(transport, request_timeout, deadline).naming(names));
        let sent = transport.counter();
        let client = CliClient::with_transport(transport, pool).with_settings(settings.clone()).until(deadline);
        Ok(Self { client, json: global.json, members, simulator, _hooks: receiver, _bus: bus, deadline, sent })
    }

    /// When the whole command must end: every client of the session ends its calls by
    /// then.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True on the built-in simulator (a server of this process's own).
    pub(crate) fn simulated(&self) -> bool {
        self.simulator.is_some()
    }

    /// The requests sent so far, all servers together.
    pub(crate) fn requests_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The client: one server, or the servers file's pool.
    pub(crate) fn client(&self) -> &CliClient {
        &self.client
    }

    /// The servers file's servers this session runs on: a pool's, or the one server
    /// `--server` picked (so that a batch's jobs keep naming their server).
    pub(crate) fn members(&self) -> Option<&[Member]> {
        self.members.as_deref()
    }

    /// The client of a command that asks one server (`mj list`): the only one's, or, in
    /// a pool, an error asking for `--server`.
    pub(crate) fn single(&self) -> Result<&CliClient, Failure> {
        let names = self.client.server_names();
        if names.len() < 2 {
            return Ok(&self.client);
        }
        Err(Failure::usage(format!(
            "this command asks one server and the servers file names {} ({}): pick one with --server NAME",
            names.len(),
            names.join(", ")
        )))
    }

    /// The task argument `arg` as a handle on the server that has it: `name:id` on server
    /// `name`; an id alone on the only server, or, in a pool, on the one server that knows
    /// it (each is asked once).
    pub(crate) fn locate(&self, arg: &str) -> Result<TaskHandle, Failure> {
        let names = self.client.server_names();
        if names.is_empty() {
            return Ok(TaskHandle::bare(arg));
        }
        let handle = arg.parse::<TaskHandle>().map_err(|e| Failure::usage(crate::terminal::clean(&e.to_string())))?;
        match (&handle.server, names.as_slice()) {
            (Some(name), _) if names.contains(&name.as_str()) => return Ok(handle),
            // One named server: an id that holds a colon is its id as a whole.
            (_, [only]) => return Ok(TaskHandle::new(*only, arg)),
            (Some(name), _) => {
                return Err(Failure::usage(format!(
                    "no server of the pool is named `{}`",
                    crate::terminal::clean(name)
                )));
            }
            (None, _) => {}
        }
        // Each server is asked once: one that does not answer is passed over.
        let (mut holders, mut silent) = (Vec::new(), Vec::new());
        for member in self.client.members() {
            let name = member.name().unwrap_or_default().to_owned();
            let mut settings = member.settings().clone();
            settings.retry = mj_proto::plan::RetryPolicy::none();
            match member.with_settings(settings).fetch(arg) {
                Ok(Some(_)) => holders.push(name),
                Ok(None) => {}
                Err(_) => silent.push(name),
            }
        }
        let shown = crate::terminal::clean(arg);
        match holders.as_slice() {
            [name] => Ok(TaskHandle::new(name.as_str(), arg)),
            [] if !silent.is_empty() => Err(Failure::gave_up(format!(
                "no server of the pool that answered knows task {shown}; {} did not answer (name one: NAME:{shown})",
                silent.join(", ")
            ))),
            [] => Err(Failure::refused(format!("no server of the pool knows task {shown}"))),
            _ => {
                let names: Vec<String> = holders.iter().map(|n| format!("{n}:{shown}")).collect();
                Err(Failure::usage(format!("task {shown} is on several servers: say which ({})", names.join(", "))))
            }
        }
    }

    /// The client of the server that owns `task` alone (the only one when it names none):
    /// for a request that must reach the task's own server, such as a press or a modal.
    pub(crate) fn owner(&self, task: &TaskHandle) -> CliClient {
        task.server.as_deref().and_then(|name| self.client.member(name)).unwrap_or_else(|| self.client.clone())
    }

    /// Waits for `task` on its server with progress shown; a failed task is shown before
    /// the error.
    pub(crate) fn wait(&self, task: &TaskHandle) -> Result<Task, Failure> {
        let mut progress = Progress::new(self.json);
        let result = self.client.wait_with(task, |task| progress.update(&self.shown(task)));
        progress.finish();
        match result {
            Ok(task) => Ok(task),
            Err(Error::TaskFailed(task)) => {
                if self.json {
                    crate::output::result(serde_json::json!({"task": self.task_json(&task)}));
                } else {
                    self.show(&task);
                }
                // The core's own message ("task … ended in …: reason"), with the keys scrubbed.
                Err(Error::TaskFailed(Box::new(self.client.redact_task(*task))).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// False with the built-in simulator, whose tasks end with this command: nothing can
    /// follow them up, so no `next` command is suggested.
    pub(crate) fn follow_up(&self) -> bool {
        self.simulator.is_none()
    }

    /// Prints a task in the human view (named by its handle, `name:id` in a pool), with
    /// every API key scrubbed wherever the server echoed it.
    pub(crate) fn show(&self, task: &Task) {
        println!("{}", crate::render::task(&self.shown(task), self.follow_up()));
    }

    /// `task` as people see it: scrubbed.
    pub(crate) fn shown(&self, task: &Task) -> Task {
        self.client.redact_task(task.clone())
    }

    /// `task` in the JSON view: scrubbed, with its `server` (a pool member's name).
    pub(crate) fn task_json(&self, task: &Task) -> serde_json::Value {
        let task = self.shown(task);
        let mut value = serde_json::to_value(&task).unwrap_or_default();
        if let (Some(server), Some(object)) = (&task.server, value.as_object_mut()) {
            object.insert("server".to_owned(), server.as_str().into());
        }
        value
    }

    /// `text` with every server's API key, and the hook's secret path, scrubbed.
    pub(crate) fn redact_text(&self, text: &str) -> String {
        self.client.redact_text(text)
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
    let every_interface = listen.parse::<std::net::SocketAddr>().is_ok_and(|a| a.ip().is_unspecified());
    if every_interface && url.is_none() {
        return Err(Failure::usage(format!(
            "--hook-listen {listen} listens on every interface, and the server needs an address it can reach: give it with --hook-url http://HOST:PORT (MJ_HOOK_URL), or listen on one address"
        )));
    }
    let cannot =
        |e: std::io::Error| Failure::usage(format!("--hook-listen {listen}: cannot listen for callbacks: {e}"));
    match crate::shared_db::hook_secret(global.hook_secret_file.as_deref())? {
        None => HookReceiver::start(listen, url).map(Some).map_err(cannot),
        // Replicas share the secret behind one public URL: whichever the server's callback
        // reaches takes it.
        Some(secret) => {
            let base = match (url, listen.parse::<std::net::SocketAddr>()) {
                (Some(url), _) => url.to_owned(),
                (None, Ok(addr)) if addr.port() != 0 => format!("http://{addr}"),
                _ => {
                    return Err(Failure::usage(
                        "a shared hook secret is for replicas behind one public URL: give it with --hook-url (MJ_HOOK_URL), or listen on a fixed port",
                    ));
                }
            };
            let hooks = mj_hooks::Hooks::new(
                mj_hooks::Hub::new(&base, secret).map_err(|e| Failure::usage(format!("--hook-url {base}: {e}")))?,
            );
            HookReceiver::feeding(listen, hooks).map(Some).map_err(cannot)
        }
    }
}

/// What the servers file at `path` makes: the server `--server` names (or its only
/// one), else the pool of all.
fn from_servers_file(path: &std::path::Path, global: &Global) -> Result<Vec<Member>, Failure> {
    let servers = mj_files::ServersFile::read(path).map_err(|e| Failure::usage(e.to_string()))?;
    let names: Vec<&str> = servers.members().iter().map(|m| m.name.as_str()).collect();
    let member = match (global.server.as_deref(), servers.members()) {
        (Some(name), members) => members.iter().find(|m| m.name == name).ok_or_else(|| {
            Failure::usage(format!(
                "{}: no server named `{}` (it has {})",
                path.display(),
                crate::terminal::clean(name),
                names.join(", ")
            ))
        })?,
        (None, [only]) => only,
        (None, _) => return Ok(servers.into_members()),
    };
    Ok(vec![member.clone()])
}

/// Which of `flag` and `var` gave a value: the flag when the command line has it, else the
/// variable, so that an error names what the user actually wrote.
fn given(flag: &'static str, var: &'static str) -> &'static str {
    let on_the_line = std::env::args().any(|a| a == flag || a.starts_with(&format!("{flag}=")));
    if on_the_line { flag } else { var }
}

/// The config for the server at `base`, built from the typed options: the profile (and its
/// auth header) unless `--auth` says otherwise, the key, the speed mode.
fn configure(base: &str, key: Option<String>, global: &Global) -> Result<Config, Failure> {
    let mut config =
        Config::new(base).map_err(|e| Failure::usage(format!("{}: {e}", given("--base-url", "MJ_BASE_URL"))))?;
    if let Some(profile) = global.profile {
        config = config.with_profile(profile);
    }
    if let Some(auth) = global.auth {
        config = config.with_auth_style(auth);
    }
    if let Some(key) = key.filter(|k| !k.trim().is_empty()) {
        config = config.with_api_key(key.trim()).map_err(|e| Failure::usage(format!("the API key: {e}")))?;
    }
    let config = config.with_mode(global.mode);
    Ok(match global.min_interval {
        Some(interval) => config.with_pacing(Pacing::new().min_interval(interval, interval / 3)),
        None => config,
    })
}
