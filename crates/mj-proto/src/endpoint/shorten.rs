//! `POST /mj/submit/shorten`: prompt analysis (PLUS, trueai, gateways).

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::profile::ServerProfile;
use crate::validate;

/// `/shorten`: the result lands in the task's `properties.finalPrompt` (spec §5.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Shorten {
    /// The prompt to analyse.
    pub prompt: String,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Shorten {
    /// A shorten of `prompt`.
    pub fn new(prompt: impl Into<String>) -> Self {
        Self { prompt: prompt.into(), options: SubmitOptions::default() }
    }

    fn check(&self, _profile: Option<ServerProfile>) -> Result<(), BuildError> {
        // trueai does not check; an empty prompt would still cost a job elsewhere.
        validate::non_empty("prompt", &self.prompt)
    }
}

submit_endpoint!(Shorten, crate::EndpointName::SHORTEN, "/submit/shorten");
