//! What each server family offers, from its source code (spec/servers.md §1): endpoints,
//! buttons, auth header, mode prefixes and the lookup a lost submit can use.

use std::fmt;

use crate::EndpointName;

use crate::auth::AuthStyle;
use crate::model::{ButtonKind, ReturnCode};

/// How a lost submit answer is resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lookup {
    /// The paged query filtered by `state` (PLUS, resellers), else the task list (novicezk,
    /// trueai), else give up with [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown).
    #[default]
    Auto,
    /// Only `POST /mj/task/query`.
    Query,
    /// Only `GET /mj/task/list`.
    List,
    /// No lookup: a lost answer is [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) at once.
    Never,
}

/// A server family. Set one with [`Config::with_profile`](crate::Config::with_profile) and
/// mj refuses locally, with a clear error, what that server would refuse (an endpoint it
/// lacks, a button it rejects, a mode prefix it 404s), sends the auth header it reads, and
/// resolves lost submits with the lookup it has. Unset (the default) works everywhere by
/// trying and falling back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerProfile {
    /// novicezk/midjourney-proxy: no buttons (U/V/reroll through `/submit/change`), no
    /// action, modal, shorten, cancel, seed or query; `mj-api-secret`; no mode prefixes.
    Novicezk,
    /// litter-coder's PLUS: buttons, action and modal, cancel, seed, the paged query; no
    /// change, video or edits; `mj-api-secret`.
    Plus,
    /// trueai-org/midjourney-proxy: video, edits, upload and face swap; no change, queue or
    /// query; `Authorization` taken raw; mode prefixes; refuses bookmark buttons.
    Trueai,
    /// new-api and one-hub: no task list, queue, cancel or query, so a lost submit
    /// cannot be looked up; only upscale, variation, reroll, pan, zoom and region
    /// buttons; `Authorization: Bearer`.
    Gateway,
    /// A hosted reseller on new-api that adds the paged query.
    Reseller,
}

impl ServerProfile {
    /// Every profile.
    pub const ALL: [ServerProfile; 5] = [Self::Novicezk, Self::Plus, Self::Trueai, Self::Gateway, Self::Reseller];

    /// The name (`novicezk`, `plus`, `trueai`, `gateway`, `reseller`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Novicezk => "novicezk",
            Self::Plus => "plus",
            Self::Trueai => "trueai",
            Self::Gateway => "gateway",
            Self::Reseller => "reseller",
        }
    }

    /// True when the server has the endpoint named `endpoint`
    /// ([`Endpoint::name`](crate::Endpoint::name)).
    pub fn offers(self, endpoint: EndpointName) -> bool {
        use EndpointName as N;
        const NOVICEZK: &[EndpointName] = &[
            N::IMAGINE,
            N::CHANGE,
            N::SIMPLE_CHANGE,
            N::DESCRIBE,
            N::BLEND,
            N::FETCH,
            N::LIST_BY_CONDITION,
            N::LIST,
            N::QUEUE,
        ];
        const PLUS: &[EndpointName] = &[
            N::IMAGINE,
            N::DESCRIBE,
            N::BLEND,
            N::SHORTEN,
            N::ACTION,
            N::MODAL,
            N::SWAP_FACE,
            N::FETCH,
            N::LIST_BY_CONDITION,
            N::LIST,
            N::QUEUE,
            N::CANCEL,
            N::IMAGE_SEED,
            N::QUERY,
        ];
        const TRUEAI: &[EndpointName] = &[
            N::IMAGINE,
            N::DESCRIBE,
            N::BLEND,
            N::SHORTEN,
            N::ACTION,
            N::MODAL,
            N::VIDEO,
            N::EDITS,
            N::RETEXTURE,
            N::UPLOAD_DISCORD_IMAGES,
            N::SWAP_FACE,
            N::VIDEO_SWAP,
            N::FETCH,
            N::LIST_BY_CONDITION,
            N::LIST,
            N::CANCEL,
            N::IMAGE_SEED,
        ];
        const GATEWAY: &[EndpointName] = &[
            N::IMAGINE,
            N::CHANGE,
            N::SIMPLE_CHANGE,
            N::DESCRIBE,
            N::BLEND,
            N::SHORTEN,
            N::ACTION,
            N::MODAL,
            N::VIDEO,
            N::EDITS,
            N::UPLOAD_DISCORD_IMAGES,
            N::SWAP_FACE,
            N::FETCH,
            N::LIST_BY_CONDITION,
            N::IMAGE_SEED,
        ];
        // A download is a GET of a result's own URL (often a CDN), not one of the server's
        // routes: whatever the server, its results can be downloaded.
        if endpoint == N::DOWNLOAD {
            return true;
        }
        match self {
            Self::Novicezk => NOVICEZK.contains(&endpoint),
            Self::Plus => PLUS.contains(&endpoint),
            Self::Trueai => TRUEAI.contains(&endpoint),
            Self::Gateway => GATEWAY.contains(&endpoint),
            Self::Reseller => GATEWAY.contains(&endpoint) || endpoint == N::QUERY,
        }
    }

    /// True when the server's tasks carry buttons (all but novicezk).
    pub fn sends_buttons(self) -> bool {
        self != Self::Novicezk
    }

    /// True when the server accepts a press of a `kind` button. new-api passes on only
    /// upscale, variation, reroll, pan, zoom and region (`CoverPlusActionToNormalAction`);
    /// trueai answers code 4 for bookmarks (SubmitController.cs L683-688).
    pub fn accepts_button(self, kind: &ButtonKind) -> bool {
        use ButtonKind as K;
        match self {
            Self::Novicezk => matches!(kind, K::Upscale(_) | K::Variation(_) | K::Reroll),
            Self::Gateway | Self::Reseller => matches!(
                kind,
                K::Upscale(_)
                    | K::Variation(_)
                    | K::Reroll
                    | K::VarySubtle
                    | K::VaryStrong
                    | K::VaryRegion
                    | K::ZoomOut(_)
                    | K::CustomZoom
                    | K::Pan(_)
                    | K::UpscaleHd(_)
            ),
            Self::Trueai => !matches!(kind, K::Bookmark),
            Self::Plus => true,
        }
    }

    /// The auth header the server reads.
    pub fn auth_style(self) -> AuthStyle {
        match self {
            Self::Novicezk | Self::Plus => AuthStyle::MjApiSecret,
            Self::Trueai => AuthStyle::RawAuthorization,
            Self::Gateway | Self::Reseller => AuthStyle::Bearer,
        }
    }

    /// True when `/mj-fast/mj/...`-style prefixes reach the server (novicezk and PLUS serve
    /// only under `/mj` and answer 404).
    pub fn accepts_mode_prefix(self) -> bool {
        !matches!(self, Self::Novicezk | Self::Plus)
    }

    /// True when the server takes images as bare base64 without a `data:` prefix (trueai
    /// reads it as PNG, Dto/DataUrl.cs L83-109).
    pub fn accepts_raw_base64(self) -> bool {
        self == Self::Trueai
    }

    /// True when image fields may hold http(s) links; novicezk decodes every entry as a
    /// data URL (SubmitController.java L79-84).
    pub fn accepts_image_links(self) -> bool {
        self != Self::Novicezk
    }

    /// True when a code 9 (`FAILURE`) answer with `description` is worth another try on a
    /// server of `profile` (`None`: not declared).
    ///
    /// novicezk and PLUS use 9 for a passing system error. trueai also uses it for a full
    /// queue ("队列已满", DiscordService.cs L1577-1641) and for errors that no retry fixes:
    /// a missing private channel, an account that cannot edit, remix not enabled, video
    /// disabled (DiscordService.cs L803, TaskService.cs L68, L228, L478). On trueai only
    /// the texts that say "try later" are retried; undeclared servers retry everything but
    /// those known permanent texts.
    pub fn failure_is_transient(profile: Option<Self>, description: &str) -> bool {
        match profile {
            Some(Self::Trueai) => ReturnCode::failure_says_try_later(description),
            None => ReturnCode::failure_may_pass(description),
            Some(_) => true,
        }
    }

    /// The lookup that resolves a lost submit on this server.
    pub fn lookup(self) -> Lookup {
        match self {
            Self::Plus | Self::Reseller => Lookup::Query,
            Self::Novicezk | Self::Trueai => Lookup::List,
            Self::Gateway => Lookup::Never,
        }
    }

    /// How long after a submit its task may still be missing from this server's lookup:
    /// the least [`SubmitPolicy::absent_after`](crate::plan::SubmitPolicy::absent_after)
    /// that is safe here. Hosted resellers answer the paged query from their own database,
    /// where the task is written only once their upstream has answered the submit (which
    /// can take tens of seconds under load); the open-source servers list a task from
    /// memory the moment they create it.
    pub fn lookup_lag(self) -> std::time::Duration {
        match self {
            Self::Reseller => std::time::Duration::from_secs(30),
            Self::Plus | Self::Novicezk | Self::Trueai | Self::Gateway => std::time::Duration::ZERO,
        }
    }
}

impl fmt::Display for ServerProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ServerProfile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "novicezk" => Ok(Self::Novicezk),
            "plus" => Ok(Self::Plus),
            "trueai" => Ok(Self::Trueai),
            "gateway" | "newapi" | "new-api" | "onehub" | "one-hub" => Ok(Self::Gateway),
            "reseller" => Ok(Self::Reseller),
            _ => Err(format!("unknown server profile `{s}`: use novicezk, plus, trueai, gateway or reseller")),
        }
    }
}
