//! The buttons a finished task shows, with the customId patterns real servers use (spec §4.4).

/// What a task produces, which decides its buttons and images.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Product {
    /// A 2x2 grid (imagine, variation, reroll, blend, zoom, pan).
    Grid,
    /// One image (upscale, edit, face swap); the grid quadrant it came from, 1-4.
    Single(u8),
    /// Four prompts (describe).
    Prompts,
    /// A prompt analysis (shorten).
    Analysis,
    /// Videos.
    Video,
}

/// One button as the simulator renders it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SimButton {
    /// The Discord customId a client sends back to press it.
    pub custom_id: String,
    /// The emoji, or `""`.
    pub emoji: &'static str,
    /// The label, or `""`.
    pub label: String,
}

fn button(custom_id: String, emoji: &'static str, label: impl Into<String>) -> SimButton {
    SimButton { custom_id, emoji, label: label.into() }
}

/// The buttons of a finished task with job hash `hash`.
pub(crate) fn buttons_for(product: Product, hash: &str) -> Vec<SimButton> {
    match product {
        Product::Grid => {
            let mut out: Vec<SimButton> =
                (1..=4).map(|n| button(format!("MJ::JOB::upsample::{n}::{hash}"), "", format!("U{n}"))).collect();
            out.push(button(format!("MJ::JOB::reroll::0::{hash}::SOLO"), "🔄", ""));
            out.extend((1..=4).map(|n| button(format!("MJ::JOB::variation::{n}::{hash}"), "", format!("V{n}"))));
            out
        }
        Product::Single(_) => vec![
            button(format!("MJ::JOB::upsample_v5_2x::1::{hash}::SOLO"), "", "Upscale (2x)"),
            button(format!("MJ::JOB::upsample_v5_4x::1::{hash}::SOLO"), "", "Upscale (4x)"),
            button(format!("MJ::JOB::low_variation::1::{hash}::SOLO"), "🪄", "Vary (Subtle)"),
            button(format!("MJ::JOB::high_variation::1::{hash}::SOLO"), "🪄", "Vary (Strong)"),
            button(format!("MJ::Inpaint::1::{hash}::SOLO"), "🖌️", "Vary (Region)"),
            button(format!("MJ::Outpaint::50::1::{hash}::SOLO"), "🔍", "Zoom Out 2x"),
            button(format!("MJ::Outpaint::75::1::{hash}::SOLO"), "🔍", "Zoom Out 1.5x"),
            button(format!("MJ::CustomZoom::{hash}"), "🔍", "Custom Zoom"),
            button(format!("MJ::JOB::pan_left::1::{hash}::SOLO"), "⬅️", ""),
            button(format!("MJ::JOB::pan_right::1::{hash}::SOLO"), "➡️", ""),
            button(format!("MJ::JOB::pan_up::1::{hash}::SOLO"), "⬆️", ""),
            button(format!("MJ::JOB::pan_down::1::{hash}::SOLO"), "⬇️", ""),
            button(format!("MJ::BOOKMARK::{hash}"), "❤️", ""),
        ],
        Product::Prompts => {
            const KEYCAPS: [&str; 4] = ["1️⃣", "2️⃣", "3️⃣", "4️⃣"];
            let mut out: Vec<SimButton> =
                (1..=4).map(|n| button(format!("MJ::Job::PicReader::{n}"), KEYCAPS[n - 1], "")).collect();
            out.push(button("MJ::Job::PicReader::all".to_owned(), "🎉", "Imagine all"));
            out.push(button("MJ::Picread::Retry".to_owned(), "🔄", ""));
            out
        }
        Product::Analysis | Product::Video => Vec::new(),
    }
}
