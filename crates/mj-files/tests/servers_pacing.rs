//! A servers file's pacing fields become each server's `Pacing`, and a wrong one names the
//! file, the server and what to write instead.

use std::time::Duration;

use mj_files::ServersFile;
use mj_proto::pacing::{Cooldown, Hours, Money, Pacing, Prices};

fn file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mj-files-pacing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

#[test]
fn pacing_fields_become_the_servers_rules() {
    let path = file(
        "paced.toml",
        r#"
[[server]]
name = "a"
base_url = "https://a.example.com"
min_interval = "45s"
daily_tasks = 200
daily_images = 800
hours = "09:10-22:50"
timezone = "+08:00"
cooldown_after = 3
cooldown_window = "1h"
cooldown = "6h"
budget_per_day = 50.0
[server.prices]
imagine = 0.05
upscale = 0.02
default = 0.04

[[server]]
name = "b"
base_url = "https://b.example.com"
min_interval = 30
jitter = "0s"
"#,
    );
    let servers = ServersFile::read(&path).expect("read");
    let a = servers.member("a").expect("a").config.pacing().clone();
    let expected = Pacing::new()
        .min_interval(Duration::from_secs(45), Duration::from_secs(15))
        .daily_tasks(200)
        .daily_images(800)
        .hours("09:10-22:50".parse::<Hours>().expect("hours"))
        .utc_offset(8 * 3600)
        .cooldown(Cooldown { after: 3, window: Duration::from_secs(3600), rest: Duration::from_secs(6 * 3600) })
        .budget_per_day(Money(50_000_000))
        .prices(
            Prices::new()
                .price("imagine", Money(50_000))
                .price("upscale", Money(20_000))
                .price("default", Money(40_000)),
        );
    assert_eq!(a, expected);
    let b = servers.member("b").expect("b").config.pacing().clone();
    assert_eq!(b, Pacing::new().min_interval(Duration::from_secs(30), Duration::ZERO));
}

#[test]
fn a_wrong_pacing_field_names_the_server_and_the_fix() {
    for (field, says) in [
        ("min_interval = \"soon\"", "is not a duration"),
        ("hours = \"9-17\"", "HH:MM-HH:MM"),
        ("timezone = \"Mars/Olympus_Mons\"", "+08:00"),
        ("cooldown_after = 3", "together"),
        ("jitter = \"5s\"", "give min_interval too"),
        ("budget_per_day = -3.0", "not an amount"),
    ] {
        let path =
            file("wrong.toml", &format!("[[server]]\nname = \"a\"\nbase_url = \"https://a.example.com\"\n{field}\n"));
        let e = ServersFile::read(&path).expect_err(field).to_string();
        assert!(e.contains(says), "{field}: {e}");
        assert!(e.contains("wrong.toml"), "{e}");
    }
}

/// A zone name keeps its daylight saving time: New York's day starts at 05:00 UTC in
/// January and at 04:00 UTC in July.
#[cfg(feature = "zones")]
#[test]
fn a_zone_name_counts_days_and_hours_as_its_clocks_do() {
    let path = file(
        "zoned.toml",
        "[[server]]\nname = \"ny\"\nbase_url = \"https://ny.example.com\"\ntimezone = \"America/New_York\"\ndaily_tasks = 5\n",
    );
    let servers = ServersFile::read(&path).expect("read");
    let pacing = servers.member("ny").expect("ny").config.pacing().clone();
    let january = 1_767_312_000_000; // 2026-01-02 00:00 UTC
    let july = 1_782_950_400_000; // 2026-07-02 00:00 UTC
    assert_eq!(pacing.wall(january).utc_offset_secs, -5 * 3600);
    assert_eq!(pacing.wall(july).utc_offset_secs, -4 * 3600);
    let shanghai = file(
        "sh.toml",
        "[[server]]\nname = \"sh\"\nbase_url = \"https://sh.example.com\"\ntimezone = \"Asia/Shanghai\"\n",
    );
    let sh = ServersFile::read(&shanghai).expect("read");
    assert_eq!(sh.member("sh").expect("sh").config.pacing().wall(july).utc_offset_secs, 8 * 3600);
}
