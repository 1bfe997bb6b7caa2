//! A flood of large callbacks on the hook's own path (whoever knows it: the server, a pool
//! member, anyone who read it from a proxy's task list) keeps the client small: each is
//! kept as a summary, and the bytes kept are bounded. In a process of its own, so that its
//! resident size is its own.

use std::io::{Read, Write};
use std::net::TcpStream;

use mj_hooks::{HookReceiver, MAX_CALLBACK_BODY};

/// The process's resident size, in bytes (Linux).
fn resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

#[test]
fn a_flood_of_one_mib_callbacks_stays_under_100_mb() {
    let Some(before) = resident() else { return };
    let receiver = HookReceiver::start("127.0.0.1:0", None).expect("receiver");
    let (addr, hooks) = (receiver.local_addr(), receiver.hooks());
    for n in 0..120 {
        // Tiny members by the thousand: the shape that costs most once decoded.
        let mut body =
            format!(r#"{{"id":"flood-{n}","status":"IN_PROGRESS","progress":"{}%","state":"tok-{n}","x":[0"#, n % 100);
        while body.len() < MAX_CALLBACK_BODY - 16 {
            body.push_str(",0");
        }
        body.push_str("]}");
        let mut stream = TcpStream::connect(addr).expect("connect");
        let head = format!("POST {} HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n", hooks.path(), body.len());
        stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes())).expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    }
    assert!(hooks.latest("flood-119").is_some_and(|t| t.progress.as_deref() == Some("19%")));
    let after = resident().expect("rss");
    eprintln!("resident after 120 callbacks of 1 MiB: {} MB", after >> 20);
    assert!(after < 100 * 1024 * 1024, "{} MB resident after the flood ({} MB before)", after >> 20, before >> 20);
}
