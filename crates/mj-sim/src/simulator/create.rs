//! Making a task: its id and hash, its place in the queue and its timeline, and the
//! submit answer that tells the client.

use super::*;

/// What a new task is made of.
pub(super) struct NewTask {
    pub(super) action: String,
    pub(super) product: Product,
    pub(super) prompt: String,
    pub(super) command: String,
    pub(super) parent_id: Option<String>,
    pub(super) image_seed: String,
    pub(super) final_prompt: String,
    pub(super) modal: Option<ModalKind>,
    pub(super) bot_type: &'static str,
    /// The image a describe was given.
    pub(super) source: Option<Source>,
}

impl NewTask {
    pub(super) fn new(action: &str, product: Product, prompt: String, command: String) -> Self {
        Self {
            action: action.to_owned(),
            product,
            image_seed: prompt.clone(),
            final_prompt: prompt.clone(),
            prompt,
            command,
            parent_id: None,
            modal: None,
            bot_type: "MID_JOURNEY",
            source: None,
        }
    }
}

impl Simulator {
    /// A task made by pressing something on `parent`.
    pub(super) fn child(
        &self,
        parent: &SimTask,
        action: &str,
        product: Product,
        command: String,
        salt: String,
    ) -> NewTask {
        let mut spec = NewTask::new(action, product, parent.prompt.clone(), command);
        spec.parent_id = Some(parent.id.clone());
        spec.final_prompt = parent.final_prompt.clone();
        spec.image_seed = match product {
            // An upscale shows the quadrant it came from.
            Product::Single(_) => parent.image_seed.clone(),
            _ => format!("{} {salt}", parent.image_seed),
        };
        spec
    }

    /// Stores a new task, schedules it (unless it waits in MODAL) and answers the submit.
    pub(super) fn create(&mut self, spec: NewTask, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let ending = if flavor == Flavor::Trueai && self.banned_word(&spec.prompt).is_some() {
            Ending::Failure("可能包含敏感词".to_owned())
        } else if self.moderated_word(&spec.prompt).is_some() {
            Ending::Failure("Banned prompt detected".to_owned())
        } else {
            ending_of(&spec.prompt)
        };
        if matches!(ending, Ending::Failure(ref why) if why == "可能包含敏感词" || why == "Banned prompt detected")
        {
            self.stats.moderated += 1;
        }
        let (timeline, ahead) = if spec.modal.is_some() {
            (None, 0)
        } else {
            match self.schedule(ctx.now, &ending) {
                Ok((timeline, ahead)) => (Some(timeline), ahead),
                Err(()) => {
                    let text = if flavor == Flavor::Trueai {
                        "提交失败，队列已满，请稍后重试"
                    } else {
                        "队列已满，请稍后尝试"
                    };
                    let code = if flavor == Flavor::Trueai { 9 } else { 23 };
                    self.stats.queue_full += 1;
                    let mut props = Map::new();
                    props.insert("discordInstanceId".into(), json!(DISCORD_INSTANCE));
                    return reply::refuse(code, text, props);
                }
            }
        };
        let id = self.next_id(ctx.now);
        let hash = self.next_hash();
        Stats::bump(&mut self.stats.tasks_created, &spec.action);
        self.stats.created.push(crate::stats::Created {
            id: id.clone(),
            action: spec.action.clone(),
            state: ctx.text("state"),
            at_ms: ctx.now,
        });
        let modal = spec.modal;
        let modal_kept = matches!(modal, Some(ModalKind::CustomZoom | ModalKind::VaryRegion));
        let task = SimTask {
            id: id.clone(),
            action: spec.action,
            product: spec.product,
            prompt_en: spec.prompt.clone(),
            prompt: spec.prompt,
            // The servers name the task's own id in a describe's or a blend's command.
            command: spec.command.replace(TASK_ID, &id),
            state: ctx.text("state"),
            notify_hook: ctx.text("notifyHook"),
            bot_type: spec.bot_type,
            mode: ctx.mode,
            parent_id: spec.parent_id,
            hash,
            image_seed: spec.image_seed,
            final_prompt: spec.final_prompt,
            submit_time: ctx.now,
            timeline,
            ending,
            cancelled_at: None,
            modal,
            source: spec.source,
        };
        let final_prompt = task.final_prompt.clone();
        self.tasks.insert(id.clone(), task);
        self.order.push(id.clone());
        let mut props = self.submit_properties(ahead);
        if modal.is_some() {
            if flavor == Flavor::Trueai {
                props.insert("finalPrompt".into(), json!(final_prompt));
                props.insert("remix".into(), json!(true));
            }
            return reply::submitted(flavor, 21, &id, props, modal_kept, 0);
        }
        let code = if ahead > 0 { 22 } else { 1 };
        reply::submitted(flavor, code, &id, props, false, ahead)
    }

    pub(super) fn submit_properties(&self, ahead: usize) -> Map<String, Value> {
        let mut props = Map::new();
        if self.config.flavor.is_gateway() {
            return props;
        }
        props.insert("discordInstanceId".into(), json!(DISCORD_INSTANCE));
        if self.config.flavor == Flavor::Trueai {
            props.insert("discordChannelId".into(), json!(DISCORD_INSTANCE));
        }
        if ahead > 0 {
            props.insert("numberOfQueues".into(), json!(ahead));
        }
        props
    }

    /// Picks a slot: the job starts when the earliest slot frees up. `Err` when the queue
    /// is full.
    pub(super) fn schedule(&mut self, now: u64, ending: &Ending) -> Result<(Timeline, usize), ()> {
        let waiting = self
            .tasks
            .values()
            .filter(|t| t.timeline.is_some_and(|tl| tl.start > now) && t.cancelled_at.is_none())
            .count();
        let (slot, free) = self.slots.iter().copied().enumerate().min_by_key(|(_, free)| *free).unwrap_or((0, 0));
        let start = free.max(now);
        if start > now && waiting >= self.config.queue_size {
            return Err(());
        }
        let timeline = Timeline::starting(start, self.config.speed);
        if *ending != Ending::Stall
            && let Some(s) = self.slots.get_mut(slot)
        {
            *s = timeline.done;
        }
        Ok((timeline, if start > now { waiting + 1 } else { 0 }))
    }

    pub(super) fn next_id(&mut self, now: u64) -> String {
        let candidate = now.saturating_mul(1000).saturating_add(self.ids.below(1000));
        self.last_id = candidate.max(self.last_id + 1);
        self.last_id.to_string()
    }

    pub(super) fn next_hash(&mut self) -> String {
        let a = self.ids.next_u64();
        let b = self.ids.next_u64();
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

pub(super) fn ending_of(prompt: &str) -> Ending {
    if prompt.contains("--sim-fail") {
        // Servers quote the prompt in their reasons; so does the simulator.
        Ending::Failure(format!("Midjourney refused the job (--sim-fail): {prompt}"))
    } else if prompt.contains("--sim-stall") {
        Ending::Stall
    } else {
        Ending::Success
    }
}
