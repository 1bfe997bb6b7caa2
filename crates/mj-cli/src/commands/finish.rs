//! What the submitting commands share: images from files or URLs, the notify hook, and
//! finishing a submit (print it, or wait, show the task and save its files).

use std::path::Path;

use mj_proto::prelude::*;
use serde_json::json;

use crate::cli::{Finish, Hook};
use crate::download::{self, Saved};
use crate::exit::{self, Failure};
use crate::output;
use crate::render;
use crate::session::CliClient;
use crate::session::Session;

/// After a submit: print it (a pool member's task by its handle, `name:id`), or wait
/// (with progress) on the server that took it, show the task and download.
pub(crate) fn complete(s: &Session, submitted: Submitted, finish: &Finish) -> Result<u8, Failure> {
    let handle = submitted.handle();
    if !finish.wait && finish.out.is_none() {
        if s.json {
            output::result(json!({
                "taskId": submitted.task_id, "taskIds": submitted.task_ids, "server": submitted.server, "submitted": submitted,
            }));
        } else {
            println!("{}", render::submitted(&submitted, s.follow_up()));
        }
        return Ok(exit::OK);
    }
    crate::interrupt::waiting_for(&handle.to_string());
    let task = s.wait(&handle)?;
    if !s.json {
        s.show(&task);
    }
    let files = match &finish.out {
        Some(dir) => save_results(s.client(), s.json, &mj_files::result_stem(&task), &task, dir, finish.split)?,
        None => Vec::new(),
    };
    crate::interrupt::done();
    if !s.json && !s.follow_up() {
        eprintln!("{}", render::simulator_ended(finish.out.as_deref()));
    }
    if s.json {
        let files: Vec<_> =
            files.iter().map(|f| json!({"path": f.path(), "kept": matches!(f, Saved::Kept(_))})).collect();
        output::result(json!({"task": s.task_json(&task), "files": files}));
    }
    Ok(exit::for_task(&task))
}

pub(crate) fn hooked<S: Submit>(request: S, hook: &Hook) -> S {
    match &hook.notify_hook {
        Some(url) => request.notify_hook(url.clone()),
        None => request,
    }
}

/// Checks before anything is submitted that `--out` can be written, so that a billable
/// task never ends in a local error.
pub(crate) fn check_finish(finish: &Finish) -> Result<(), Failure> {
    let Some(dir) = &finish.out else { return Ok(()) };
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::usage(format!("--out {}: cannot create it: {e}", dir.display())))?;
    mj_files::check_writable(dir)
        .map_err(|e| Failure::usage(format!("--out {}: cannot write there: {e}", dir.display())))
}

/// Downloads the result images (the four images when the server lists them, else the
/// grid or single image) into files named after `stem`, and with `split` cuts the grid
/// into four. In the human view, one line per file.
pub(crate) fn save_results(
    client: &CliClient,
    json: bool,
    stem: &str,
    task: &Task,
    dir: &Path,
    split: bool,
) -> Result<Vec<Saved>, Failure> {
    let mut saved = Vec::new();
    for (url, name) in mj_files::result_files(task) {
        saved.push(download::fetch(client, &url, dir, &name).map_err(Failure::gave_up)?);
    }
    if split {
        let grid = task.image_url.as_deref().filter(|_| task.status == TaskStatus::Success);
        let grid = grid.ok_or_else(|| Failure::usage("the task has no grid image to split"))?;
        let name = mj_files::file_name(stem, "", grid);
        let file = match saved.iter().find(|f| f.path().ends_with(&name)) {
            Some(file) => file.path().to_path_buf(),
            None => {
                let file = download::fetch(client, grid, dir, &name).map_err(Failure::gave_up)?;
                let path = file.path().to_path_buf();
                saved.push(file);
                path
            }
        };
        let stem = format!("{}-split", mj_proto::file_name::safe_stem(stem));
        saved.extend(download::split(&file, &stem).map_err(Failure::gave_up)?);
    }
    if !json {
        for file in &saved {
            let kept = matches!(file, Saved::Kept(_));
            println!("{} {}", if kept { "kept " } else { "saved" }, file.path().display());
        }
    }
    Ok(saved)
}

/// An http(s) URL as it is; a file as a data URL.
pub(crate) fn image_ref(image: &str) -> Result<String, Failure> {
    if image.starts_with("http://") || image.starts_with("https://") {
        Ok(image.to_owned())
    } else {
        file_data_url(Path::new(image))
    }
}

pub(crate) fn file_data_url(path: &Path) -> Result<String, Failure> {
    mj_ureq::read_image(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => {
            Failure::usage(format!("{} is not a PNG, JPEG, GIF or WebP image", path.display()))
        }
        _ => Failure::usage(format!("cannot read {}: {e}", path.display())),
    })
}
