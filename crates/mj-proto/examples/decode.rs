//! What mj makes of a response body.
//!
//! ```text
//! cargo run -q -p mj-proto --example decode -- <task|tasks|submit|page|notification|seed|upload> [--status N] [FILE]
//! ```
//!
//! Reads FILE (or stdin), runs it through exactly the parse a client uses for that kind of
//! answer with HTTP status N (default 200), and prints the typed result as normalised JSON.
//! When a client would get an error, prints it on stderr and exits 1; usage errors exit 2.

use std::io::Read;
use std::process::ExitCode;

use mj_proto::inspect::{self, BodyKind};

const USAGE: &str = "usage: decode <task|tasks|submit|page|notification|seed|upload> [--status N] [FILE]";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1);
    let mut kind = None;
    let mut status = 200u16;
    let mut file = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--status" => {
                let value = args.next().ok_or("--status needs a number")?;
                status = value.parse().map_err(|_| format!("--status: `{value}` is not an HTTP status"))?;
            }
            "-h" | "--help" => return Err("decode a response body as mj does".to_owned()),
            _ if kind.is_none() => kind = Some(arg.parse::<BodyKind>()?),
            _ if file.is_none() => file = Some(arg),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    let kind = kind.ok_or("missing the kind of body")?;
    let body = match &file {
        Some(path) => std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?,
        None => {
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body).map_err(|e| format!("cannot read stdin: {e}"))?;
            body
        }
    };
    let response = http::Response::builder()
        .status(status)
        .body(body)
        .map_err(|_| format!("--status: {status} is not an HTTP status"))?;
    match inspect::decode(kind, response) {
        Ok(value) => {
            let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error ({:?}): {error}", error.kind());
            Ok(ExitCode::FAILURE)
        }
    }
}
