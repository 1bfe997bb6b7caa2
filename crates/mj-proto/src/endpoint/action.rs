//! `POST /mj/submit/action`: press a button of a finished task.

use serde::Serialize;

use super::submit::{Submit, SubmitOptions, submit_endpoint};
use super::{Change, Door, Endpoint};
use crate::config::Config;
use crate::error::BuildError;
use crate::error::Error;
use crate::model::Submitted;
use crate::model::{Button, ButtonKind, Task};
use crate::profile::ServerProfile;
use crate::validate;
use crate::wire::{HttpRequest, HttpResponse};

/// Presses the button `custom_id` of task `task_id` (spec §5.8). Get one ready-made from
/// [`Task::upscale`](crate::Task::upscale), [`Task::press`](crate::Task::press) and friends.
///
/// Custom Zoom, Vary (Region) and PicReader buttons answer code 21: the new task waits in
/// MODAL for a [`Modal`](super::Modal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Action {
    /// The task whose button is pressed.
    pub task_id: String,
    /// The button's `customId`.
    pub custom_id: String,
    /// Run on the channel of the parent task (PLUS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choose_same_channel: Option<bool>,
    /// Open the remix window instead of running at once (trueai `enableRemix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_remix: Option<bool>,
    /// Vary (Strong) rather than Subtle for remixed variations (trueai `strong`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strong: Option<bool>,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Action {
    /// Presses `custom_id` on `task_id`.
    pub fn new(task_id: impl Into<String>, custom_id: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
            custom_id: custom_id.into(),
            choose_same_channel: None,
            enable_remix: None,
            strong: None,
            options: SubmitOptions::default(),
        }
    }

    /// Asks PLUS to run the action on the parent's channel.
    pub fn same_channel(mut self, yes: bool) -> Self {
        self.choose_same_channel = Some(yes);
        self
    }

    /// Asks trueai to open the remix window (`enableRemix`).
    pub fn remix(mut self, yes: bool) -> Self {
        self.enable_remix = Some(yes);
        self
    }

    /// Asks trueai for the strong variant (`strong`).
    pub fn strong(mut self, yes: bool) -> Self {
        self.strong = Some(yes);
        self
    }

    fn check(&self, _profile: Option<ServerProfile>) -> Result<(), BuildError> {
        validate::non_empty("taskId", &self.task_id)?;
        validate::non_empty("customId", &self.custom_id)
    }
}

submit_endpoint!(Action, |_action| crate::EndpointName::ACTION, |_action| "/submit/action", |_action| None, |action| {
    super::submit::images_of_button(&action.custom_id)
});

/// The requests that press a task's buttons: built here, beside the endpoint they use, so
/// that the model stays below the endpoints. Each is the request `client.press` sends
/// (there with the server's declared profile): the button's own [`Action`], or on a task
/// without buttons (novicezk's) the equivalent [`Change`], so `client.submit(task.upscale(1)?)`
/// works on every server.
impl Task {
    /// The request that presses the first button of `kind`; an error lists the buttons the
    /// task has.
    ///
    /// ```
    /// use mj_proto::endpoint::Press;
    /// use mj_proto::ButtonKind;
    ///
    /// // A finished grid from a server without buttons: U1 is novicezk's change.
    /// let task = mj_proto::webhook::parse(br#"{"id":"1","status":"SUCCESS"}"#)?;
    /// assert!(matches!(task.press(&ButtonKind::Upscale(1))?, Press::Change(_)));
    /// assert!(matches!(task.upscale(1)?, Press::Change(_)));
    /// # Ok::<(), mj_proto::Error>(())
    /// ```
    pub fn press(&self, kind: &ButtonKind) -> Result<Press, Error> {
        Press::new(self, kind, None)
    }

    /// The request that presses `button`, one of this task's own buttons (one whose kind
    /// mj does not know included).
    pub fn press_button(&self, button: &Button) -> Press {
        Press::Button(Action::new(self.id.clone(), button.custom_id.clone()))
    }

    /// U`n`: upscale image `n` (1-4) of the grid.
    pub fn upscale(&self, n: u8) -> Result<Press, Error> {
        self.press(&ButtonKind::Upscale(n))
    }

    /// V`n`: variations of image `n` (1-4) of the grid.
    pub fn variation(&self, n: u8) -> Result<Press, Error> {
        self.press(&ButtonKind::Variation(n))
    }

    /// 🔄: run the prompt again.
    pub fn reroll(&self) -> Result<Press, Error> {
        self.press(&ButtonKind::Reroll)
    }
}

/// Pressing a button: the button's own [`Action`], or, on a server whose tasks carry no
/// buttons (novicezk), the equivalent [`Change`] for U1-U4, V1-V4 and reroll. It is a
/// [`Submit`] like any other, so a notify hook or a state can be set on it:
///
/// ```
/// use mj_proto::endpoint::{Press, Submit};
/// use mj_proto::{ButtonKind, ServerProfile, Task};
///
/// // A finished task from a server without buttons (novicezk).
/// let task = mj_proto::webhook::parse(br#"{"id":"1","status":"SUCCESS"}"#)?;
/// let press = Press::new(&task, &ButtonKind::Upscale(1), Some(ServerProfile::Novicezk))?;
/// assert!(matches!(press, Press::Change(_)));
/// let press = press.notify_hook("https://example.com/hook");
/// assert_eq!(press.options().notify_hook.as_deref(), Some("https://example.com/hook"));
/// # Ok::<(), mj_proto::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Press {
    /// `/submit/action` with the button's customId.
    Button(Action),
    /// `/submit/change` (U, V and reroll on a server without buttons).
    Change(Change),
}

impl Press {
    /// The request that presses the first button of `kind` on `task`, on a server of
    /// `profile`; an error lists the buttons the task has, or says that the declared
    /// server refuses such buttons.
    pub fn new(task: &Task, kind: &ButtonKind, profile: Option<ServerProfile>) -> Result<Self, Error> {
        use crate::ButtonKind as K;
        use crate::endpoint::Change;
        if let Some(profile) = profile.filter(|p| !p.accepts_button(kind)) {
            return Err(crate::BuildError::ButtonRefused { wanted: format!("{kind:?}"), server: profile.name() }.into());
        }
        let buttonless = task.buttons.is_empty() || profile.is_some_and(|p| !p.sends_buttons());
        if let Some(button) = task.button(kind).filter(|_| !buttonless) {
            return Ok(task.press_button(button));
        }
        if buttonless {
            match kind {
                K::Upscale(n) => return Ok(Self::Change(Change::upscale(task.id.clone(), *n))),
                K::Variation(n) => return Ok(Self::Change(Change::variation(task.id.clone(), *n))),
                K::Reroll => return Ok(Self::Change(Change::reroll(task.id.clone()))),
                _ => {}
            }
        }
        let available: Vec<&str> = task.buttons.iter().map(Button::display_name).collect();
        let available = if available.is_empty() { "no buttons".to_owned() } else { available.join(", ") };
        Err(crate::BuildError::NoSuchButton { wanted: format!("{kind:?}"), available }.into())
    }

    /// The request that presses the button a person (or an agent) names: one of the
    /// task's buttons by its label, emoji or customId, or `U1`-`U4`, `V1`-`V4` and
    /// `reroll` (🔄), which a server without buttons takes through `/submit/change`. An
    /// error lists the buttons the task has.
    ///
    /// ```
    /// use mj_proto::endpoint::Press;
    ///
    /// let task = mj_proto::webhook::parse(br#"{"id":"1","status":"SUCCESS"}"#)?;
    /// assert!(matches!(Press::named(&task, "u2", None)?, Press::Change(_)));
    /// assert!(Press::named(&task, "Z9", None).is_err());
    /// # Ok::<(), mj_proto::Error>(())
    /// ```
    pub fn named(task: &Task, text: &str, profile: Option<ServerProfile>) -> Result<Self, Error> {
        use crate::ButtonKind as K;
        let named = match text.trim().to_ascii_lowercase().as_str() {
            "reroll" | "\u{1f504}" => Some(K::Reroll),
            text => match (text.get(..1), text.get(1..).and_then(|n| n.parse::<u8>().ok())) {
                (Some("u"), Some(n @ 1..=4)) => Some(K::Upscale(n)),
                (Some("v"), Some(n @ 1..=4)) => Some(K::Variation(n)),
                _ => None,
            },
        };
        match (task.find_button(text), named) {
            (Some(found), _) if found.kind() == K::Other => Ok(task.press_button(found)),
            (Some(found), _) => Self::new(task, &found.kind(), profile),
            (None, Some(kind)) => Self::new(task, &kind, profile),
            (None, None) => {
                let names: Vec<&str> = task.buttons.iter().map(Button::display_name).collect();
                let available = if names.is_empty() { "no buttons".to_owned() } else { names.join("  ") };
                Err(crate::BuildError::NoSuchButton { wanted: format!("`{text}`"), available }.into())
            }
        }
    }
}

impl Endpoint for Press {
    type Output = Submitted;

    fn name(&self) -> crate::EndpointName {
        match self {
            Self::Button(action) => action.name(),
            Self::Change(change) => change.name(),
        }
    }
    fn is_idempotent(&self) -> bool {
        false
    }
    fn build(&self, config: &Config, door: Door) -> Result<HttpRequest, Error> {
        match self {
            Self::Button(action) => action.build(config, door),
            Self::Change(change) => change.build(config, door),
        }
    }
    fn parse(&self, response: HttpResponse, door: Door) -> Result<Submitted, Error> {
        match self {
            Self::Button(action) => action.parse(response, door),
            Self::Change(change) => change.parse(response, door),
        }
    }
}

impl Submit for Press {
    fn options(&self) -> &SubmitOptions {
        match self {
            Self::Button(action) => action.options(),
            Self::Change(change) => change.options(),
        }
    }
    fn options_mut(&mut self) -> &mut SubmitOptions {
        match self {
            Self::Button(action) => action.options_mut(),
            Self::Change(change) => change.options_mut(),
        }
    }
    fn images(&self) -> u32 {
        match self {
            Self::Button(action) => action.images(),
            Self::Change(change) => change.images(),
        }
    }
    fn price_key(&self) -> &'static str {
        match self {
            Self::Button(action) => action.price_key(),
            Self::Change(change) => change.price_key(),
        }
    }
}
