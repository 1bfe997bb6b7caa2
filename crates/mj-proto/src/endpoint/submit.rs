//! What every task-creating submit shares: the optional fields and the parse.

use http::Method;
use serde::Serialize;

use super::Endpoint;
use crate::config::Config;
use crate::error::Error;
use crate::model::{AccountFilter, BotType, Submitted};
use crate::validate;
use crate::wire::HttpRequest;

/// Optional fields every submit takes; unset ones are left out of the body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubmitOptions {
    /// Caller data echoed in the task (at most 255 characters). mj's clients also use it
    /// to find a task again after an ambiguous failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// URL the server POSTs the task to on every change (gateways may strip it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify_hook: Option<String>,
    /// Midjourney or Niji (PLUS, trueai).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot_type: Option<BotType>,
    /// Which accounts may run the task (trueai).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_filter: Option<AccountFilter>,
}

impl SubmitOptions {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if let Some(state) = &self.state {
            validate::max_chars("state", state, validate::MAX_STATE_CHARS)?;
        }
        if let Some(hook) = &self.notify_hook {
            validate::url("notifyHook", hook)?;
            validate::max_chars("notifyHook", hook, validate::MAX_NOTIFY_HOOK_CHARS)?;
        }
        Ok(())
    }
}

/// A submit that creates a task: answers [`Submitted`] and shares [`SubmitOptions`].
///
/// The provided methods make the options chainable on every submit:
/// `Imagine::new("a fox").state("order-17").notify_hook("https://example.com/hook")`.
pub trait Submit: Endpoint<Output = Submitted> {
    /// The optional fields.
    fn options(&self) -> &SubmitOptions;
    /// The optional fields, to change.
    fn options_mut(&mut self) -> &mut SubmitOptions;

    /// The existing task this submit continues instead of creating one (a modal
    /// confirmation), so that a lost answer is resolved by fetching that task.
    fn continues_task(&self) -> Option<&str> {
        None
    }

    /// How many images the task it creates makes, as a daily image cap
    /// ([`Pacing::daily_images`](crate::pacing::Pacing::daily_images)) counts them: a grid
    /// 4, an upscale 1, a text (describe, shorten) or a video none.
    fn images(&self) -> u32 {
        images_by_name(self.name())
    }

    /// The action a server's price table ([`Prices`](crate::pacing::Prices)) prices this
    /// submit as: the endpoint's name (`imagine`, `blend`, `describe`, `shorten`,
    /// `video`, …), and for a button pressed `upscale` (an upscale), `describe` (a
    /// reading of an image) or `variation` (the other presses: variations, rerolls, zooms,
    /// pans).
    fn price_key(&self) -> &'static str {
        use crate::EndpointName as N;
        match (self.name(), self.images()) {
            (N::ACTION | N::CHANGE | N::SIMPLE_CHANGE, 1) => "upscale",
            (N::ACTION | N::CHANGE | N::SIMPLE_CHANGE, 0) => "describe",
            (N::ACTION | N::CHANGE | N::SIMPLE_CHANGE | N::MODAL, _) => "variation",
            (name, _) => name.as_str(),
        }
    }

    /// Sets `state`.
    fn state(mut self, state: impl Into<String>) -> Self
    where
        Self: Sized,
    {
        self.options_mut().state = Some(state.into());
        self
    }

    /// Sets `notifyHook`.
    fn notify_hook(mut self, url: impl Into<String>) -> Self
    where
        Self: Sized,
    {
        self.options_mut().notify_hook = Some(url.into());
        self
    }

    /// Sets `botType`.
    fn bot_type(mut self, bot: BotType) -> Self
    where
        Self: Sized,
    {
        self.options_mut().bot_type = Some(bot);
        self
    }

    /// Sets `accountFilter`.
    fn account_filter(mut self, filter: AccountFilter) -> Self
    where
        Self: Sized,
    {
        self.options_mut().account_filter = Some(filter);
        self
    }
}

/// The images a submit to endpoint `name` makes: none for text and video, else a grid's 4.
pub(crate) fn images_by_name(name: crate::EndpointName) -> u32 {
    use crate::EndpointName as N;
    if [N::DESCRIBE, N::SHORTEN, N::VIDEO, N::VIDEO_SWAP].contains(&name) { 0 } else { 4 }
}

/// The images pressing the button `custom_id` makes: an upscale (`MJ::JOB::upsample…`) 1,
/// a reading of an image (`MJ::Job::PicReader…`) or a video none, the rest a grid's 4.
pub(crate) fn images_of_button(custom_id: &str) -> u32 {
    let id = custom_id.to_ascii_lowercase();
    if id.contains("upsample") {
        1
    } else if id.contains("picreader") || id.contains("picread") || id.contains("video") || id.contains("animate") {
        0
    } else {
        4
    }
}

/// Implements [`Endpoint`] and [`Submit`] for a task-creating request with an `options`
/// field and a `check` method: POST to `$path`, answer [`Submitted`], never idempotent.
macro_rules! submit_endpoint {
    ($ty:ty, $name:path, $path:literal) => {
        $crate::endpoint::submit::submit_endpoint!($ty, $name, $path, |_request| None);
    };
    ($ty:ty, $name:path, $path:literal, |$this:ident| $continues:expr) => {
        $crate::endpoint::submit::submit_endpoint!($ty, |_r| $name, |_r| $path, |$this| $continues);
    };
    ($ty:ty, |$n:ident| $name:expr, |$p:ident| $path:expr) => {
        $crate::endpoint::submit::submit_endpoint!($ty, |$n| $name, |$p| $path, |_request| None);
    };
    ($ty:ty, |$n:ident| $name:expr, |$p:ident| $path:expr, |$this:ident| $continues:expr) => {
        $crate::endpoint::submit::submit_endpoint!($ty, |$n| $name, |$p| $path, |$this| $continues, |request| {
            $crate::endpoint::submit::images_by_name($crate::endpoint::Endpoint::name(request))
        });
    };
    (
        $ty:ty,
        |$n:ident| $name:expr,
        |$p:ident| $path:expr,
        |$this:ident| $continues:expr,
        |$i:ident| $images:expr
    ) => {
        impl $crate::endpoint::Endpoint for $ty {
            type Output = $crate::model::Submitted;

            fn name(&self) -> $crate::EndpointName {
                let $n = self;
                $name
            }
            fn is_idempotent(&self) -> bool {
                false
            }
            fn build(
                &self,
                config: &$crate::Config,
                _: $crate::endpoint::Door,
            ) -> Result<$crate::HttpRequest, $crate::Error> {
                self.check(config.profile())?;
                let $p = self;
                $crate::endpoint::submit::post(config, $path, &self.options, self)
            }
            fn parse(
                &self,
                response: $crate::HttpResponse,
                _: $crate::endpoint::Door,
            ) -> Result<Self::Output, $crate::Error> {
                $crate::endpoint::shapes::submitted(response)
            }
        }

        impl $crate::endpoint::Submit for $ty {
            fn options(&self) -> &$crate::endpoint::SubmitOptions {
                &self.options
            }
            fn options_mut(&mut self) -> &mut $crate::endpoint::SubmitOptions {
                &mut self.options
            }
            fn continues_task(&self) -> Option<&str> {
                let $this = self;
                $continues
            }
            fn images(&self) -> u32 {
                let $i = self;
                $images
            }
        }
    };
}
pub(crate) use submit_endpoint;

/// POSTs `body` to a submit path after checking the shared options.
pub(crate) fn post<B: Serialize>(
    config: &Config,
    path: &str,
    options: &SubmitOptions,
    body: &B,
) -> Result<HttpRequest, Error> {
    options.validate()?;
    config.request(Method::POST, path, Some(body))
}
