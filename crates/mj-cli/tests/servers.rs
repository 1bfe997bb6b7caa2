//! The servers file: a key in a file others can read is refused, `--server` picks a
//! server, `mj servers` asks each one, and without `--server` a file of several is a pool:
//! submits print `name:id`, and fetch, wait and action go to the member that owns the task.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mj_sim::{Server, SimConfig};
use mj_test_support::refused::Refused;

fn mj(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mj"));
    for var in
        ["MJ_BASE_URL", "MJ_API_KEY", "MJ_AUTH", "MJ_MODE", "MJ_PROFILE", "MJ_CONFIG", "MJ_SERVER", "MJ_HOOK_LISTEN"]
    {
        cmd.env_remove(var);
    }
    // No servers file of the machine's own.
    cmd.env("XDG_CONFIG_HOME", std::env::temp_dir().join("mj-servers-test-none")).args(args);
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("mj runs");
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (status.code().unwrap_or(-1), text(stdout), text(stderr))
}

fn write(name: &str, text: &str, mode: u32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-servers-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    set_mode(&path, mode);
    path
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

#[test]
fn a_key_in_a_file_others_can_read_is_refused_and_never_shown() {
    let sim = Server::start(SimConfig::new("").api_key("sk-in-the-file"), 0).expect("sim");
    let text = format!("[[server]]\nname = \"home\"\nbase_url = \"{}\"\napi_key = \"sk-in-the-file\"\n", sim.url());
    let open = write("open.toml", &text, 0o644);
    let (code, stdout, stderr) = run(&mut mj(&["--config", open.to_str().expect("path"), "servers"]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("others can read") && stderr.contains("chmod 600"), "{stderr}");
    assert!(!stderr.contains("sk-in-the-file") && !stdout.contains("sk-in-the-file"));
    if cfg!(unix) {
        let private = write("private.toml", &text, 0o600);
        let (code, stdout, stderr) = run(&mut mj(&["--config", private.to_str().expect("path"), "servers"]));
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(stdout.contains("home") && stdout.contains("answers"), "{stdout}");
    }
}

#[test]
fn server_picks_one_and_servers_asks_each() {
    let (a, b) = (
        Server::start(SimConfig::new("").speed(25.0), 0).expect("a"),
        Server::start(SimConfig::new(""), 0).expect("b"),
    );
    let down = Refused::new();
    let text = format!(
        "[[server]]\nname = \"a\"\nbase_url = \"{}\"\nprofile = \"plus\"\nweight = 2\n\n\
         [[server]]\nname = \"b\"\nbase_url = \"{}\"\n\n[[server]]\nname = \"down\"\nbase_url = \"{}\"\n",
        a.url(),
        b.url(),
        down.url("http")
    );
    let file = write("three.toml", &text, 0o644);
    let config = file.to_str().expect("path");
    let (code, stdout, stderr) = run(&mut mj(&["--config", config, "servers"]));
    assert_eq!(code, 4, "one is down: {stdout}{stderr}");
    let header: Vec<&str> = stdout.lines().next().unwrap_or_default().split_whitespace().collect();
    assert_eq!(header, ["SERVER", "PROFILE", "WEIGHT", "ROOM", "IN", "FLIGHT", "STATE"], "{stdout}");
    let line = |name: &str| stdout.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_default().to_owned();
    let fields = |name: &str| line(name).split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    // Name, profile, weight, room, load, state.
    assert_eq!(fields("a")[..6], ["a", "plus", "2", "10", "0", "answers"], "{stdout}");
    assert_eq!(fields("b")[1], "any", "no profile declared: {stdout}");
    assert!(line("down").contains("down (no connection)"), "{stdout}");

    // A declared profile (`plus`) downloads its results like any server.
    let out = std::env::temp_dir().join(format!("mj-servers-test-out-{}", std::process::id()));
    let out = out.to_str().expect("path");
    let (code, stdout, stderr) = run(&mut mj(&["--config", config, "--server", "a", "imagine", "a fox", "--out", out]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("saved"), "{stdout}");
    assert_eq!((a.stats().total_tasks(), b.stats().total_tasks()), (1, 0));
    let (code, _, stderr) = run(&mut mj(&["--config", config, "--server", "zz", "imagine", "a fox"]));
    assert!(code == 2 && stderr.contains("no server named `zz`"), "{stderr}");
}

#[test]
fn without_server_the_pool_takes_submits_and_handles_go_to_their_owner() {
    let (a, b) = (
        Server::start(SimConfig::new("").speed(25.0).seed(1), 0).expect("a"),
        Server::start(SimConfig::new("").speed(25.0).seed(2), 0).expect("b"),
    );
    let down = Refused::new();
    let text = format!(
        "[[server]]\nname = \"down\"\nbase_url = \"{}\"\nweight = 9\n\n[[server]]\nname = \"a\"\nbase_url = \"{}\"\n\n\
         [[server]]\nname = \"b\"\nbase_url = \"{}\"\n",
        down.url("http"),
        a.url(),
        b.url()
    );
    let file = write("pool.toml", &text, 0o644);
    let config = file.to_str().expect("path");
    // The member that is down is passed over at once; the task is made once.
    let (code, stdout, stderr) = run(&mut mj(&["--config", config, "imagine", "a fox"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let handle =
        stdout.split_whitespace().skip_while(|w| *w != "task").nth(1).expect("submitted task NAME:ID").to_owned();
    let (owner, other, id) = match handle.split_once(':').expect("a handle") {
        ("a", id) => (&a, &b, id.to_owned()),
        ("b", id) => (&b, &a, id.to_owned()),
        _ => panic!("not a member: {handle}"),
    };
    assert!(stdout.contains(&format!("mj wait {handle}")), "{stdout}");
    assert_eq!(a.stats().total_tasks() + b.stats().total_tasks(), 1);
    let asked =
        |s: &Server| s.stats().requests.iter().filter(|(k, _)| k.starts_with("task/")).map(|(_, n)| n).sum::<u64>();
    let other_asked = asked(other);

    let (code, stdout, stderr) = run(&mut mj(&["--config", config, "wait", &handle]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(&format!("task {handle}")) && stdout.contains("SUCCESS"), "{stdout}");
    assert!(stdout.contains(&format!("mj action {handle} U1")), "the next command names the handle: {stdout}");
    let (code, stdout, _) = run(&mut mj(&["--config", config, "--json", "fetch", &handle]));
    assert_eq!(code, 0);
    assert!(stdout.contains(&format!("\"server\":\"{}\"", &handle[..1])), "{stdout}");
    assert_eq!(asked(other), other_asked, "a handle goes to its owner only");

    // A button is pressed where the grid lives; an id alone is found on its member.
    let (code, stdout, stderr) = run(&mut mj(&["--config", config, "action", &handle, "U1", "--wait"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(owner.stats().tasks_created.get("UPSCALE"), Some(&1));
    assert_eq!(other.stats().total_tasks(), 0);
    let (code, stdout, stderr) = run(&mut mj(&["--config", config, "fetch", &id]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(&format!("task {handle}")), "{stdout}");

    // A command that asks one server needs --server in a pool.
    let (code, _, stderr) = run(&mut mj(&["--config", config, "list"]));
    assert!(code == 2 && stderr.contains("pick one with --server"), "{stderr}");
    let (code, _, stderr) = run(&mut mj(&["--config", config, "fetch", "zz:1"]));
    assert!(code == 2 && stderr.contains("no server of the pool is named `zz`"), "{stderr}");
}

/// The servers file is strict: a key file must be a regular file no one else can read, of
/// at most 4 KiB; a weight or max_in_flight of 0 or of an absurd size is an error naming
/// the server and the field (never an overflow).
#[test]
fn a_servers_file_with_a_loose_key_file_or_an_absurd_number_is_refused() {
    let table = |extra: &str| format!("[[server]]\nname = \"eu\"\nbase_url = \"http://127.0.0.1:9\"\n{extra}\n");
    let check = |name: &str, text: &str, wanted: &[&str]| {
        let file = write(name, text, 0o600);
        let (code, stdout, stderr) = run(&mut mj(&["--config", file.to_str().expect("path"), "servers"]));
        assert_eq!(code, 2, "{name}: {stdout}{stderr}");
        for word in wanted {
            assert!(stderr.contains(word), "{name}: `{word}` not in {stderr}");
        }
        stderr
    };
    for (field, value) in [("weight", "0"), ("weight", "4294967295"), ("max_in_flight", "0")] {
        check(
            &format!("{field}-{value}.toml"),
            &table(&format!("{field} = {value}")),
            &["server `eu`", field, "1 to 1000"],
        );
    }
    let huge = check("huge.toml", &table("max_in_flight = 18446744073709551615"), &["eu"]);
    assert!(!huge.contains("panicked"), "{huge}");

    if cfg!(unix) {
        let open_key = write("open.key", "sk-in-a-loose-file\n", 0o644);
        let stderr = check(
            "open-key.toml",
            &table(&format!("api_key_file = \"{}\"", open_key.display())),
            &["server `eu`", "can be read by others", "chmod 600"],
        );
        assert!(!stderr.contains("sk-in-a-loose-file"), "{stderr}");
        let big_key = write("big.key", &"k".repeat(5000), 0o600);
        check("big-key.toml", &table(&format!("api_key_file = \"{}\"", big_key.display())), &["at most 4 KiB"]);
        let folder = std::env::temp_dir().join(format!("mj-servers-test-{}", std::process::id()));
        check("dir-key.toml", &table(&format!("api_key_file = \"{}\"", folder.display())), &["not a regular file"]);
        let good_key = write("good.key", "sk-private\n", 0o600);
        let good =
            write("good.toml", &table(&format!("api_key_file = \"{}\"\nweight = 1000", good_key.display())), 0o600);
        let (code, stdout, stderr) = run(&mut mj(&["--config", good.to_str().expect("path"), "servers"]));
        assert!(!stderr.contains("api_key_file") && !stderr.contains("1 to 1000"), "{code}: {stdout}{stderr}");
    }
}

/// One servers file, read by `mj servers` and by the SDK (`mj_files::ServersFile`), with
/// the aliases the core's words allow: both see the same servers, profiles, weights and
/// rooms, and `MJ_PROFILE=one-hub` works for a single server as it does for
/// `Config::from_env`.
#[test]
fn the_cli_and_the_sdk_read_one_servers_file_alike_aliases_included() {
    let gateway = Server::start(SimConfig::new("").flavor(mj_sim::Flavor::Newapi).api_key("sk-gw"), 0).expect("sim");
    let plus = Server::start(SimConfig::new("").flavor(mj_sim::Flavor::Plus), 0).expect("sim");
    let key = write("gw.key", "sk-gw\n", 0o600);
    let text = format!(
        "[[server]]\nname = \"gw\"\nbase_url = \"{}\"\nprofile = \"one-hub\"\nauth = \"bearer\"\nmode = \"mj-fast\"\napi_key_file = \"{}\"\nweight = 3\n\n\
         [[server]]\nname = \"plus\"\nbase_url = \"{}\"\nprofile = \"PLUS\"\nauth = \"secret\"\nmax_in_flight = 4\n",
        gateway.url(),
        key.display(),
        plus.url()
    );
    let path = write("aliases.toml", &text, 0o600);
    let sdk = mj_files::ServersFile::read(&path).expect("the SDK reads it");
    let members = sdk.members();
    assert_eq!(members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["gw", "plus"]);
    assert_eq!(members[0].config.profile(), Some(mj_proto::ServerProfile::Gateway));
    assert_eq!(members[0].config.mode(), Some(mj_proto::SpeedMode::Fast));
    assert_eq!(members[1].config.profile(), Some(mj_proto::ServerProfile::Plus));
    assert_eq!(members[1].config.auth_style(), mj_proto::AuthStyle::MjApiSecret);

    let (code, stdout, stderr) = run(&mut mj(&["--json", "--config", path.to_str().expect("path"), "servers"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let cli: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    assert_eq!(cli.len(), members.len(), "{stdout}");
    for (shown, member) in cli.iter().zip(members) {
        assert_eq!(shown["name"], member.name.as_str());
        assert_eq!(shown["profile"], member.config.profile().map(|p| p.name()).unwrap_or_default());
        assert_eq!(shown["weight"], member.weight);
        assert_eq!(shown["max_in_flight"], member.max_in_flight);
        assert_eq!(shown["state"], "answers", "{shown}");
    }

    // The same words in the environment, for one server.
    let (code, stdout, stderr) = run(mj(&["--json", "imagine", "a fox"])
        .env("MJ_BASE_URL", gateway.url())
        .env("MJ_API_KEY", "sk-gw")
        .env("MJ_PROFILE", "one-hub")
        .env("MJ_MODE", "mj-fast"));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let answer: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    let id = answer["taskId"].as_str().expect("a task id").to_owned();
    let (code, stdout, stderr) = run(mj(&["fetch", &id])
        .env("MJ_BASE_URL", gateway.url())
        .env("MJ_API_KEY", "sk-gw")
        .env("MJ_PROFILE", "one-hub"));
    assert_eq!(code, 0, "MJ_PROFILE=one-hub mj fetch: {stdout}{stderr}");
    let from_env = mj_proto::Config::from_lookup(|name| match name {
        "MJ_BASE_URL" => Some(gateway.url()),
        "MJ_PROFILE" => Some("one-hub".to_owned()),
        _ => None,
    });
    assert_eq!(from_env.expect("the core reads it").and_then(|c| c.profile()), Some(mj_proto::ServerProfile::Gateway));
}
