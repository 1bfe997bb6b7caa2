//! What a user would write without mj: derived structs with `#[serde(untagged)]` for the
//! fields whose type varies. The baseline the lenient decoder is measured against.

use std::collections::HashMap;

use serde::Deserialize;

/// An int or a string, the `untagged` way.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// A number.
    Int(i64),
    /// A string.
    Str(String),
}

/// A button.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NaiveButton {
    /// customId.
    pub custom_id: Option<String>,
    /// emoji.
    pub emoji: Option<String>,
    /// label.
    pub label: Option<String>,
    /// type.
    #[serde(rename = "type")]
    pub kind: Option<IntOrString>,
    /// style.
    pub style: Option<IntOrString>,
}

/// A task.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NaiveTask {
    /// id.
    pub id: Option<IntOrString>,
    /// action.
    pub action: Option<String>,
    /// status.
    pub status: Option<String>,
    /// prompt.
    pub prompt: Option<String>,
    /// promptEn.
    pub prompt_en: Option<String>,
    /// description.
    pub description: Option<String>,
    /// state.
    pub state: Option<String>,
    /// submitTime.
    pub submit_time: Option<IntOrString>,
    /// startTime.
    pub start_time: Option<IntOrString>,
    /// finishTime.
    pub finish_time: Option<IntOrString>,
    /// imageUrl.
    pub image_url: Option<String>,
    /// progress.
    pub progress: Option<String>,
    /// failReason.
    pub fail_reason: Option<String>,
    /// buttons.
    pub buttons: Option<Vec<NaiveButton>>,
    /// properties.
    pub properties: Option<HashMap<String, serde_json::Value>>,
}
