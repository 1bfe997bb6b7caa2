//! The human view and the JSON view of tasks and submits.

use mj_proto::{ButtonKind, Submitted, Task};

use crate::terminal::clean;

/// A task for people: status, prompt, images, and the buttons with the command to press
/// them. `follow_up` is false when the task cannot be followed up (the built-in simulator's
/// tasks end with the command): then neither its URLs (dead once the command ends) nor a
/// `next` command is shown.
pub(crate) fn task(task: &Task, follow_up: bool) -> String {
    let mut out = clean(&format!(
        "task {}  {}  {}{}",
        task.handle(),
        task.action.as_ref().map_or("-", |a| a.as_str()),
        task.status,
        task.progress.as_deref().map(|p| format!(" {p}")).unwrap_or_default()
    ));
    let mut line = |label: &str, value: &str| {
        if !value.is_empty() {
            // Multi-line results keep their breaks (indented); every line is cleaned.
            let value = value.split('\n').map(clean).collect::<Vec<_>>().join("\n           ");
            out.push_str(&format!("\n  {label:<9}{value}"));
        }
    };
    line("prompt", task.prompt.as_deref().unwrap_or_default());
    line("failed", task.fail_reason.as_deref().unwrap_or_default());
    if follow_up {
        let images = task.result_image_urls();
        if images.is_empty() {
            line("preview", task.image_url.as_deref().unwrap_or_default());
        }
        for url in images {
            line("image", url);
        }
        for url in task.result_video_urls() {
            line("video", url);
        }
    }
    if let Some(prompts) = task.properties.final_prompt()
        && matches!(task.action, Some(mj_proto::TaskAction::Describe | mj_proto::TaskAction::Shorten))
    {
        line("result", prompts);
    }
    if !task.buttons.is_empty() {
        let names: Vec<&str> = task.buttons.iter().map(mj_proto::Button::display_name).collect();
        line("buttons", &names.join("  "));
        let first = task.button(&ButtonKind::Upscale(1)).or_else(|| task.buttons.first());
        if let Some(button) = first.filter(|_| follow_up) {
            line("next", &format!("mj action {} {}", task.handle(), quote(button.display_name())));
        }
    }
    if task.needs_input() && follow_up {
        line("next", &format!("mj modal {} --prompt \"...\"", task.handle()));
    }
    out
}

/// The last word of a command run on the built-in simulator, whose server stops with the
/// command: where the files are, or how to keep them.
pub(crate) fn simulator_ended(out: Option<&std::path::Path>) -> String {
    let kept = match out {
        Some(dir) => format!("the files are in {}", clean(&dir.display().to_string())),
        None => "pass --out DIR to keep its images".to_owned(),
    };
    format!(
        "mj: {kept}; the built-in simulator and its tasks ended with this command (run `mj sim` and set MJ_BASE_URL to keep tasks between commands)"
    )
}

/// A submit for people (`follow_up` as for [`task`]).
pub(crate) fn submitted(submitted: &Submitted, follow_up: bool) -> String {
    let how = match &submitted.outcome {
        mj_proto::SubmitOutcome::Queued { ahead: Some(n) } => format!("queued, {n} ahead"),
        mj_proto::SubmitOutcome::Queued { ahead: None } => "queued".to_owned(),
        mj_proto::SubmitOutcome::Existing { .. } => "waiting for input (modal)".to_owned(),
        mj_proto::SubmitOutcome::Recovered => "accepted (answer recovered after a lost reply)".to_owned(),
        _ => "accepted".to_owned(),
    };
    let id = clean(&submitted.handle().to_string());
    if follow_up {
        format!("submitted task {id} ({how})\n  next     mj wait {id}")
    } else {
        format!("submitted task {id} ({how})")
    }
}

/// One line for a progress stream without a terminal: id, label, status, progress.
pub(crate) fn progress_line(task: &Task) -> String {
    clean(&format!("{} {} {} {}", task.handle(), label(task), task.status, task.progress.as_deref().unwrap_or("")))
}

/// What a task is, in a few words: its action and the start of its prompt.
pub(crate) fn label(task: &Task) -> String {
    let action = task.action.as_ref().map_or_else(|| "TASK".to_owned(), ToString::to_string);
    clean(&match task.prompt.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(prompt) => format!("{action} \"{}\"", shorten(prompt, 24)),
        None => action,
    })
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

/// One line of `mj list`: id, action, status, progress, the start of the prompt.
pub(crate) fn list_line(task: &Task) -> String {
    let action = task.action.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string);
    let prompt = task.prompt.as_deref().map(|p| shorten(p.trim(), 48)).unwrap_or_default();
    clean(&format!(
        "{:<19} {:<10} {:<11} {:>4}  {prompt}",
        task.handle(),
        action,
        task.status.to_string(),
        task.progress.as_deref().unwrap_or("")
    ))
}

fn quote(text: &str) -> String {
    if text.contains(' ') || text.contains('(') { format!("\"{text}\"") } else { text.to_owned() }
}
