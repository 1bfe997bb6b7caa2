//! `mj mcp`: mj's tools for AI agents, over the Model Context Protocol on stdio (the
//! mj-mcp crate), on the servers every other command uses.

use crate::cli::{Global, McpArgs};
use crate::exit::{self, Failure};
use crate::session::Session;

/// Serves one agent until it closes stdin. `--timeout` bounds each call.
pub(crate) fn run(global: &Global, args: McpArgs) -> Result<u8, Failure> {
    // Not the current folder: an MCP client starts its servers wherever it runs (`/`, say).
    let out = match (args.out, std::env::var_os("HOME")) {
        (Some(out), _) => out,
        (None, Some(home)) => std::path::Path::new(&home).join("mj-out"),
        (None, None) => return Err(Failure::usage("say where files go: --out DIR (or MJ_MCP_OUT), or set HOME")),
    };
    let mut options = mj_mcp::Options::new(&out)
        .map_err(|e| Failure::usage(format!("--out {}: cannot write there: {e}", out.display())))?
        .read_only(args.read_only)
        .call_limit(std::time::Duration::from_secs(global.timeout.max(1)));
    for dir in &args.allow_read {
        options =
            options.allow_read(dir).map_err(|e| Failure::usage(format!("--allow-read {}: {e}", dir.display())))?;
    }
    // The folders are checked first: a wrong one starts no server (nor the simulator).
    let session = Session::open_serving(global)?;
    let options = options.simulator(session.simulated());
    eprintln!(
        "mj mcp: serving on stdio; files go to {}{}",
        out.display(),
        if args.read_only { "; read-only: the spending tools are refused" } else { "" }
    );
    mj_mcp::McpServer::new(session.client().clone(), options)
        .serve_stdio()
        .map_err(|e| Failure::io(format!("the MCP connection: {e}")))?;
    Ok(exit::OK)
}
