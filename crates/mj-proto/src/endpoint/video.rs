//! `POST /mj/submit/video`: animate an image, or extend a video (trueai, gateways).

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::model::VideoMotion;
use crate::profile::ServerProfile;
use crate::validate;

/// `/video` (spec §5.10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Video {
    /// The motion prompt (required by trueai).
    pub prompt: String,
    /// Low or high motion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motion: Option<VideoMotion>,
    /// The first frame: a data URL or an http(s) URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The image the video should end on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_image: Option<String>,
    /// Loop the video.
    #[serde(rename = "loop", skip_serializing_if = "Option::is_none")]
    pub looped: Option<bool>,
    /// `extend` when continuing the video of `task_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Which video of the parent (0-3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u8>,
    /// The parent task, for an extension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// `vid_1.1_i2v_480` (default) or `vid_1.1_i2v_720` (HD).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_type: Option<String>,
    /// Videos to make (trueai defaults to 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u8>,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Video {
    /// Animates `image` (a data URL or an http(s) URL) as `prompt` says.
    pub fn new(prompt: impl Into<String>, image: impl Into<String>) -> Self {
        Self { image: Some(image.into()), ..Self::blank(prompt.into()) }
    }

    /// Extends video `index` (0-3) of task `task_id`.
    pub fn extend(prompt: impl Into<String>, task_id: impl Into<String>, index: u8) -> Self {
        Self {
            action: Some("extend".to_owned()),
            task_id: Some(task_id.into()),
            index: Some(index),
            ..Self::blank(prompt.into())
        }
    }

    fn blank(prompt: String) -> Self {
        Self {
            prompt,
            motion: None,
            image: None,
            end_image: None,
            looped: None,
            action: None,
            index: None,
            task_id: None,
            video_type: None,
            batch_size: None,
            options: SubmitOptions::default(),
        }
    }

    /// Sets the motion.
    pub fn motion(mut self, motion: VideoMotion) -> Self {
        self.motion = Some(motion);
        self
    }

    fn check(&self, profile: Option<ServerProfile>) -> Result<(), BuildError> {
        validate::non_empty("prompt", &self.prompt)?;
        // trueai sets botType MID_JOURNEY and an empty accountFilter whatever the request says
        // (SubmitController.cs L951-955 @ed32197).
        if profile == Some(ServerProfile::Trueai) {
            let set = [
                ("botType", self.options.bot_type.is_some()),
                ("accountFilter", self.options.account_filter.is_some()),
            ];
            if let Some((field, _)) = set.into_iter().find(|(_, set)| *set) {
                return Err(BuildError::Ignored { field, server: "trueai" });
            }
        }
        for (field, image) in [("image", &self.image), ("endImage", &self.end_image)] {
            if let Some(image) = image {
                validate::image(profile, field, 0, image)?;
            }
        }
        if let Some(index) = self.index {
            validate::range("index", i64::from(index), 0, 3)?;
        }
        match &self.task_id {
            Some(id) => validate::non_empty("taskId", id),
            None if self.image.is_none() => Err(BuildError::Empty { field: "image" }),
            None => Ok(()),
        }
    }
}

submit_endpoint!(Video, crate::EndpointName::VIDEO, "/submit/video");
