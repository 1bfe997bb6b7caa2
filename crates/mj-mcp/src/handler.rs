//! The protocol side: the tool list, and each call run on a thread of its own (mj's
//! client is blocking) while its progress goes to the agent as notifications.

use std::sync::Arc;
use std::time::Instant;

use mj_proto::Transport;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, InitializeResult,
    ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use crate::calls::Calls;
use crate::catalog;

/// What the agent is told once, at the start.
const INSTRUCTIONS: &str = "Midjourney through mj. Spending tools (imagine, action, describe, blend, video) take a request_id: reuse it when you retry, and the same task comes back instead of a new paid one. A task is named SERVER:ID or ID; a wait that runs out returns the task still running: call wait with it. Finished images are saved as files; their paths are in the result.";

/// The MCP server over one mj client.
pub(crate) struct Handler<T> {
    calls: Arc<Calls<T>>,
    tools: Vec<Tool>,
}

impl<T: Transport + Send + Sync + 'static> Handler<T> {
    pub(crate) fn new(calls: Calls<T>, read_only: bool) -> Self {
        let tools = catalog::tools()
            .into_iter()
            // In read-only mode the spending tools are not offered (and refused if called).
            .filter(|spec| !(read_only && spec.spends))
            .map(|spec| {
                let schema = match spec.schema {
                    Value::Object(map) => map,
                    _ => serde_json::Map::new(),
                };
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
        Self { calls: Arc::new(calls), tools }
    }
}

impl<T: Transport + Send + Sync + 'static> ServerHandler for Handler<T> {
    fn get_info(&self) -> ServerConfig {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("mj", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
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
        let started = Instant::now();
        let name = request.name.to_string();
        let request_id =
            request.arguments.as_ref().and_then(|a| a.get("request_id")).and_then(Value::as_str).map(str::to_owned);
        let (progress_tx, mut progress_rx) = tokio::sync::mpsc::unbounded_channel::<(f64, String)>();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let calls = self.calls.clone();
        let tool = name.clone();
        // A plain thread, not tokio's blocking pool: mj's blocking client (and a store it
        // paces in) must never find itself inside a runtime.
        let spawned = std::thread::Builder::new().name(format!("mj-mcp-{tool}")).spawn(move || {
            let progress = move |percent: f64, line: String| {
                let _ = progress_tx.send((percent, line));
            };
            let result = calls.call(&tool, request.arguments, &progress).map_err(|e| e.to_json());
            let _ = done_tx.send(result);
        });
        let token = context.meta.get_progress_token();
        let forward = async {
            while let Some((percent, line)) = progress_rx.recv().await {
                if let Some(token) = &token {
                    let note =
                        ProgressNotificationParam::new(token.clone(), percent).with_total(100.0).with_message(line);
                    let _ = context.peer.notify_progress(note).await;
                }
            }
        };
        let result = match spawned {
            Ok(_) => {
                // Progress is forwarded until the call's thread ends (its sender drops).
                forward.await;
                done_rx.await.unwrap_or_else(|_| {
                    Err(serde_json::json!({"error": "internal", "message": "the call stopped unexpectedly"}))
                })
            }
            Err(e) => Err(serde_json::json!({"error": "internal", "message": format!("cannot start the call: {e}")})),
        };
        eprintln!("{}", crate::audit::line(&name, request_id.as_deref(), &result, started.elapsed()));
        Ok(CallToolResponse::Complete(match result {
            Ok(value) => CallToolResult::success(vec![ContentBlock::text(value.to_string())]),
            Err(error) => CallToolResult::error(vec![ContentBlock::text(error.to_string())]),
        }))
    }
}
