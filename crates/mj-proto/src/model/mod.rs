//! The data the servers send and take: tasks, buttons, submit answers, pages, errors.

mod action;
mod button;
mod envelope;
mod extra;
pub(crate) mod lenient;
mod media;
mod options;
mod page;
mod properties;
mod quirk;
mod raw;
mod scalar;
mod status;
mod submit;
pub(crate) mod task;
mod timestamp;
pub(crate) mod tolerant;
mod view;

pub use action::TaskAction;
pub use button::{Button, ButtonKind, ComponentValue, PanDirection};
pub use envelope::ErrorEnvelope;
pub use extra::ExtraMembers;
pub use media::MediaUrl;
pub use options::{AccountFilter, BlendDimensions, BotType, SpeedMode, VideoMotion};
pub use page::Page;
pub use properties::Properties;
pub use quirk::Quirk;
pub use raw::RawJson;
pub use status::TaskStatus;
pub use submit::{ResultMember, ReturnCode, SubmitAnswer, SubmitOutcome, Submitted};
pub(crate) use task::TaskList;
pub use task::{DisplayTexts, Task, VideoInfo};
pub use timestamp::Timestamp;
pub(crate) use view::ListedView;
pub use view::{ButtonView, TaskView, Text};
