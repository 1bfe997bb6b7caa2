//! A callback that names a submit's token is a claim, not a fact: anyone who knows the
//! hook's path can post one. The claimed task is fetched from the server the submit went
//! to, and adopted only when that server has it under the token.

use std::time::Instant;

use super::{Next, Phase, SETTLE, SubmitPlan};
use crate::endpoint::Submit;
use crate::error::Error;
use crate::model::{Properties, ResultMember, ReturnCode, SubmitAnswer, SubmitOutcome, Submitted, Task};

impl<S: Submit> SubmitPlan<'_, S> {
    pub(super) fn adopt(&self, task: &Task) -> Submitted {
        Submitted {
            task_id: task.id.clone(),
            task_ids: vec![task.id.clone()],
            outcome: SubmitOutcome::Recovered,
            raw: SubmitAnswer {
                code: ReturnCode::Success,
                description: "recovered by its state token after the answer was lost".to_owned(),
                result: Some(ResultMember::Id(task.id.clone())),
                properties: Properties::default(),
                quirks: Default::default(),
            },
            server: None,
        }
    }

    /// Confirms the task a callback named by the token, once the answer is known lost and
    /// no exchange is on its way: the callback is a claim (anyone who knows the hook's path
    /// can post one), so the task is fetched from this server and adopted only when the
    /// server has it under this token; the lookup announced meanwhile is not made.
    pub(super) fn adopt_pushed(&mut self) {
        if self.lost.is_some()
            && self.early.is_some()
            && matches!(self.phase, Phase::Ready(Next::Submit | Next::Lookup) | Phase::Sleeping(..))
        {
            self.notice = None;
            self.phase = Phase::Ready(Next::Confirm);
        }
    }

    /// Notes that the server refuted the claim of `claimed`, and goes on looking.
    fn refute(&mut self, claimed: Task, now: Instant) -> Phase {
        self.refuted.push(claimed.id);
        self.look_again(now, now, "a callback claimed a task this server does not have".to_owned())
    }

    /// What the fetch of a claimed task said: adopted when the server has that task under
    /// this submit's token (or without any token: servers that leave `state` out of a
    /// fetch); refuted otherwise, and the lookups go on.
    pub(super) fn handle_confirm(&mut self, fetched: Result<Option<Task>, Error>, now: Instant) -> Phase {
        let Some(claimed) = self.early.take() else { return Phase::Ready(Next::Lookup) };
        match fetched {
            Ok(Some(task))
                if task.id == claimed.id
                    && task.state.as_deref().is_none_or(|state| state.is_empty() || state == self.token) =>
            {
                Phase::done(Ok(self.adopt(&task)))
            }
            // The server answered: not there (an empty answer or a 404), or another
            // submit's task. A false claim.
            Ok(_) | Err(Error::TaskNotFound { .. }) => self.refute(claimed, now),
            Err(error) if error.status().is_some() => self.refute(claimed, now),
            // The fetch failed: the lookups decide, as they would have.
            Err(error) => self.look_again(now, now + SETTLE, error.to_string()),
        }
    }
}
