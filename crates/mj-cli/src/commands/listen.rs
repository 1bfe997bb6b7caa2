//! `mj listen`: the SDK's callback receiver (mj-hooks) on loopback, with a tap that
//! prints every task update it takes.
//!
//! It has the receiver's limits (1 MiB a body, 10 s a request, 256 connections) and its
//! secret path: only a caller given the printed URL reaches it, and a repeat of an update
//! already shown is not shown again.

use std::sync::Arc;

use mj_hooks::{Callback, HookReceiver, Hooks};

use crate::exit::Failure;
use crate::render;

/// Serves until interrupted.
pub(super) fn run(port: u16, json: bool) -> Result<(), Failure> {
    // The tap runs before the receiver hands its hooks out, so it learns of them here.
    let known: Arc<std::sync::OnceLock<Hooks>> = Arc::default();
    let tap = {
        let known = known.clone();
        Arc::new(move |callback: &Callback| print(callback, known.get(), json))
    };
    let receiver = HookReceiver::start_tapped(("127.0.0.1", port), None, tap)
        .map_err(|e| Failure::usage(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let hooks = receiver.hooks();
    let url = hooks.url().to_owned();
    let _ = known.set(hooks);
    // The URL holds the secret path, which is the point: the user gives it as notifyHook.
    eprintln!("listening for callbacks on {url} (use it as notifyHook; Ctrl-C stops)");
    loop {
        std::thread::park();
    }
}

/// One callback, as the user sees it: a task update on stdout, the rest on stderr.
fn print(callback: &Callback, hooks: Option<&Hooks>, json: bool) {
    match callback {
        Callback::Advanced(task) => {
            // A server may echo the hook's URL (new-api's properties.notifyHook).
            let task = match hooks {
                Some(hooks) => hooks.redact_task((**task).clone()),
                None => (**task).clone(),
            };
            if json {
                println!("{}", crate::output::progress(&task));
            } else {
                println!("{}", render::progress_line(&task));
            }
        }
        Callback::Stale { id } => {
            eprintln!("mj: a repeat of task {}'s update (not shown again)", crate::terminal::clean(id))
        }
        Callback::Bad(e) => eprintln!("mj: ignored a callback: {}", crate::terminal::clean(&e.to_string())),
        Callback::WrongPath => {}
        other => eprintln!("mj: ignored a callback (answered {})", other.status()),
    }
}
