//! One request of every endpoint, as the snapshot tests render them and the simulator
//! tests send them to every flavor (shared with `tests/tests/sim_flavors.rs`).

use mj_proto::endpoint::ChangeAction;
use mj_proto::model::VideoMotion;
use mj_proto::prelude::*;
use mj_proto::{Error, HttpRequest};

/// A small valid PNG as a data URL.
pub const PNG: &str = "data:image/png;base64,iVBORw0KGgo=";

/// Every endpoint's request built with `config`, named.
pub fn every_request(config: &Config) -> Vec<(&'static str, Result<HttpRequest, Error>)> {
    vec![
        (
            "imagine",
            config.build(
                &Imagine::new("a red fox in the snow --ar 3:2").image(PNG).image("https://example.test/ref.png"),
            ),
        ),
        (
            "imagine_with_options",
            config.build(
                &Imagine::new("猫猫 1\u{fe0f}\u{20e3}")
                    .state("order-17")
                    .notify_hook("https://example.test/hook")
                    .bot_type(BotType::NijiJourney)
                    .account_filter(AccountFilter::modes([SpeedMode::Fast])),
            ),
        ),
        ("change_upscale", config.build(&Change::upscale("1747190313867714", 2))),
        ("change_reroll", config.build(&Change::reroll("1747190313867714"))),
        ("simple_change", config.build(&SimpleChange::new("1747190313867714", ChangeAction::Variation, 3))),
        ("describe_data_url", config.build(&Describe::new(PNG))),
        ("describe_link", config.build(&Describe::new("https://example.test/cat.png"))),
        ("blend", config.build(&Blend::new([PNG, PNG, PNG]).dimensions(BlendDimensions::Landscape))),
        ("shorten", config.build(&Shorten::new("\u{fe0f}please create a whale with bioluminescent scales"))),
        ("action", config.build(&Action::new("1747190313867714", "MJ::JOB::upsample::1::e116ba11").same_channel(true))),
        ("modal", config.build(&Modal::new("1748339029401830").prompt("a cat --zoom 1.5").mask(PNG))),
        ("video", config.build(&Video::new("the fox runs", PNG).motion(VideoMotion::High))),
        ("video_extend", config.build(&Video::extend("keep running", "1748339029401830", 0))),
        ("edits", config.build(&Edits::new("make it night", "https://example.test/a.png"))),
        ("retexture", config.build(&Edits::retexture("brushed steel", PNG))),
        ("upload_discord_images", config.build(&UploadDiscordImages::new([PNG]))),
        ("swap_face", config.build(&SwapFace::new(PNG, "https://example.test/target.png"))),
        (
            "video_swap_link",
            config.build(
                &VideoSwap::new("https://example.test/face.png", VideoTarget::Url("https://example.test/v.mp4".into()))
                    .state("order-17")
                    .account_filter(AccountFilter::modes([SpeedMode::Fast, SpeedMode::Relax])),
            ),
        ),
        (
            "video_swap_file",
            config.build(&VideoSwap::new(PNG, VideoTarget::file("clip.mp4", "video/mp4", *b"\0\0\0\x18ftypmp42"))),
        ),
        ("fetch", config.build(&Fetch::new("1747190313867714"))),
        ("fetch_hostile_id", config.build(&Fetch::new("../admin?x=1#y z"))),
        ("list_by_condition", config.build(&ListByCondition::new(["1", "2"]))),
        ("list", config.build(&ListTasks::new())),
        ("queue", config.build(&Queue::new())),
        ("cancel", config.build(&Cancel::new("1747190313867714"))),
        ("image_seed", config.build(&ImageSeed::new("1747190313867714"))),
        ("query", config.build(&Query::new().page(2, 50).status(TaskStatus::Success).with_state("order-17"))),
    ]
}
