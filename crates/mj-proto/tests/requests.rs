//! Every endpoint's request, snapshotted in a normalised rendering, and every builder check.

use mj_test_support::every_request as every;

use every::{PNG, every_request};
use mj_proto::data_url;
use mj_proto::endpoint::ChangeAction;
use mj_proto::prelude::*;
use mj_proto::{BuildError, HttpRequest};

const KEY: &str = "sk-test-0123456789abcdef";

fn config(auth: AuthStyle) -> Config {
    Config::new("https://gw.example.test/v1/")
        .and_then(|c| c.with_api_key(KEY))
        .map(|c| c.with_auth_style(auth))
        .expect("valid config")
}

/// Method, URL, sorted headers (the key redacted), pretty JSON body.
fn render(request: &HttpRequest) -> String {
    let mut out = format!("{} {}\n", request.method(), request.uri());
    let mut headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().expect("ASCII header").replace(KEY, "<KEY>");
            let value = if name == "user-agent" { "<mj/version>".to_owned() } else { value };
            (name.to_string(), value)
        })
        .collect();
    headers.sort();
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    let form = request.headers().get("content-type").is_some_and(|t| t.as_bytes().starts_with(b"multipart/"));
    if form {
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(request.body()).replace('\r', "␍"));
    } else if !request.body().is_empty() {
        let body: serde_json::Value = serde_json::from_slice(request.body()).expect("JSON body");
        out.push('\n');
        out.push_str(&serde_json::to_string_pretty(&body).expect("prints"));
    }
    out
}

#[test]
fn every_endpoint_builds_its_request() {
    let config = config(AuthStyle::Bearer);
    for (name, request) in every_request(&config) {
        let request = request.unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_snapshot!(name, render(&request));
    }
}

#[test]
fn auth_styles_and_mode_prefix() {
    let fetch = Fetch::new("1");
    for (name, auth) in [
        ("auth_bearer", AuthStyle::Bearer),
        ("auth_mj_api_secret", AuthStyle::MjApiSecret),
        ("auth_raw", AuthStyle::RawAuthorization),
        ("auth_both", AuthStyle::Both),
    ] {
        let request = config(auth).build(&fetch).expect("builds");
        insta::assert_snapshot!(name, render(&request));
        assert!(request.headers().values().filter(|v| v.is_sensitive()).count() >= 1);
    }
    let relax = config(AuthStyle::Bearer).with_mode(Some(SpeedMode::Relax));
    let request = relax.build(&fetch).expect("builds");
    assert_eq!(request.uri(), "https://gw.example.test/v1/mj-relax/mj/task/1/fetch");
    let anonymous = Config::new("http://127.0.0.1:8080").expect("config");
    let request = anonymous.build(&fetch).expect("builds");
    assert!(request.headers().get("authorization").is_none() && request.headers().get("mj-api-secret").is_none());
}

#[test]
fn builders_refuse_bad_input_before_sending() {
    let c = config(AuthStyle::Bearer);
    let err = |e: Result<HttpRequest, Error>| match e {
        Err(Error::Build(b)) => b,
        other => panic!("expected a build error, got {other:?}"),
    };
    assert_eq!(err(c.build(&Imagine::new("  "))), BuildError::Empty { field: "prompt" });
    assert!(matches!(
        err(c.build(&Imagine::new("x").image("iVBOR...gg=="))),
        BuildError::Image { field: "base64Array", index: 0, .. }
    ));
    assert!(matches!(
        err(c.build(&Imagine::new("x").image(PNG).image("data:image/png;base64,@@@"))),
        BuildError::Image { index: 1, .. }
    ));
    assert_eq!(err(c.build(&Blend::new([PNG]))), BuildError::Count { field: "base64Array", min: 2, max: 5, got: 1 });
    assert_eq!(err(c.build(&Blend::new([PNG; 6]))), BuildError::Count { field: "base64Array", min: 2, max: 5, got: 6 });
    assert_eq!(err(c.build(&Change::upscale("1", 5))), BuildError::Range { field: "index", min: 1, max: 4, got: 5 });
    assert_eq!(err(c.build(&Change::variation("1", 0))), BuildError::Range { field: "index", min: 1, max: 4, got: 0 });
    assert_eq!(err(c.build(&Change::upscale(" ", 1))), BuildError::Empty { field: "taskId" });
    assert!(matches!(err(c.build(&SimpleChange::new("1", ChangeAction::Upscale, 7))), BuildError::Range { .. }));
    assert_eq!(err(c.build(&Fetch::new(""))), BuildError::Empty { field: "id" });
    assert_eq!(err(c.build(&Action::new("1", ""))), BuildError::Empty { field: "customId" });
    assert_eq!(
        err(c.build(&ListByCondition::new(Vec::<String>::new()))),
        BuildError::Count { field: "ids", min: 1, max: usize::MAX, got: 0 }
    );
    assert_eq!(
        err(c.build(&Imagine::new("x").state("s".repeat(256)))),
        BuildError::TooLong { field: "state", len: 256, max: 255 }
    );
    assert!(c.build(&Imagine::new("x").state("猫".repeat(255))).is_ok(), "a BMP character is one unit");
    // trueai counts UTF-16 units (C# string.Length): 200 foxes are 400 units.
    assert_eq!(
        err(c.build(&Imagine::new("x").state("🦊".repeat(200)))),
        BuildError::TooLong { field: "state", len: 400, max: 255 }
    );
    assert_eq!(err(c.build(&Imagine::new("x").notify_hook("ftp://x"))), BuildError::Url { field: "notifyHook" });
    assert!(matches!(err(c.build(&Modal::new("1").mask("not an image"))), BuildError::Image { .. }));
    assert_eq!(
        err(c.build(&Video::extend("go", "1", 4))),
        BuildError::Range { field: "index", min: 0, max: 3, got: 4 }
    );
    assert_eq!(
        err(c.build(&Query::new().page(0, 0))),
        BuildError::Range { field: "pageSize", min: 1, max: 100, got: 0 }
    );
    assert!(matches!(err(c.build(&SwapFace::new("x", PNG))), BuildError::Image { field: "sourceBase64", .. }));
}

#[test]
fn data_urls_built_by_mj_pass_its_own_checks() {
    let png = data_url::encode("image/png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    assert!(config(AuthStyle::Bearer).build(&Describe::new(png)).is_ok());
}

#[test]
fn submits_are_not_idempotent_lookups_are() {
    assert!(!Imagine::new("x").is_idempotent());
    assert!(!Action::new("1", "c").is_idempotent());
    assert!(!UploadDiscordImages::new([PNG]).is_idempotent());
    assert!(Fetch::new("1").is_idempotent());
    assert!(ListByCondition::new(["1"]).is_idempotent());
    assert!(Query::new().is_idempotent());
    assert!(ImageSeed::new("1").is_idempotent());
}

#[test]
fn trueai_action_options_and_extra_headers() {
    let c = config(AuthStyle::RawAuthorization).with_header("x-storage-options", "1").expect("header");
    let request = c.build(&Action::new("1", "MJ::JOB::variation::1::a").remix(true).strong(true)).expect("builds");
    let body: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
    assert_eq!((body["enableRemix"].as_bool(), body["strong"].as_bool()), (Some(true), Some(true)));
    assert_eq!(request.headers().get("x-storage-options").map(|v| v.as_bytes()), Some(&b"1"[..]));
    assert!(c.build(&Fetch::new("1")).expect("builds").headers().contains_key("x-storage-options"), "every request");
    assert!(!format!("{c:?}").contains("x-storage-options: \"1\""), "extra values stay out of Debug");
    for (name, value) in [("authorization", "x"), ("mj-api-secret", "x"), ("bad name", "x"), ("x-ok", "line\nbreak")] {
        let e = config(AuthStyle::Bearer).with_header(name, value).expect_err(name);
        assert!(matches!(e, mj_proto::ConfigError::InvalidHeader { .. }), "{name}: {e}");
    }
}

#[test]
fn a_declared_profile_refuses_locally_what_its_server_would() {
    let novicezk = Config::new("http://127.0.0.1:8080").expect("config").with_profile(ServerProfile::Novicezk);
    assert_eq!(novicezk.auth_style(), AuthStyle::MjApiSecret, "the profile picks the auth header");
    let e = novicezk.build(&Action::new("1", "MJ::JOB::upsample::1::a")).expect_err("no /submit/action");
    assert_eq!(e.to_string(), "invalid request: novicezk servers do not offer `action`");
    assert!(novicezk.build(&Change::upscale("1", 1)).is_ok());
    let relax = novicezk.clone().with_mode(Some(SpeedMode::Relax));
    assert!(matches!(relax.build(&Fetch::new("1")), Err(Error::Build(BuildError::ModePrefix { .. }))));
    let trueai = Config::new("http://127.0.0.1:8080").expect("config").with_profile(ServerProfile::Trueai);
    assert_eq!(trueai.auth_style(), AuthStyle::RawAuthorization);
    assert!(trueai.clone().with_mode(Some(SpeedMode::Relax)).build(&Fetch::new("1")).is_ok());
    assert!(matches!(
        trueai.build(&Query::new()),
        Err(Error::Build(BuildError::NotOffered { endpoint: mj_proto::EndpointName::QUERY, .. }))
    ));
    for profile in ServerProfile::ALL {
        assert_eq!(profile.name().parse::<ServerProfile>(), Ok(profile));
        // A result's URL is downloaded whatever the server: it is not one of its routes.
        let declared = Config::new("http://127.0.0.1:8080").expect("config").with_profile(profile);
        let download = mj_proto::endpoint::Download::new("http://127.0.0.1:8080/sim/image/1.png");
        assert!(declared.build(&download).is_ok(), "{} refused a download", profile.name());
    }
}

/// Images and options are checked the way the declared server reads them: bare base64
/// only on trueai, no links on novicezk, both faces as data on new-api, and no option a
/// server would silently drop.
#[test]
fn images_and_options_follow_the_declared_server() {
    let at = |profile: Option<ServerProfile>| {
        let config = Config::new("http://127.0.0.1:8080").expect("config");
        match profile {
            Some(p) => config.with_profile(p),
            None => config,
        }
    };
    let raw = "iVBORw0KGgoAAAANSUhEUg==";
    let edit = Edits::new("night", raw);
    let e = at(None).build(&edit).expect_err("bare base64 is refused by default");
    assert!(e.to_string().contains("needs a data URL prefix"), "{e}");
    let body: serde_json::Value =
        serde_json::from_slice(at(Some(ServerProfile::Trueai)).build(&edit).expect("trueai").body()).expect("json");
    assert_eq!(body["image"], raw, "sent as given: trueai adds the prefix itself");
    assert!(at(Some(ServerProfile::Trueai)).build(&Imagine::new("a fox").image(raw)).is_ok());

    let link = Imagine::new("a fox").image("https://example.test/ref.png");
    assert!(at(None).build(&link).is_ok());
    let e = at(Some(ServerProfile::Novicezk)).build(&link).expect_err("novicezk takes data URLs only");
    assert!(matches!(e, Error::Build(BuildError::Image { field: "base64Array", index: 0, .. })), "{e:?}");

    let faces = SwapFace::new(PNG, "https://example.test/target.png");
    assert!(at(Some(ServerProfile::Trueai)).build(&faces).is_ok());
    let e = at(Some(ServerProfile::Gateway)).build(&faces).expect_err("new-api needs both as base64");
    assert!(matches!(e, Error::Build(BuildError::Image { field: "targetBase64", .. })), "{e:?}");

    let video = Video::new("the fox runs", PNG).bot_type(BotType::NijiJourney);
    assert!(at(None).build(&video).is_ok(), "undeclared: sent, the server decides");
    let e = at(Some(ServerProfile::Trueai)).build(&video).expect_err("trueai ignores botType on video");
    assert_eq!(e.to_string(), "invalid request: trueai servers ignore `botType` on this endpoint: leave it out");
    let filtered = Video::new("the fox runs", PNG).account_filter(AccountFilter::instance("a1"));
    assert!(matches!(
        at(Some(ServerProfile::Trueai)).build(&filtered),
        Err(Error::Build(BuildError::Ignored { field: "accountFilter", .. }))
    ));

    let swap = VideoSwap::new(PNG, VideoTarget::Url("https://example.test/v.mp4".into()));
    assert!(at(Some(ServerProfile::Trueai)).build(&swap).is_ok());
    // Bare base64 may begin with the letters "http": it is still data, not a link.
    let bare = VideoSwap::new("httpAAAAiVBORw0KGgo=", VideoTarget::Url("https://example.test/v.mp4".into()));
    let form = at(Some(ServerProfile::Trueai)).build(&bare).expect("bare base64 on trueai");
    assert!(String::from_utf8_lossy(form.body()).contains("name=\"sourceBase64\""));
    let e = at(Some(ServerProfile::Plus)).build(&swap).expect_err("only trueai has video swap");
    assert!(
        matches!(e, Error::Build(BuildError::NotOffered { endpoint: mj_proto::EndpointName::VIDEO_SWAP, .. })),
        "{e:?}"
    );
    assert!(at(None).build(&swap.clone().bot_type(BotType::MidJourney)).is_err(), "botType is never read");
    let empty = VideoSwap::new(PNG, VideoTarget::file("clip.mp4", "video/mp4", Vec::new()));
    assert!(matches!(at(None).build(&empty), Err(Error::Build(BuildError::Empty { field: "targetFile" }))));
    assert!(at(Some(ServerProfile::Plus)).build(&Edits::retexture("steel", PNG)).is_err(), "PLUS has no retexture");
}

/// A result download: the key goes only to the configured server, never to a CDN, and
/// the answer must be a whole image or video under the cap.
#[test]
fn downloads_send_the_key_only_home_and_check_what_comes_back() {
    use mj_proto::endpoint::{Download, Media};
    let config = config(AuthStyle::Bearer);
    let cdn = config.build(&Download::new("https://cdn.example.test/a.png")).expect("builds");
    assert!(cdn.headers().get("authorization").is_none(), "a CDN never sees the key");
    let home = config.build(&Download::new("https://gw.example.test/v1/mj/image/17")).expect("builds");
    assert_eq!(home.uri(), "https://gw.example.test/v1/mj/image/17");
    assert!(home.headers().get("authorization").is_some(), "new-api's image proxy gets the auth header");
    assert!(config.build(&Download::new("ftp://x/a.png")).is_err());

    let answer = |status: u16, content_type: &str, length: Option<usize>, body: &[u8]| {
        let mut builder = http::Response::builder().status(status).header("content-type", content_type);
        if let Some(n) = length {
            builder = builder.header("content-length", n);
        }
        builder.body(body.to_vec()).expect("response")
    };
    let download = Download::new("https://cdn.example.test/a.png").max_bytes(8);
    let media: Media =
        config.parse(&download, answer(200, "image/png", Some(8), b"\x89PNG\r\n\x1a\n")).expect("an image");
    assert_eq!((media.extension(), media.bytes.len()), ("png", 8));
    // The bytes decide what a file is, not the label: a JPEG sent as image/png is a .jpg.
    let jpeg = config.parse(&download, answer(200, "image/png", None, b"\xFF\xD8\xFF\xE0")).expect("a jpeg");
    assert_eq!(jpeg.extension(), "jpg");
    let kind = |status, content_type, length, body: &[u8]| {
        config.parse(&download, answer(status, content_type, length, body)).expect_err("refused").kind()
    };
    assert_eq!(kind(200, "text/html", None, b"<html>"), ErrorKind::WrongBaseUrl);
    assert_eq!(kind(200, "application/json", None, b"{}"), ErrorKind::Unexpected);
    assert_eq!(kind(200, "image/png", Some(9), b"\x89PNG"), ErrorKind::Interrupted, "cut short: worth a retry");
    // Whatever the label says, a body that is not an image or a video is refused.
    for (content_type, body) in [
        ("image/png", &b"<html>"[..]),
        ("image/svg+xml", b"<svg/>"),
        ("image/png", b"\0\0\0\0junk"),
        ("video/mp4", b"\x89PNG\r\n\x1a\n"),
    ] {
        let e = config.parse(&download, answer(200, content_type, None, body)).expect_err(content_type);
        assert_eq!(e.kind(), ErrorKind::Unexpected, "{e}");
        assert!(e.to_string().contains("not the"), "{e}");
    }
    let video = Download::new("https://cdn.example.test/a.mp4");
    let mp4 = config.parse(&video, answer(200, "video/mp4", None, b"\0\0\0\x18ftypmp42")).expect("an mp4");
    assert_eq!(mp4.extension(), "mp4");
    // A server's URL never points a client at cloud metadata, or at loopback when the
    // server is elsewhere; the simulator on loopback still serves its own images.
    for url in ["http://169.254.169.254/latest/meta-data", "http://[fe80::1]/a.png", "http://127.0.0.1:9/a.png"] {
        let e = config.build(&Download::new(url)).expect_err(url);
        assert!(e.to_string().contains("refusing to download"), "{e}");
    }
    let local = Config::new("http://127.0.0.1:8080").expect("config");
    assert!(local.build(&Download::new("http://127.0.0.1:8080/sim/image/1.png")).is_ok());
    assert!(local.build(&Download::new("http://169.254.169.254/x.png")).is_err());
    assert_eq!(kind(200, "image/png", None, b"0123456789"), ErrorKind::BodyTooLarge);
    assert_eq!(kind(503, "text/plain", None, b"busy"), ErrorKind::Server);
    assert_eq!(kind(404, "text/plain", None, b"gone"), ErrorKind::Unexpected);
    every_spelling_of_a_local_host_is_refused_unless_the_server_is_there();
}

/// Downloads are decided on the address, not the spelling: every form the system resolver
/// and URL parsers accept for loopback, the metadata service and `0.0.0.0` is refused when
/// the configured server is elsewhere, and allowed when the configured server is that host.
/// A name is marked for the transport to check what it resolves to.
fn every_spelling_of_a_local_host_is_refused_unless_the_server_is_there() {
    use mj_proto::endpoint::Download;
    let public = Config::new("https://api.example.com").expect("config");
    for host in [
        "127.0.0.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "[::ffff:0:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "127.0.0.1.",
        "localhost",
        "localhost.",
        "LocalHost",
        "x.localhost",
        "10.0.0.1",
        "192.168.1.1",
        "[::1]",
        "[fd00::1]",
        "[::ffff:169.254.169.254]",
        "2852039166",
        "169.254.169.254",
        "0",
        "0.0.0.0",
        "[::]",
        "[fe80::1]",
    ] {
        let url = format!("http://{host}:8080/a.png");
        let e = public.build(&Download::new(&url)).expect_err(&url);
        assert!(e.to_string().contains("refusing to download"), "{url}: {e}");
        // The configured server itself lives there: its own images are fetched.
        let there = Config::new(&format!("http://{host}:8080")).expect("config");
        let request = there.build(&Download::new(&url)).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(mj_proto::AddressCheck::of(&request), None, "{url}");
    }
    // Spellings that URL parsers turn into an address this check never saw are refused.
    for url in ["http://%31%32%37.0.0.1/a.png", "http://1.2.3.4.5/a.png"] {
        assert!(public.build(&Download::new(url)).is_err(), "{url}");
    }
    // A name is marked: the transport checks the addresses it resolves to before it
    // connects, allowing local ones only when the configured server is local.
    let request = public.build(&Download::new("https://cdn.example.net/a.png")).expect("a CDN");
    assert_eq!(mj_proto::AddressCheck::of(&request), Some(mj_proto::AddressCheck { allow_local: false }));
    let local = Config::new("http://127.0.0.1:8080").expect("config");
    let request = local.build(&Download::new("https://cdn.example.net/a.png")).expect("a CDN");
    assert_eq!(mj_proto::AddressCheck::of(&request), Some(mj_proto::AddressCheck { allow_local: true }));
    let request = public.build(&Download::new("https://8.8.8.8/a.png")).expect("a public address");
    assert_eq!(mj_proto::AddressCheck::of(&request), None);
}
