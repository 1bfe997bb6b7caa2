//! A PostgreSQL server of a test's own: `initdb` into a temporary folder, `pg_ctl start` on
//! 127.0.0.1 and a free port, removed when dropped. No container: the binaries `pg_config
//! --bindir` names (Debian's `postgresql` package). As root, the server runs as the
//! `postgres` user (`runuser -u postgres`), since PostgreSQL refuses to run as root.
//!
//! A test that needs one fails (never skips) when it cannot be started: CI installs
//! PostgreSQL, and a skipped test would prove nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A running PostgreSQL; stopped and its folder removed on drop.
pub struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Postgres {
    /// Starts a new, empty server (its `postgres` database, user `postgres`, no password
    /// needed from 127.0.0.1). Panics with what went wrong when it cannot.
    pub fn start() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let bin = bindir().unwrap_or_else(|| {
            panic!(
                "PostgreSQL is not installed: no `pg_config --bindir`, nor /usr/lib/postgresql/*/bin (apt-get install postgresql)"
            )
        });
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!(
            "mj-pg-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir_all(&dir).expect("a folder for the database");
        if as_postgres {
            run(Command::new("chown").arg("-R").arg("postgres:postgres").arg(&dir));
        }
        let mut server = Self { bin, dir, port: 0, as_postgres };
        let data = server.data();
        let initdb = server
            .command("initdb")
            .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C", "-D"])
            .arg(&data)
            .output()
            .expect("initdb runs");
        check("initdb", &initdb);
        // A free port: a few tries, since another test may take the one just found.
        for _ in 0..5 {
            server.port = free_port();
            if server.try_start() {
                return server;
            }
        }
        let log = std::fs::read_to_string(server.dir.join("log")).unwrap_or_default();
        panic!("PostgreSQL did not start on 127.0.0.1; its log:\n{log}");
    }

    /// Its address: `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops it at once (connections are cut, as in a crash of the server's host);
    /// [`start_again`](Self::start_again) brings it back with its data.
    pub fn stop(&self) {
        let out = self.command("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "-w", "stop"]).output();
        if let Ok(out) = out {
            check("pg_ctl stop", &out);
        }
    }

    /// Starts it again on the same port after [`stop`](Self::stop).
    pub fn start_again(&self) {
        for _ in 0..50 {
            if self.try_start() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("PostgreSQL did not start again on port {}", self.port);
    }

    fn try_start(&self) -> bool {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c fsync=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-o", &options, "-w", "-t", "30", "start"])
            .output()
            .expect("pg_ctl runs");
        if !out.status.success() {
            return false;
        }
        // Ready for connections over TCP.
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.stdin(Stdio::null()).current_dir(&self.dir);
        command
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.command("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "-w", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where PostgreSQL's server binaries are.
pub fn bindir() -> Option<PathBuf> {
    let has_initdb = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_initdb(&dir) {
            return Some(dir);
        }
    }
    // Debian keeps them per version, out of PATH.
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| has_initdb(d))
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn run(command: &mut Command) {
    let out = command.output().expect("runs");
    check(&format!("{command:?}"), &out);
}

fn check(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
