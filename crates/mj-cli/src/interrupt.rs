//! Ctrl-C while waiting: the tasks go on on the server, so mj says how to resume before
//! it exits (130, as shells expect after SIGINT).

use std::sync::Mutex;

/// The tasks being waited for, if any.
static WAITING: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// How to resume what runs, when it is not `mj wait` (a batch).
static RESUME: Mutex<Option<String>> = Mutex::new(None);

/// Installs the handler (once, at start-up); a failure to install leaves the default.
pub(crate) fn install() {
    let _ = ctrlc::set_handler(|| {
        let ids = WAITING.lock().map(|ids| ids.join(" ")).unwrap_or_default();
        let resume = RESUME.lock().ok().and_then(|r| r.clone());
        if let Some(resume) = resume {
            eprintln!("\nmj: interrupted; {resume}");
        } else if ids.is_empty() {
            eprintln!("\nmj: interrupted");
        } else {
            eprintln!("\nmj: interrupted; the server goes on with it: resume with `mj wait {ids}`");
        }
        std::process::exit(130);
    });
}

/// From now on, Ctrl-C names `id` in its resume hint.
pub(crate) fn waiting_for(id: &str) {
    waiting_for_all(&[id.to_owned()]);
}

/// From now on, Ctrl-C names `ids` in its resume hint.
pub(crate) fn waiting_for_all(ids: &[String]) {
    if let Ok(mut waiting) = WAITING.lock() {
        waiting.clear();
        waiting.extend_from_slice(ids);
    }
}

/// From now on, Ctrl-C says `how` to resume.
pub(crate) fn resume_with(how: String) {
    if let Ok(mut resume) = RESUME.lock() {
        *resume = Some(how);
    }
}

/// Nothing is being waited for any more.
pub(crate) fn done() {
    if let Ok(mut waiting) = WAITING.lock() {
        waiting.clear();
    }
    if let Ok(mut resume) = RESUME.lock() {
        *resume = None;
    }
}
