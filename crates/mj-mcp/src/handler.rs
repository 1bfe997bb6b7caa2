//! The protocol side: the tool list, and each call run on a thread of its own (mj's
//! client is blocking) while its progress goes to the agent as notifications.

use std::sync::Arc;
use std::time::Instant;

use mj_proto::Transport;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams, ContentBlock, CreateTaskResult,
    GetTaskParams, GetTaskResult, Implementation, InitializeResult, JsonObject, ListToolsResult,
    PaginatedRequestParams, ProgressNotificationParam, ProgressToken, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::task_manager::{TaskContext, TaskExit, TaskManager, TaskOptions};
use rmcp::{ErrorData, Peer, RoleServer, ServerHandler};
use serde_json::{Value, json};

use crate::calls::Calls;
use crate::catalog::SPENDING;

/// What the agent is told once, at the start.
const INSTRUCTIONS: &str = "Midjourney through mj. Spending tools (imagine, action, describe, blend, video) take a request_id: reuse it when you retry, and the same task comes back instead of a new paid one. A task is named SERVER:ID or ID; a wait that runs out returns the task still running: call wait with it. Finished images are saved as files; their paths are in the result.";

/// What the agent is told when the server is mj's built-in simulator.
const SIMULATOR: &str = "This is mj's built-in simulator: the images are made up, nothing is paid, and its tasks end when this server stops.";

/// The MCP server over one mj client.
pub(crate) struct Handler<T> {
    calls: Arc<Calls<T>>,
    tools: Vec<Tool>,
    /// The protocol's tasks, for clients that offer them.
    tasks: TaskManager,
    /// How long a finished protocol task's result is kept: the call limit, and five
    /// minutes to collect it.
    task_ttl_ms: u64,
    simulator: bool,
}

impl<T: Transport + Send + Sync + 'static> Handler<T> {
    pub(crate) fn new(calls: Calls<T>, options: &crate::Options) -> Self {
        let read_only = options.read_only;
        let tools = calls
            .specs()
            .iter()
            // In read-only mode the spending tools are not offered (and refused if called).
            .filter(|spec| !(read_only && spec.spends))
            .map(|spec| {
                let schema = spec.schema.as_object().cloned().unwrap_or_default();
                // Only what differs from the protocol's defaults (not read-only,
                // destructive, not idempotent, open world): the list is paid for on
                // every turn.
                let hints = match (spec.read_only, spec.spends) {
                    (true, _) => ToolAnnotations::new().read_only(true),
                    (false, true) => ToolAnnotations::new().destructive(false),
                    (false, false) => ToolAnnotations::new().destructive(false).idempotent(true),
                };
                Tool::new(spec.name, spec.description, Arc::new(schema)).annotate(hints)
            })
            .collect();
        let task_ttl_ms = u64::try_from(options.limit.as_millis()).unwrap_or(u64::MAX).saturating_add(300_000);
        Self { calls: Arc::new(calls), tools, tasks: TaskManager::new(), task_ttl_ms, simulator: options.simulator }
    }
}

impl<T: Transport + Send + Sync + 'static> ServerHandler for Handler<T> {
    fn get_info(&self) -> ServerConfig {
        let instructions = if self.simulator { format!("{INSTRUCTIONS} {SIMULATOR}") } else { INSTRUCTIONS.to_owned() };
        InitializeResult::new(ServerCapabilities::builder().enable_tools().enable_tasks().build())
            .with_server_info(Implementation::new("mj", env!("CARGO_PKG_VERSION")))
            .with_instructions(instructions)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let calls = self.calls.clone();
        // A client that offers the protocol's tasks gets a long call as a task to poll:
        // no request of its own times out, so the wait may last the whole call limit.
        let long = SPENDING.contains(&name.as_str()) || matches!(name.as_str(), "wait" | "download");
        if long && context.client_capabilities().is_some_and(|c| c.supports_tasks()) {
            let options = TaskOptions::new().with_ttl_ms(self.task_ttl_ms).with_poll_interval_ms(1_000);
            let task = self.tasks.spawn(options, move |task| {
                Box::pin(async move {
                    // `tasks/cancel` settles the task as cancelled at once; a task already
                    // submitted goes on at the server, and the call's thread ends its wait
                    // by its deadline, its result dropped.
                    let cancelled = task.clone();
                    tokio::select! {
                        result = run(calls, name, request.arguments, Sink::Status(task)) => Ok(answer(result)),
                        () = cancelled.cancelled() => Err(TaskExit::Cancelled),
                    }
                })
            });
            return Ok(CallToolResponse::Task(CreateTaskResult::new(task)));
        }
        let sink = Sink::Notify { token: context.meta.get_progress_token(), peer: context.peer.clone() };
        Ok(CallToolResponse::Complete(answer(run(calls, name, request.arguments, sink).await)))
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, ErrorData> {
        Ok(GetTaskResult::new(self.tasks.get_task(&request.task_id)?))
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.tasks.cancel_task(&request.task_id)
    }
}

/// Where a call's progress goes: notifications to the agent's progress token, or a
/// protocol task's status message.
enum Sink {
    Notify { peer: Peer<RoleServer>, token: Option<ProgressToken> },
    Status(TaskContext),
}

/// Runs tool `name` on a thread of its own, forwarding its progress to `sink`, and writes
/// its audit line: the task's JSON, or the tool error's.
async fn run<T: Transport + Send + Sync + 'static>(
    calls: Arc<Calls<T>>,
    name: String,
    arguments: Option<JsonObject>,
    sink: Sink,
) -> Result<Value, Value> {
    let started = Instant::now();
    let request_id = arguments.as_ref().and_then(|a| a.get("request_id")).and_then(Value::as_str).map(str::to_owned);
    let patient = matches!(sink, Sink::Status(_));
    let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel::<(f64, String)>();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let tool = name.clone();
    // A plain thread, not tokio's blocking pool: mj's blocking client (and a store it
    // paces in) must never find itself inside a runtime.
    let spawned = std::thread::Builder::new().name(format!("mj-mcp-{tool}")).spawn(move || {
        let progress = move |percent: f64, line: String| {
            let _ = progress_tx.send((percent, line));
        };
        let result = calls
            .call(&tool, arguments, crate::calls::Waiter { progress: &progress, patient })
            .map_err(|e| e.to_json());
        // Written here, so that a call the agent cancelled (its future dropped) is audited too.
        eprintln!("{}", crate::audit::line(&tool, request_id.as_deref(), &result, started.elapsed()));
        let _ = done_tx.send(result);
    });
    match spawned {
        Ok(_) => {
            // Progress is forwarded until the call's thread ends (its sender drops).
            while let Some((percent, line)) = progress_rx.recv().await {
                match &sink {
                    Sink::Notify { peer, token: Some(token) } => {
                        let note =
                            ProgressNotificationParam::new(token.clone(), percent).with_total(100.0).with_message(line);
                        let _ = peer.notify_progress(note).await;
                    }
                    Sink::Notify { token: None, .. } => {}
                    Sink::Status(task) => task.set_status_message(line),
                }
            }
            done_rx
                .await
                .unwrap_or_else(|_| Err(json!({"error": "internal", "message": "the call stopped unexpectedly"})))
        }
        Err(e) => {
            let result = Err(json!({"error": "internal", "message": format!("cannot start the call: {e}")}));
            eprintln!("{}", crate::audit::line(&name, None, &result, started.elapsed()));
            result
        }
    }
}

/// A call's outcome as the protocol's tool result: its JSON as text, an error flagged.
fn answer(result: Result<Value, Value>) -> CallToolResult {
    match result {
        Ok(value) => CallToolResult::success(vec![ContentBlock::text(value.to_string())]),
        Err(error) => CallToolResult::error(vec![ContentBlock::text(error.to_string())]),
    }
}
