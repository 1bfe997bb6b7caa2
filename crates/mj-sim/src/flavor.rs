//! The servers the simulator can imitate, and where they differ on the wire (spec §3, §8, §9).

use std::fmt;
use std::str::FromStr;

/// Which server family to imitate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// litter-coder's PLUS edition: buttons, action/modal, cancel, seed, paged query. The
    /// default, since it offers the most.
    #[default]
    Plus,
    /// novicezk/midjourney-proxy (open source): no buttons (use change/simple-change),
    /// `mj-api-secret`, 401 with an empty body, 200 with an empty body for unknown tasks.
    Novicezk,
    /// trueai-org/midjourney-proxy: the whole TaskInfo, `Authorization` taken raw, 204 for
    /// unknown tasks, 404 with code 3 for a missing parent, cancel turns tasks to FAILURE.
    Trueai,
    /// new-api gateway: `""` and `0` instead of null, `buttons: null`, the upstream's string
    /// ids passed through (a numeric `taskId` does not bind: HTTP 400), 21/22 rewritten to 1,
    /// OpenAI-style auth errors, `task_no_found` as HTTP 400.
    Newapi,
    /// A hosted reseller on new-api: as new-api, with string `type`/`style`, `buttons: []`
    /// and the paged query.
    Reseller,
}

impl Flavor {
    /// Every flavor.
    pub const ALL: [Flavor; 5] = [Self::Plus, Self::Novicezk, Self::Trueai, Self::Newapi, Self::Reseller];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Plus => "plus",
            Self::Novicezk => "novicezk",
            Self::Trueai => "trueai",
            Self::Newapi => "newapi",
            Self::Reseller => "reseller",
        }
    }

    /// new-api and resellers built on it.
    pub fn is_gateway(self) -> bool {
        matches!(self, Self::Newapi | Self::Reseller)
    }

    /// Java servers write null for unset fields; Go gateways write `""` and `0`.
    pub fn writes_nulls(self) -> bool {
        !self.is_gateway()
    }

    /// Whether this server offers `route` (spec §5.1).
    pub fn offers(self, route: Route) -> bool {
        use Route::*;
        if matches!(route, Retexture | VideoSwap) {
            return self == Self::Trueai;
        }
        match self {
            Self::Novicezk => matches!(
                route,
                Imagine | Change | SimpleChange | Describe | Blend | Fetch | ListByCondition | List | Queue
            ),
            // PLUS documents no change, simple-change or upload routes (spec/servers.md 1).
            Self::Plus => !matches!(route, Change | SimpleChange | Upload | Video | Edits | GatewayImage),
            Self::Trueai => !matches!(route, Change | SimpleChange | Queue | Query | GatewayImage),
            Self::Newapi => !matches!(route, List | Queue | Cancel | Query | ListByIds),
            Self::Reseller => !matches!(route, List | Queue | Cancel | ListByIds),
        }
    }

    /// Speed-mode path prefixes this server accepts (`/mj-fast/mj/...`).
    pub fn accepts_mode_prefix(self, segment: &str) -> bool {
        match self {
            Self::Novicezk | Self::Plus => false,
            Self::Trueai | Self::Reseller => matches!(segment, "mj-fast" | "mj-relax" | "mj-turbo"),
            // new-api routes any single segment and drops it.
            Self::Newapi => !segment.is_empty(),
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Flavor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|f| f.name() == s.trim().to_ascii_lowercase()).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|f| f.name()).collect();
            format!("unknown flavor `{s}`: use {}", names.join(", "))
        })
    }
}

/// The simulator's routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// POST /mj/submit/imagine
    Imagine,
    /// POST /mj/submit/change
    Change,
    /// POST /mj/submit/simple-change
    SimpleChange,
    /// POST /mj/submit/describe
    Describe,
    /// POST /mj/submit/blend
    Blend,
    /// POST /mj/submit/shorten
    Shorten,
    /// POST /mj/submit/action
    Action,
    /// POST /mj/submit/modal
    Modal,
    /// POST /mj/submit/video
    Video,
    /// POST /mj/submit/edits
    Edits,
    /// POST /mj/submit/retexture (trueai)
    Retexture,
    /// POST /mj/submit/upload-discord-images
    Upload,
    /// POST /mj/insight-face/swap
    SwapFace,
    /// POST /mj/insight-face/video-swap (trueai, multipart/form-data)
    VideoSwap,
    /// GET /mj/task/{id}/fetch
    Fetch,
    /// POST /mj/task/list-by-condition
    ListByCondition,
    /// POST /mj/task/list-by-ids
    ListByIds,
    /// GET /mj/task/list
    List,
    /// GET /mj/task/queue
    Queue,
    /// POST /mj/task/{id}/cancel
    Cancel,
    /// GET /mj/task/{id}/image-seed
    ImageSeed,
    /// POST /mj/task/query
    Query,
    /// GET /mj/image/{id} (new-api's image proxy)
    GatewayImage,
}

impl Route {
    /// The routes of the smallest resellers (ElkAPI's documented surface): the submits and
    /// `GET /mj/task/{id}/fetch`, with no batch fetch, list or query.
    pub fn minimal(self) -> bool {
        !matches!(
            self,
            Self::ListByCondition
                | Self::ListByIds
                | Self::List
                | Self::Queue
                | Self::Cancel
                | Self::ImageSeed
                | Self::Query
        )
    }
}

impl Route {
    /// The name in `/sim/stats`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Imagine => "submit/imagine",
            Self::Change => "submit/change",
            Self::SimpleChange => "submit/simple-change",
            Self::Describe => "submit/describe",
            Self::Blend => "submit/blend",
            Self::Shorten => "submit/shorten",
            Self::Action => "submit/action",
            Self::Modal => "submit/modal",
            Self::Video => "submit/video",
            Self::Edits => "submit/edits",
            Self::Retexture => "submit/retexture",
            Self::Upload => "submit/upload-discord-images",
            Self::SwapFace => "insight-face/swap",
            Self::VideoSwap => "insight-face/video-swap",
            Self::Fetch => "task/fetch",
            Self::ListByCondition => "task/list-by-condition",
            Self::ListByIds => "task/list-by-ids",
            Self::List => "task/list",
            Self::Queue => "task/queue",
            Self::Cancel => "task/cancel",
            Self::ImageSeed => "task/image-seed",
            Self::Query => "task/query",
            Self::GatewayImage => "image",
        }
    }
}
