//! How a simulator behaves: flavor, credentials, speed, queue, faults, seed.

use crate::faults::FaultPlan;
use crate::flavor::Flavor;

/// Settings for a [`Simulator`](crate::Simulator).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SimConfig {
    /// Which server family to imitate.
    pub flavor: Flavor,
    /// When true, only the flavor's own auth header is accepted; when false (no flavor
    /// chosen), the key is accepted in any auth style.
    pub strict_auth: bool,
    /// The key clients must send; `None` accepts everyone.
    pub api_key: Option<String>,
    /// How much faster than real time tasks run (1 = about five seconds a task).
    pub speed: f64,
    /// Which faults strike, how often.
    pub faults: FaultPlan,
    /// Seeds ids, hashes and fault draws.
    pub seed: u64,
    /// The address result URLs point at (the server's own, e.g. `http://127.0.0.1:8080`).
    pub base_url: String,
    /// Jobs that run at once; later ones queue (code 22).
    pub concurrency: usize,
    /// Jobs that may wait; beyond that submits get code 23.
    pub queue_size: usize,
    /// Words that get a prompt refused with code 24 (trueai: a task that fails with
    /// "可能包含敏感词"), as the proxies' own word lists do.
    pub banned_words: Vec<String>,
    /// Words that pass the submit but fail the task with "Banned prompt detected", as
    /// Midjourney's own moderation does after the fact.
    pub moderated_words: Vec<String>,
    /// Serve only the submits and `GET fetch` (a minimal reseller), answering 404 for the
    /// rest in the flavor's own shape.
    pub minimal: bool,
    /// Webhooks write `action`, `status`, `botType` and `mode` as integers, as trueai did
    /// before v5.8.16 (2024-10-15).
    pub legacy_enums: bool,
}

impl SimConfig {
    /// Defaults: PLUS-like answers, any auth style, no key, speed 1, no faults, three
    /// jobs at once and ten waiting, result URLs under `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            flavor: Flavor::default(),
            strict_auth: false,
            api_key: None,
            speed: 1.0,
            faults: FaultPlan::none(),
            seed: 1,
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            concurrency: 3,
            queue_size: 10,
            banned_words: ["nude", "naked", "gore"].map(str::to_owned).to_vec(),
            moderated_words: ["bloody", "explicit"].map(str::to_owned).to_vec(),
            minimal: false,
            legacy_enums: false,
        }
    }

    /// Imitates `flavor`, including its auth header.
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = flavor;
        self.strict_auth = true;
        self
    }

    /// Requires `key`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Runs tasks `speed` times faster than real time.
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
        self
    }

    /// Injects `faults`.
    pub fn faults(mut self, faults: FaultPlan) -> Self {
        self.faults = faults;
        self
    }

    /// Seeds the run.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Serves only the submits and `GET fetch`, like the smallest resellers.
    pub fn minimal(mut self) -> Self {
        self.minimal = true;
        self
    }

    /// Sends webhooks with integer enums, like trueai before v5.8.16.
    pub fn legacy_enums(mut self) -> Self {
        self.legacy_enums = true;
        self
    }

    /// Runs `concurrency` jobs at once with `queue_size` more waiting.
    pub fn capacity(mut self, concurrency: usize, queue_size: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self.queue_size = queue_size;
        self
    }
}
