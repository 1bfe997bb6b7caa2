//! What a daily image cap counts for each submit: a grid 4, an upscale 1, a text none.

use mj_proto::endpoint::{ChangeAction, SimpleChange};
use mj_proto::prelude::*;

#[test]
fn each_submit_counts_the_images_its_task_makes() {
    assert_eq!(Imagine::new("a fox").images(), 4);
    assert_eq!(Blend::new(["data:image/png;base64,AA==", "data:image/png;base64,AA=="]).images(), 4);
    assert_eq!(Describe::new("data:image/png;base64,AA==").images(), 0);
    assert_eq!(Shorten::new("a long prompt").images(), 0);
    assert_eq!(Action::new("1", "MJ::JOB::upsample::1::abc").images(), 1);
    assert_eq!(Action::new("1", "MJ::JOB::upsample_v6_2x_subtle::1::abc::SOLO").images(), 1);
    assert_eq!(Action::new("1", "MJ::JOB::variation::1::abc").images(), 4);
    assert_eq!(Action::new("1", "MJ::Job::PicReader::1").images(), 0);
    assert_eq!(Change::upscale("1", 2).images(), 1);
    assert_eq!(Change::variation("1", 2).images(), 4);
    assert_eq!(SimpleChange::new("1", ChangeAction::Upscale, 3).images(), 1);
    assert_eq!(SimpleChange::new("1", ChangeAction::Reroll, 1).images(), 4);
}

#[test]
fn each_submit_is_priced_as_its_action() {
    assert_eq!(Imagine::new("a fox").price_key(), "imagine");
    assert_eq!(Describe::new("data:image/png;base64,AA==").price_key(), "describe");
    assert_eq!(Action::new("1", "MJ::JOB::upsample::1::abc").price_key(), "upscale");
    assert_eq!(Action::new("1", "MJ::JOB::reroll::0::abc::SOLO").price_key(), "variation");
    assert_eq!(Change::upscale("1", 2).price_key(), "upscale");
    assert_eq!(Modal::new("1").price_key(), "variation");
}
