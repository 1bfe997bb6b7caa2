//! Showing tasks as they change: a bar per task on a terminal, a line per change otherwise,
//! a JSON object per change with --json.

use std::collections::HashMap;
use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use mj_proto::Task;

use crate::render;

/// Where updates go.
pub(crate) enum Progress {
    /// indicatif bars, one per task id.
    Bars { multi: MultiProgress, bars: HashMap<String, ProgressBar>, style: ProgressStyle },
    /// One line per change on stderr (stdout stays for results).
    Lines,
    /// One JSON object per change on stdout.
    Json,
}

impl Progress {
    /// Bars on a terminal, lines elsewhere, JSON when asked.
    pub(crate) fn new(json: bool) -> Self {
        if json {
            return Self::Json;
        }
        if !std::io::stderr().is_terminal() {
            return Self::Lines;
        }
        let style = ProgressStyle::with_template("{prefix:<34} [{bar:30.cyan/blue}] {pos:>3}% {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        Self::Bars { multi: MultiProgress::new(), bars: HashMap::new(), style }
    }

    /// Shows a change of `task`.
    pub(crate) fn update(&mut self, task: &Task) {
        match self {
            Self::Bars { multi, bars, style } => {
                let bar = bars
                    .entry(task.handle().to_string())
                    .or_insert_with(|| multi.add(ProgressBar::new(100).with_style(style.clone())));
                // Several bars at once must say which is which: the action and the prompt.
                bar.set_prefix(render::label(task));
                bar.set_position(u64::from(task.progress_percent().unwrap_or(0)));
                bar.set_message(crate::terminal::clean(&format!("{} {}", task.status, task.handle())));
                if task.is_terminal() || task.needs_input() {
                    bar.finish();
                }
            }
            Self::Lines => eprintln!("{}", render::progress_line(task)),
            Self::Json => println!("{}", crate::output::progress(task)),
        }
    }

    /// Stops drawing.
    pub(crate) fn finish(&mut self) {
        if let Self::Bars { bars, .. } = self {
            for bar in bars.values() {
                if !bar.is_finished() {
                    bar.abandon();
                }
            }
        }
    }
}
