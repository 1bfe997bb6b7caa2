//! A connection to a server, a pool of servers (the servers file) or the built-in
//! simulator, and the clients over it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mj_client::prelude::*;
use mj_hooks::HookReceiver;
use mj_proto::endpoint::Submit;
use mj_proto::model::TaskHandle;
use mj_proto::plan::{Member, Pool};
use mj_sim::{Flavor, Server, SimConfig};
use mj_ureq::UreqTransport;

use crate::cli::Global;
use crate::counted::Counted;
use crate::exit::Failure;
use crate::progress::Progress;
use crate::watchdog::{Watched, say};

/// The transport the CLI runs on: ureq, watched for silence, its requests counted.
pub(crate) type CliTransport = Counted<Watched<UreqTransport>>;

/// mj's client as the CLI runs it (one per server; a pool's members share the transport).
pub(crate) type CliClient = mj_client::Client<Arc<CliTransport>>;

/// The pool the servers file makes when it names several servers and none is picked.
pub(crate) type CliPool = mj_client::PoolClient<CliTransport>;

/// What a command talks to.
pub(crate) struct Session {
    servers: Servers,
    pub json: bool,
    /// The settings every client got (the pool's members each get their hooks' scope).
    settings: Settings,
    /// Keeps the built-in simulator running while the command runs.
    target: Target,
    /// Keeps the callback receiver listening while the command runs.
    _hooks: Option<HookReceiver>,
    /// When the whole command must end (`--timeout` from its start).
    deadline: Instant,
    /// The requests the session's transport sent.
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// One server (named when it comes from the servers file), or a pool.
enum Servers {
    One { name: Option<String>, client: CliClient },
    Pool(CliPool),
}

/// A task argument resolved: the pool member that has it (`None`: the only server), its
/// id there, and the client to ask.
pub(crate) struct Located<'s> {
    pub server: Option<String>,
    pub id: String,
    pub client: &'s CliClient,
}

/// Where a submit went and what the server answered.
pub(crate) struct Sent<'s> {
    pub server: Option<String>,
    pub client: &'s CliClient,
    pub submitted: Submitted,
}

impl Session {
    /// Connects as `global` says; starts the built-in simulator when no base URL is set.
    pub(crate) fn open(global: &Global) -> Result<Self, Failure> {
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
            Some(base) => Target::Configured(configure(base, key, global)?, None),
            None => match mj_files::ServersFile::locate(global.config.as_deref()) {
                Some(path) => from_servers_file(&path, global)?,
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
        let receiver = listen(global, target.server().is_some())?;
        if let Some(receiver) = &receiver {
            settings = settings.hooks(receiver.hooks());
        }
        let transport = Counted::new(Watched::new(transport, request_timeout, deadline).naming(match &target {
            Target::Pool(members) => members.iter().map(|m| (m.name.as_str(), m.config.base_url())).collect(),
            Target::Configured(..) | Target::Simulator(..) => Vec::new(),
        }));
        let sent = transport.counter();
        let servers = match &target {
            Target::Pool(members) => {
                let pool = Pool::new(members.clone()).map_err(|e| Failure::usage(e.to_string()))?;
                Servers::Pool(CliPool::with_transport(transport, pool).with_settings(settings.clone()).until(deadline))
            }
            Target::Configured(config, member) => Servers::One {
                name: member.as_ref().map(|m| m.name.clone()),
                client: CliClient::with_transport(Arc::new(transport), config.clone())
                    .with_settings(settings.clone())
                    .until(deadline),
            },
            Target::Simulator(config, _) => Servers::One {
                name: None,
                client: CliClient::with_transport(Arc::new(transport), config.clone())
                    .with_settings(settings.clone())
                    .until(deadline),
            },
        };
        Ok(Self { servers, json: global.json, settings, target, _hooks: receiver, deadline, sent })
    }

    /// The settings the session's clients run with (its deadline, its notices, its hooks).
    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    /// When the whole command must end: every client of the session ends its calls by
    /// then.
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The requests sent so far, all servers together.
    pub(crate) fn requests_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The pool, when the servers file names several servers and none was picked.
    pub(crate) fn pool(&self) -> Option<&CliPool> {
        match &self.servers {
            Servers::Pool(pool) => Some(pool),
            Servers::One { .. } => None,
        }
    }

    /// The servers file's members this session runs on: a pool's, or the one server
    /// `--server` picked (so that a batch's jobs keep naming their member).
    pub(crate) fn members(&self) -> Option<&[Member]> {
        match &self.target {
            Target::Pool(members) => Some(members),
            Target::Configured(_, Some(member)) => Some(std::slice::from_ref(member)),
            Target::Configured(_, None) | Target::Simulator(..) => None,
        }
    }

    /// The client of the session's server named `name` (a pool member, or the one server
    /// `--server` picked).
    pub(crate) fn client_of(&self, name: &str) -> Option<&CliClient> {
        match &self.servers {
            Servers::One { name: Some(own), client } if own == name => Some(client),
            Servers::One { .. } => None,
            Servers::Pool(pool) => pool.member(name),
        }
    }

    /// The client of a command that asks one server (`mj list`): the only one's, or, in
    /// a pool, an error asking for `--server`.
    pub(crate) fn single(&self) -> Result<&CliClient, Failure> {
        match &self.servers {
            Servers::One { client, .. } => Ok(client),
            Servers::Pool(pool) => {
                let names: Vec<String> = pool.members().into_iter().map(|(name, _)| name).collect();
                Err(Failure::usage(format!(
                    "this command asks one server and the servers file names {} ({}): pick one with --server NAME",
                    names.len(),
                    names.join(", ")
                )))
            }
        }
    }

    /// Submits `request` to the server, or to the pool, which picks the member (and moves
    /// on only when one provably created nothing).
    pub(crate) fn submit<S: Submit + Clone>(&self, request: S) -> Result<Sent<'_>, Failure> {
        match &self.servers {
            Servers::One { name, client } => {
                Ok(Sent { server: name.clone(), client, submitted: client.submit(request)? })
            }
            Servers::Pool(pool) => {
                let placed = pool.submit(request)?;
                let client = pool.member(&placed.server).ok_or_else(|| Failure::gave_up("the pool lost a member"))?;
                Ok(Sent { server: Some(placed.server), client, submitted: placed.submitted })
            }
        }
    }

    /// Where task argument `arg` lives: `name:id` on member `name`; an id alone on the
    /// only server, or, in a pool, on the one member that knows it (each is asked).
    pub(crate) fn locate(&self, arg: &str) -> Result<Located<'_>, Failure> {
        let handle = arg.parse::<TaskHandle>().ok();
        match (&self.servers, handle) {
            (Servers::One { name: Some(name), client }, Some(handle)) if *name == handle.server => {
                Ok(Located { server: Some(handle.server), id: handle.id, client })
            }
            (Servers::One { name, client }, _) => Ok(Located { server: name.clone(), id: arg.to_owned(), client }),
            (Servers::Pool(pool), Some(handle)) => {
                let client = pool.member(&handle.server).ok_or_else(|| {
                    Failure::usage(format!(
                        "no server of the pool is named `{}`",
                        crate::terminal::clean(&handle.server)
                    ))
                })?;
                Ok(Located { server: Some(handle.server), id: handle.id, client })
            }
            (Servers::Pool(pool), None) => {
                // Each member is asked once: one that does not answer is passed over.
                let mut holders = Vec::new();
                let mut silent = Vec::new();
                for (name, client) in pool.members() {
                    let mut settings = client.settings().clone();
                    settings.retry = mj_proto::plan::RetryPolicy::none();
                    let once = client.clone().with_settings(settings);
                    let found = once.fetch(arg);
                    pool.learn(&name, found.as_ref().map(|_| ()));
                    match found {
                        Ok(Some(_)) => holders.push((name, client)),
                        Ok(None) => {}
                        Err(_) => silent.push(name),
                    }
                }
                let shown = crate::terminal::clean(arg);
                match holders.len() {
                    1 => {
                        let (name, client) = holders.remove(0);
                        Ok(Located { server: Some(name), id: arg.to_owned(), client })
                    }
                    0 if !silent.is_empty() => Err(Failure::gave_up(format!(
                        "no server of the pool that answered knows task {shown}; {} did not answer (name one: NAME:{shown})",
                        silent.join(", ")
                    ))),
                    0 => Err(Failure::refused(format!("no server of the pool knows task {shown}"))),
                    _ => {
                        let names: Vec<String> = holders.iter().map(|(n, _)| format!("{n}:{shown}")).collect();
                        Err(Failure::usage(format!(
                            "task {shown} is on several servers: say which ({})",
                            names.join(", ")
                        )))
                    }
                }
            }
        }
    }

    /// Waits for task `id` on `server` with progress shown; a failed task is shown before
    /// the error.
    pub(crate) fn wait(&self, client: &CliClient, server: Option<&str>, id: &str) -> Result<Task, Failure> {
        let mut progress = Progress::new(self.json);
        let result = client.wait_with(id, |task| progress.update(&self.shown(server, task)));
        progress.finish();
        match result {
            Ok(task) => Ok(task),
            Err(Error::TaskFailed(task)) => {
                if self.json {
                    crate::output::result(serde_json::json!({"task": self.task_json(server, &task)}));
                } else {
                    self.show(server, &task);
                }
                // The core's own message ("task … ended in …: reason"), with the key scrubbed.
                Err(client.config().redact(Error::TaskFailed(task)).into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// False with the built-in simulator, whose tasks end with this command: nothing can
    /// follow them up, so no `next` command is suggested.
    pub(crate) fn follow_up(&self) -> bool {
        self.target.server().is_none()
    }

    /// Prints a task in the human view, with every API key scrubbed wherever the server
    /// echoed it; a pool member's task is shown by its handle (`name:id`).
    pub(crate) fn show(&self, server: Option<&str>, task: &Task) {
        println!("{}", crate::render::task(&self.shown(server, task), self.follow_up()));
    }

    /// `task` as people see it: scrubbed, and named by its handle in a pool.
    pub(crate) fn shown(&self, server: Option<&str>, task: &Task) -> Task {
        let mut task = self.redacted(task);
        task.id = self.handle(server, &task.id);
        task
    }

    /// What people call task `id` of `server`: its handle (`name:id`) in a pool, else
    /// its id.
    pub(crate) fn handle(&self, server: Option<&str>, id: &str) -> String {
        match (server, &self.servers) {
            (Some(server), Servers::Pool(_)) => TaskHandle::new(server, id).to_string(),
            _ => id.to_owned(),
        }
    }

    /// `task` in the JSON view: scrubbed, with its `server` (a pool member's name).
    pub(crate) fn task_json(&self, server: Option<&str>, task: &Task) -> serde_json::Value {
        let mut value = serde_json::to_value(self.redacted(task)).unwrap_or_default();
        if let (Some(server), Some(object)) = (server, value.as_object_mut()) {
            object.insert("server".to_owned(), server.into());
        }
        value
    }

    /// `task` with every server's API key, and the hook's secret path, scrubbed wherever
    /// a server echoed them (new-api echoes `properties.notifyHook`).
    pub(crate) fn redacted(&self, task: &Task) -> Task {
        let task = self.configs().into_iter().fold(task.clone(), |task, config| config.redact_task(task));
        match &self.settings.hooks {
            Some(hooks) => hooks.redact_task(task),
            None => task,
        }
    }

    /// `text` with every server's API key, and the hook's secret path, scrubbed.
    pub(crate) fn redact_text(&self, text: &str) -> String {
        let text = self.configs().into_iter().fold(text.to_owned(), |text, config| config.redact_text(text));
        match &self.settings.hooks {
            Some(hooks) => hooks.redact_text(&text),
            None => text,
        }
    }

    fn configs(&self) -> Vec<&Config> {
        match &self.servers {
            Servers::One { client, .. } => vec![client.config()],
            Servers::Pool(pool) => pool.members().into_iter().map(|(_, c)| c.config()).collect(),
        }
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
    HookReceiver::start(listen, url)
        .map(Some)
        .map_err(|e| Failure::usage(format!("--hook-listen {listen}: cannot listen for callbacks: {e}")))
}

/// What the servers file at `path` makes: the server `--server` names (or its only
/// one), else the pool of all.
fn from_servers_file(path: &std::path::Path, global: &Global) -> Result<Target, Failure> {
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
        (None, _) => return Ok(Target::Pool(servers.into_members())),
    };
    Ok(Target::Configured(member.config.clone(), Some(member.clone())))
}

/// The config for the server at `base`, built from the typed options: the profile (and its
/// auth header) unless `--auth` says otherwise, the key, the speed mode.
fn configure(base: &str, key: Option<String>, global: &Global) -> Result<Config, Failure> {
    let mut config = Config::new(base).map_err(|e| Failure::usage(format!("MJ_BASE_URL: {e}")))?;
    if let Some(profile) = global.profile {
        config = config.with_profile(profile);
    }
    if let Some(auth) = global.auth {
        config = config.with_auth_style(auth);
    }
    if let Some(key) = key.filter(|k| !k.trim().is_empty()) {
        config = config.with_api_key(key.trim()).map_err(|e| Failure::usage(format!("the API key: {e}")))?;
    }
    Ok(config.with_mode(global.mode))
}

/// Where requests go: a configured server (with its name in the servers file), a pool,
/// or the built-in simulator, which stops when this is dropped.
enum Target {
    Configured(Config, Option<Member>),
    Pool(Vec<Member>),
    Simulator(Config, Server),
}

impl Target {
    fn server(&self) -> Option<&Server> {
        match self {
            Self::Simulator(_, server) => Some(server),
            Self::Configured(..) | Self::Pool(_) => None,
        }
    }
}
