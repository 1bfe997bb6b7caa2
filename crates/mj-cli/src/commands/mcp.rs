//! `mj mcp`: mj's tools for AI agents, over the Model Context Protocol on stdio (the
//! mj-mcp crate), on the servers every other command uses.

use crate::cli::{Global, McpArgs};
use crate::exit::{self, Failure};
use crate::session::Session;

/// Serves one agent until it closes stdin. `--timeout` bounds each call.
pub(crate) fn run(global: &Global, args: McpArgs) -> Result<u8, Failure> {
    let session = Session::open_serving(global)?;
    let mut options = mj_mcp::Options::new(&args.out)
        .map_err(|e| Failure::usage(format!("--out {}: cannot write there: {e}", args.out.display())))?
        .read_only(args.read_only)
        .call_limit(std::time::Duration::from_secs(global.timeout.max(1)))
        .simulator(session.simulated());
    for dir in &args.allow_read {
        options =
            options.allow_read(dir).map_err(|e| Failure::usage(format!("--allow-read {}: {e}", dir.display())))?;
    }
    eprintln!(
        "mj mcp: serving on stdio; files go to {}{}",
        args.out.display(),
        if args.read_only { "; read-only: the spending tools are refused" } else { "" }
    );
    mj_mcp::McpServer::new(session.client().clone(), options)
        .serve_stdio()
        .map_err(|e| Failure::io(format!("the MCP connection: {e}")))?;
    Ok(exit::OK)
}
