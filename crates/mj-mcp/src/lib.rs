//! # mj-mcp: Midjourney for AI agents
//!
//! `mj mcp` serves the Midjourney proxy API as [Model Context Protocol] tools over stdio,
//! for Claude, Cursor and any agent that speaks MCP: the same servers, pools, pacing and
//! budgets as the `mj` command, and its built-in simulator when nothing is configured.
//!
//! Ten tools: `imagine`, `action`, `describe`, `blend`, `video` (these create paid tasks),
//! `task`, `wait`, `tasks`, `download` and `servers`. What an agent gets that other
//! Midjourney MCP servers do not give:
//!
//! - **Retries that never pay twice.** Each spending tool takes a `request_id`; it
//!   becomes the submit's correlation token, so a call repeated with it (after a timeout,
//!   or from a restarted server) returns the task the first call made.
//! - **Budgets an agent cannot exceed.** The servers' caps and prices and the run's
//!   budget apply; a refusal is a tool error naming the rule (`daily_budget`,
//!   `run_budget`, …). Read-only mode refuses every spending tool.
//! - **Real files.** A finished task's images are saved under one output root, with names
//!   mj makes; local images are read only from folders the user allowed.
//! - **Long work.** Waits send progress notifications and end at `timeout_s` with the task
//!   still running, to be picked up with `wait`.
//!
//! Every call is one audit line on stderr; no result and no line holds a key.
//!
//! The protocol is spoken by the official Rust SDK (`rmcp`), pinned to one version and
//! kept inside this crate: nothing of it is in this crate's API.
//!
//! ```no_run
//! use mj_mcp::mj_client::prelude::*;
//! use mj_mcp::mj_client::mj_proto::Transport;
//!
//! // Any blocking transport: mj-ureq's, or one of your own.
//! fn serve(transport: impl Transport + Send + Sync + 'static) -> Result<(), Box<dyn std::error::Error>> {
//!     let config = Config::new("https://mj.example.com")?.with_api_key("sk-0123456789")?;
//!     let client = mj_mcp::mj_client::Client::with_transport(transport, config);
//!     let options = mj_mcp::Options::new("out")?.read_only(false);
//!     mj_mcp::McpServer::new(client, options).serve_stdio()?;
//!     Ok(())
//! }
//! ```
//!
//! [Model Context Protocol]: https://modelcontextprotocol.io

#![forbid(unsafe_code)]

mod arguments;
mod audit;
mod calls;
mod catalog;
mod exactly_once;
mod files;
mod handler;
mod options;
mod outcome;
mod servers;

pub use mj_client;
pub use options::Options;

use mj_client::Client;
use mj_proto::Transport;
use rmcp::ServiceExt;

/// An MCP server over one mj client (a server, or a pool of them).
#[derive(Debug)]
pub struct McpServer<T> {
    client: Client<T>,
    options: Options,
}

impl<T: Transport + Send + Sync + 'static> McpServer<T> {
    /// A server whose tools call `client`, as `options` say.
    pub fn new(client: Client<T>, options: Options) -> Self {
        Self { client, options }
    }

    /// Serves one agent over stdin and stdout until it closes them: the protocol's
    /// messages on stdout, nothing else; the audit lines on stderr.
    pub fn serve_stdio(self) -> std::io::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let handler = handler::Handler::new(calls::Calls::new(self.client, self.options.clone()), &self.options);
        runtime.block_on(async move {
            let running = handler.serve(rmcp::transport::stdio()).await.map_err(std::io::Error::other)?;
            running.waiting().await.map_err(std::io::Error::other)?;
            Ok(())
        })
    }
}
