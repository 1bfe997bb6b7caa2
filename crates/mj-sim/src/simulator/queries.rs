//! Handlers of the task endpoints (fetch, lists, query, cancel, seed) and of `/sim/...`.

use super::*;

/// Handlers of the task endpoints.
impl Simulator {
    pub(super) fn fetch(&self, id: &str, now: u64) -> HttpResponse {
        match self.task_json(id, now) {
            Some(task) => reply::json(200, &task),
            None => reply::task_not_found(self.config.flavor),
        }
    }

    pub(super) fn list_by_ids(&self, ctx: &Ctx) -> HttpResponse {
        let flavor = self.config.flavor;
        let ids: Vec<String> = match ctx.body.get("ids") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str()).map(|s| s.trim().to_owned()).collect(),
            Some(_) if flavor.is_gateway() => {
                return reply::json(
                    400,
                    &json!({"description": "do_request_failed", "type": "upstream_error", "code": 4}),
                );
            }
            Some(_) => Vec::new(),
        };
        let tasks: Vec<Value> =
            self.order.iter().filter(|id| ids.contains(id)).filter_map(|id| self.task_json(id, ctx.now)).collect();
        reply::json(200, &Value::Array(tasks))
    }

    pub(super) fn list(&self, now: u64) -> HttpResponse {
        let limit = if self.config.flavor == Flavor::Trueai { 100 } else { usize::MAX };
        let tasks: Vec<Value> = self
            .order
            .iter()
            .rev()
            .filter(|id| self.tasks.get(*id).is_some_and(|t| self.listed_yet(t, now)))
            .take(limit)
            .filter_map(|id| self.task_json(id, now))
            .collect();
        reply::json(200, &Value::Array(tasks))
    }

    /// Whether the lookups by state list `task` yet (`lookup_lag_ms` after its submit).
    fn listed_yet(&self, task: &SimTask, now: u64) -> bool {
        let lag = u64::try_from(self.config.faults.lookup_lag.as_millis()).unwrap_or(u64::MAX);
        task.submit_time.saturating_add(lag) <= now
    }

    pub(super) fn queue(&self, now: u64) -> HttpResponse {
        let tasks: Vec<Value> = self
            .order
            .iter()
            .filter(|id| self.tasks.get(*id).is_some_and(|t| !t.at(now).is_terminal()))
            .filter_map(|id| self.task_json(id, now))
            .collect();
        reply::json(200, &Value::Array(tasks))
    }

    pub(super) fn cancel(&mut self, id: &str, now: u64) -> HttpResponse {
        let flavor = self.config.flavor;
        let Some(task) = self.tasks.get_mut(id) else { return reply::missing_parent(flavor) };
        let snapshot = task.at(now);
        // Cancelling twice is harmless; cancelling a finished task is refused.
        if snapshot.is_terminal() && snapshot.status != "CANCEL" {
            return reply::refuse(4, "任务状态错误", Map::new());
        }
        task.cancelled_at.get_or_insert(now);
        match flavor {
            Flavor::Trueai => reply::empty(200),
            _ => reply::json(200, &json!({"code": 1, "description": "成功"})),
        }
    }

    pub(super) fn image_seed(&self, id: &str, now: u64) -> HttpResponse {
        let flavor = self.config.flavor;
        let Some(task) = self.tasks.get(id) else { return reply::missing_parent(flavor) };
        if task.at(now).status != "SUCCESS" {
            return match flavor {
                Flavor::Trueai => reply::json(
                    400,
                    &json!({"code": 4, "description": "关联任务状态错误", "result": null, "properties": {}}),
                ),
                _ => reply::invalid(flavor, "关联任务状态错误", "task_status_not_success"),
            };
        }
        let seed = (hash(&task.hash) % 4_294_967_295).to_string();
        let properties = if flavor == Flavor::Newapi { Value::Null } else { json!({}) };
        reply::json(200, &json!({"code": 1, "description": "成功", "result": seed, "properties": properties}))
    }

    pub(super) fn query(&self, ctx: &Ctx) -> HttpResponse {
        let number = ctx.body.get("pageNumber").and_then(Value::as_u64).unwrap_or(0);
        let size = ctx.body.get("pageSize").and_then(Value::as_u64).unwrap_or(10).clamp(1, 100);
        let ids = ctx.list("ids");
        let mut statuses = ctx.list("statusSet");
        statuses.extend(ctx.text("status"));
        let state = ctx.text("state");
        let action = ctx.text("action");
        let prompt = ctx.text("prompt");
        let ascending = ctx.text("sort").is_some_and(|s| s.ends_with(",asc"));
        let mut matching: Vec<&SimTask> = self
            .order
            .iter()
            .filter_map(|id| self.tasks.get(id))
            .filter(|t| self.listed_yet(t, ctx.now))
            .filter(|t| ids.is_empty() || ids.contains(&t.id))
            .filter(|t| statuses.is_empty() || statuses.iter().any(|s| s == t.at(ctx.now).status))
            .filter(|t| state.is_none() || t.state == state)
            .filter(|t| action.as_ref().is_none_or(|a| *a == t.action))
            .filter(|t| prompt.as_ref().is_none_or(|p| t.prompt.contains(p.as_str())))
            .collect();
        if !ascending {
            matching.reverse();
        }
        let total = matching.len() as u64;
        let total_pages = total.div_ceil(size);
        let content: Vec<Value> = matching
            .iter()
            .skip((number * size) as usize)
            .take(size as usize)
            .map(|t| t.render(self.config.flavor, &self.config.base_url, ctx.now))
            .collect();
        let sort = json!({"empty": false, "sorted": true, "unsorted": false});
        reply::json(
            200,
            &json!({
                "content": content, "empty": content.is_empty(), "first": number == 0,
                "last": number + 1 >= total_pages, "number": number, "numberOfElements": content.len(),
                "pageable": {"offset": number * size, "pageNumber": number, "pageSize": size, "paged": true,
                             "sort": sort, "unpaged": false},
                "size": size, "sort": sort, "totalElements": total, "totalPages": total_pages
            }),
        )
    }

    /// new-api's `/mj/image/{id}`: it fetches what the upstream's `imageUrl` shows now: the
    /// result, or the preview while one shows.
    pub(super) fn gateway_image(&self, id: &str, now: u64) -> HttpResponse {
        let Some(task) = self.tasks.get(id).filter(|t| t.image_url("").is_some()) else {
            return reply::json(400, &json!({"error": "midjourney_task_not_found"}));
        };
        let snap = task.at(now);
        if snap.status == "SUCCESS" {
            let (mime, bytes) = self.result_image(task);
            reply::with_type(200, &mime, bytes)
        } else if task.previews(&snap) {
            reply::with_type(200, "image/png", preview(task, snap.progress))
        } else {
            reply::json(400, &json!({"error": "midjourney_task_not_found"}))
        }
    }

    /// A task's result image and its media type: the upload a describe was given, else
    /// the drawing.
    pub(super) fn result_image(&self, task: &SimTask) -> (String, Vec<u8>) {
        match &task.source {
            Some(Source::Uploaded { mime, bytes }) if task.product == Product::Prompts => (mime.clone(), bytes.clone()),
            _ => ("image/png".to_owned(), self.image_bytes(task)),
        }
    }

    pub(super) fn image_bytes(&self, task: &SimTask) -> Vec<u8> {
        match task.product {
            Product::Single(q) => crate::image::single(&task.image_seed, q),
            _ => crate::image::grid(&task.image_seed),
        }
    }

    /// `/sim/...`: statistics, images, videos; no auth, no faults.
    pub(super) fn sim_route(&self, method: &Method, rest: &str, now: u64) -> HttpResponse {
        if *method != Method::GET {
            return reply::text(405, "method not allowed");
        }
        let parts: Vec<&str> = rest.split('/').collect();
        let png = |bytes| reply::with_type(200, "image/png", bytes);
        match parts.as_slice() {
            ["stats"] => reply::json(200, &serde_json::to_value(&self.stats).unwrap_or(Value::Null)),
            ["image", file] => match file.strip_suffix(".png").and_then(|id| self.tasks.get(id)) {
                Some(task) if task.image_url("").is_some() && task.at(now).status != "NOT_START" => {
                    png(self.image_bytes(task))
                }
                _ => reply::text(404, "no such image"),
            },
            ["image", id, file] => {
                let n = file.strip_suffix(".png").and_then(|n| n.parse::<u8>().ok()).filter(|n| (1..=4).contains(n));
                match (self.tasks.get(*id), n) {
                    (Some(task), Some(n)) if task.at(now).status == "SUCCESS" => {
                        png(crate::image::single(&task.image_seed, n))
                    }
                    _ => reply::text(404, "no such image"),
                }
            }
            ["described", id] => match self.tasks.get(*id).map(|t| (&t.source, t.at(now).status)) {
                Some((Some(Source::Uploaded { mime, bytes }), "SUCCESS")) => reply::with_type(200, mime, bytes.clone()),
                _ => reply::text(404, "no such image"),
            },
            ["preview", id, file] => {
                let progress =
                    file.strip_suffix(".png").and_then(|p| p.parse::<u8>().ok()).filter(|p| (1..100).contains(p));
                match (self.tasks.get(*id), progress) {
                    (Some(task), Some(p)) if matches!(task.product, Product::Grid | Product::Single(_)) => {
                        png(preview(task, p))
                    }
                    _ => reply::text(404, "no such preview"),
                }
            }
            ["upload", file] => match file.strip_suffix(".png").and_then(|n| n.parse::<u64>().ok()) {
                Some(n) if n >= 1 && n <= self.uploads => png(crate::image::grid(&format!("upload {n}"))),
                _ => reply::text(404, "no such upload"),
            },
            ["video", id, _] if self.tasks.get(*id).is_some_and(|t| t.product == Product::Video) => {
                reply::with_type(200, "video/mp4", FAKE_MP4.to_vec())
            }
            _ => reply::text(404, "no such simulator path"),
        }
    }
}

/// The smallest MP4 header a player recognises; enough to test downloads.
const FAKE_MP4: &[u8] = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free";

/// The preview Discord shows at `progress`: a drawing of its own, never the result.
fn preview(task: &SimTask, progress: u8) -> Vec<u8> {
    crate::image::grid(&format!("{} preview {progress}", task.image_seed))
}
