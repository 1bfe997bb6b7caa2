//! What a plan tells its observer on the way: retries, lookups, re-sends.

use std::fmt;
use std::time::Duration;

use crate::EndpointName;

/// Something worth telling a person or a log while a call is under way: mj is trying
/// again, and why. Clients hand each one to mj-client's `Settings::observer`;
/// messages come from errors that were already scrubbed of the API key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A request failed in a way that another try may fix; it is sent again after `delay`.
    Retry {
        /// The endpoint (`fetch`, `imagine`, …).
        endpoint: EndpointName,
        /// The try that failed (1 for the first).
        attempt: u32,
        /// What went wrong.
        reason: String,
        /// The pause before the next try.
        delay: Duration,
    },
    /// A submit's answer was lost (or a lookup failed): its task is looked up by its
    /// correlation token after `delay`.
    Lookup {
        /// The submit whose answer was lost (`imagine`, `action`, …).
        endpoint: EndpointName,
        /// The correlation token in `state`.
        token: String,
        /// Lookups made so far.
        attempt: u32,
        /// Why a lookup is needed (the lost answer, or the last lookup's failure).
        reason: String,
        /// The pause before the lookup.
        delay: Duration,
    },
    /// The server does not offer `missing`; mj uses `using` instead from now on (the
    /// client remembers it for its later calls).
    Fallback {
        /// The endpoint the server lacks.
        missing: EndpointName,
        /// The endpoint used instead; `None` when there is none (a lost submit then has
        /// no lookup left).
        using: Option<EndpointName>,
    },
    /// Lookups made [`SubmitPolicy::absent_after`](crate::plan::SubmitPolicy::absent_after)
    /// or longer after a lost answer found no task with the token, so the submit is sent
    /// again. That is an observation, not a proof: a server whose lookup lags longer than
    /// `absent_after` would show the first task later (raise `absent_after` for it).
    Resend {
        /// The submit whose answer was lost.
        endpoint: EndpointName,
        /// The correlation token in `state`.
        token: String,
        /// How long after the loss the last lookup was made.
        after: Duration,
        /// The policy's `absent_after`.
        absent_after: Duration,
    },
    /// A pool member refused a submit in a way that proves it created nothing, so the
    /// next member is asked.
    Failover {
        /// The member that refused.
        from: String,
        /// The member asked next.
        to: String,
        /// Its refusal.
        reason: String,
    },
    /// Callbacks reach this wait, so its polls are only a safety net for one that went
    /// missing; this poll is one of them.
    SafetyNet {
        /// How many tasks the poll asks about.
        tasks: usize,
    },
    /// A pacing rule of the server holds a submit; it goes when the hold ends (within the
    /// call's deadline).
    Paced(Box<crate::pacing::Held>),
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Retry { endpoint, attempt, reason, delay } => {
                write!(f, "{endpoint}: try {attempt} failed ({reason}); trying again in {}", seconds(*delay))
            }
            Self::Lookup { endpoint, token, attempt, reason, delay } => write!(
                f,
                "{endpoint}: the answer was lost ({reason}); looking for state `{token}` in {} (lookup {})",
                seconds(*delay),
                attempt + 1
            ),
            Self::Fallback { missing, using: None } => write!(f, "this server does not offer {missing}"),
            Self::Fallback { missing, using: Some(using) } => {
                write!(f, "this server does not offer {missing}; using {using} instead")
            }
            Self::Resend { endpoint, token, after, absent_after } => write!(
                f,
                "{endpoint}: no task with state `{token}` found by lookups {} after the answer was lost \
                 (absent_after is {}); sending it again",
                seconds(*after),
                seconds(*absent_after)
            ),
            Self::Failover { from, to, reason } => write!(f, "{from} created nothing ({reason}); trying {to}"),
            Self::SafetyNet { tasks: 1 } => f.write_str("polling 1 task as a safety net for missed callbacks"),
            Self::SafetyNet { tasks } => write!(f, "polling {tasks} tasks as a safety net for missed callbacks"),
            Self::Paced(held) => write!(f, "{held}; waiting"),
        }
    }
}

/// `1.5 s`, `12 s`.
fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(10) { format!("{:.1} s", d.as_secs_f64()) } else { format!("{} s", d.as_secs()) }
}
