//! Errors without the key: every message, body and task they carry, scrubbed.

use super::{BuildError, Error, LookupFailure};
use crate::model::ResultMember;
use crate::secret::{scrub_bytes, scrub_text};

impl Error {
    /// The same error, naming `endpoint` as the one asked (for the 404 hint).
    pub(crate) fn for_endpoint(mut self, endpoint: crate::EndpointName) -> Self {
        if let Self::Unexpected(a) | Self::Html(a) = &mut self {
            a.endpoint = Some(endpoint);
        }
        self
    }

    /// The same error with every occurrence of `secret` replaced by `[redacted]`: in
    /// messages, bodies, properties, and every field of the tasks that task errors carry.
    pub fn redacted(mut self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        match &mut self {
            Self::Unauthorized(a)
            | Self::Quota(a)
            | Self::NotConfigured(a)
            | Self::RateLimited(a)
            | Self::Server(a)
            | Self::Html(a)
            | Self::Unexpected(a) => a.redact(secret),
            Self::Rejected(r) => {
                scrub_text(&mut r.description, secret);
                r.properties.scrub(secret);
                match &mut r.result {
                    Some(ResultMember::Id(id)) => scrub_text(id, secret),
                    Some(ResultMember::Urls(urls)) => urls.iter_mut().for_each(|u| scrub_text(u, secret)),
                    None => {}
                }
                if let Some(kind) = &mut r.kind {
                    scrub_text(kind, secret);
                }
            }
            Self::Decode(d) => {
                // The path names members, and a member's name can hold the key too.
                scrub_text(&mut d.path, secret);
                scrub_text(&mut d.message, secret);
                scrub_bytes(&mut d.body, secret);
            }
            Self::BadCallback { reason } => scrub_text(reason, secret),
            Self::Transport(t) => t.redact(secret),
            Self::TaskFailed(task) | Self::NeedsInput(task) => task.scrub(secret),
            Self::WaitTimeout { last, cause, .. } => {
                if let Some(task) = last {
                    task.scrub(secret);
                }
                if let Some(cause) = cause {
                    redact_in_place(cause, secret);
                }
            }
            Self::OutcomeUnknown { token, why, cause } => {
                scrub_text(token, secret);
                redact_in_place(cause, secret);
                if let LookupFailure::Exhausted { last: Some(last), .. } = why.as_mut() {
                    redact_in_place(last, secret);
                }
            }
            Self::TaskNotFound { id } => scrub_text(id, secret),
            Self::ForeignTask { asked, got } => {
                for id in [asked, got] {
                    let mut text = id.to_string();
                    scrub_text(&mut text, secret);
                    *id = text.into_boxed_str();
                }
            }
            Self::Build(BuildError::NoSuchButton { wanted, available }) => {
                scrub_text(wanted, secret);
                scrub_text(available, secret);
            }
            Self::Config(_) | Self::Build(_) | Self::EmptyBody { .. } | Self::Paced(_) | Self::PlanMisuse => {}
        }
        self
    }
}

/// Redacts a boxed error where it stands.
fn redact_in_place(error: &mut Error, secret: &str) {
    let taken = std::mem::replace(error, Error::PlanMisuse);
    *error = taken.redacted(secret);
}
