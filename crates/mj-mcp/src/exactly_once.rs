//! Exactly once for agents: a spending call's `request_id` names its task for good.
//!
//! An agent that retries after a timeout (its own, its client's, a dropped connection)
//! sends the same call again. The `request_id` becomes the submit's correlation token
//! (`state: mcp-ID`), so the task can be found by it on the server: in this process the
//! id is remembered with the task it made, and a second call with it waits for the first
//! and returns its task; in a new process (the agent's client restarted `mj mcp`) the
//! server is searched for the token before anything is sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use mj_proto::model::TaskHandle;

use crate::outcome::ToolError;

/// What one `request_id` made: the arguments it came with and, once submitted, its task.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    /// The first call's arguments (without how it waits).
    pub fingerprint: Option<String>,
    /// The task it made.
    pub task: Option<TaskHandle>,
}

/// The `request_id`s seen by this process; each id's slot is held for the whole submit,
/// so a repeat made meanwhile waits for it instead of racing it.
#[derive(Debug, Default)]
pub(crate) struct RequestIds {
    slots: Mutex<HashMap<String, Arc<Mutex<Slot>>>>,
}

/// The prefix of a token mj mcp makes from a `request_id`, so that an agent's ids never
/// collide with the tokens mj itself draws (`mj-…`).
const PREFIX: &str = "mcp-";

impl RequestIds {
    /// The slot of `id`, made on first use.
    pub(crate) fn slot(&self, id: &str) -> Arc<Mutex<Slot>> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.entry(id.to_owned()).or_default().clone()
    }

    /// The correlation token `id` travels as.
    pub(crate) fn token(id: &str) -> String {
        format!("{PREFIX}{id}")
    }
}

impl Slot {
    /// Checks that a call with this slot's id asks for what the first one did: one id,
    /// one task.
    pub(crate) fn same_call(&mut self, fingerprint: String, id: &str) -> Result<(), ToolError> {
        match &self.fingerprint {
            Some(first) if *first != fingerprint => Err(ToolError::arguments(format!(
                "request_id `{id}` was first used for another call: a request_id names one task; use a new one"
            ))),
            Some(_) => Ok(()),
            None => {
                self.fingerprint = Some(fingerprint);
                Ok(())
            }
        }
    }
}

/// Locks `slot`, whatever a panicking holder left.
pub(crate) fn hold(slot: &Mutex<Slot>) -> std::sync::MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_id_has_one_slot_and_one_call() {
        let ids = RequestIds::default();
        let first = ids.slot("fox");
        hold(&first).task = Some(TaskHandle::bare("17"));
        assert_eq!(hold(&ids.slot("fox")).task, Some(TaskHandle::bare("17")));
        assert!(hold(&ids.slot("owl")).task.is_none());
        let mut slot = hold(&first);
        assert!(slot.same_call("a".into(), "fox").is_ok());
        assert!(slot.same_call("a".into(), "fox").is_ok());
        assert!(slot.same_call("b".into(), "fox").is_err());
        assert_eq!(RequestIds::token("fox"), "mcp-fox");
    }
}
