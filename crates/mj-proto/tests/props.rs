//! Property tests: lenient fields read `n` and `"n"` alike, the model survives any mix of
//! wire representations, and no input of any shape makes a parser panic.

mod common;

use common::Answer;
use common::kind::{self as inspect, KINDS};
use common::response;
use mj_proto::model::{ComponentValue, Timestamp};
use mj_proto::prelude::*;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// How a present value is written on the wire.
#[derive(Clone, Copy, Debug)]
enum Repr {
    Number,
    Text,
}

/// How an absent value is written on the wire.
#[derive(Clone, Copy, Debug)]
enum Absent {
    Missing,
    Null,
    Empty,
}

fn repr() -> impl Strategy<Value = Repr> {
    prop_oneof![Just(Repr::Number), Just(Repr::Text)]
}

fn absent() -> impl Strategy<Value = Absent> {
    prop_oneof![Just(Absent::Missing), Just(Absent::Null), Just(Absent::Empty)]
}

fn put_absent(map: &mut Map<String, Value>, key: &str, how: Absent, empty: Value) {
    match how {
        Absent::Missing => {}
        Absent::Null => {
            map.insert(key.into(), Value::Null);
        }
        Absent::Empty => {
            map.insert(key.into(), empty);
        }
    }
}

fn put_int(map: &mut Map<String, Value>, key: &str, value: Option<u64>, how: (Repr, Absent), zero_is_unset: bool) {
    match value {
        Some(n) => {
            let v = match how.0 {
                Repr::Number => json!(n),
                Repr::Text => json!(n.to_string()),
            };
            map.insert(key.into(), v);
        }
        None => put_absent(map, key, how.1, if zero_is_unset { json!(0) } else { json!("") }),
    }
}

fn put_text(map: &mut Map<String, Value>, key: &str, value: &Option<String>, how: Absent) {
    match value {
        Some(s) => {
            map.insert(key.into(), json!(s));
        }
        None => put_absent(map, key, how, json!("")),
    }
}

fn text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        "[a-z ]{1,20}",
        "\\PC{1,12}",
        Just("1\u{fe0f}\u{20e3} 猫 --ar 5:4".to_owned()),
        Just("\u{fe0f}leading selector".to_owned()),
    ])
}

fn status() -> impl Strategy<Value = TaskStatus> {
    prop_oneof![
        Just(TaskStatus::Empty),
        Just(TaskStatus::NotStart),
        Just(TaskStatus::Submitted),
        Just(TaskStatus::Modal),
        Just(TaskStatus::InProgress),
        Just(TaskStatus::Failure),
        Just(TaskStatus::Success),
        Just(TaskStatus::Cancel),
        "[A-Z_]{3,10}".prop_map(|s| TaskStatus::from_name(&s)),
    ]
}

#[derive(Clone, Debug)]
struct ButtonCase {
    custom_id: String,
    label: Option<String>,
    emoji: Option<String>,
    kind_code: Option<i64>,
    style: Option<i64>,
    reprs: (Repr, Repr, Absent, Absent),
}

fn button() -> impl Strategy<Value = ButtonCase> {
    (
        "MJ::JOB::(upsample|variation)::[1-4]::[0-9a-f]{8}",
        text(),
        text(),
        prop::option::of(0i64..5),
        prop::option::of(0i64..5),
        (repr(), repr(), absent(), absent()),
    )
        .prop_map(|(custom_id, label, emoji, kind_code, style, reprs)| ButtonCase {
            custom_id,
            label,
            emoji,
            kind_code,
            style,
            reprs,
        })
}

#[derive(Clone, Debug)]
struct TaskCase {
    id: u64,
    id_repr: Repr,
    status: TaskStatus,
    status_null: bool,
    prompt: Option<String>,
    fail_reason: Option<String>,
    times: [Option<u64>; 3],
    time_reprs: [(Repr, Absent); 3],
    progress: Option<u8>,
    height: Option<u64>,
    height_repr: (Repr, Absent),
    buttons: Option<Vec<ButtonCase>>,
    buttons_null: bool,
    text_absent: Absent,
}

fn task_case() -> impl Strategy<Value = TaskCase> {
    (
        (1u64..=9_999_999_999_999_999, repr(), status(), any::<bool>()),
        (text(), text(), absent()),
        (
            [
                prop::option::of(1u64..=4_102_444_800_000),
                prop::option::of(1u64..=4_102_444_800_000),
                prop::option::of(1u64..=4_102_444_800_000),
            ],
            [(repr(), absent()), (repr(), absent()), (repr(), absent())],
        ),
        (prop::option::of(0u8..=100), prop::option::of(1u64..=8192), (repr(), absent())),
        (prop::option::of(prop::collection::vec(button(), 0..9)), any::<bool>()),
    )
        .prop_map(
            |(
                (id, id_repr, status, status_null),
                (prompt, fail_reason, text_absent),
                (times, time_reprs),
                (progress, height, height_repr),
                (buttons, buttons_null),
            )| TaskCase {
                id,
                id_repr,
                status,
                status_null,
                prompt,
                fail_reason,
                times,
                time_reprs,
                progress,
                height,
                height_repr,
                buttons,
                buttons_null,
                text_absent,
            },
        )
}

impl TaskCase {
    fn wire(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "id".into(),
            match self.id_repr {
                Repr::Number => json!(self.id),
                Repr::Text => json!(self.id.to_string()),
            },
        );
        if self.status == TaskStatus::Empty && self.status_null {
            m.insert("status".into(), Value::Null);
        } else {
            m.insert("status".into(), json!(self.status.as_str()));
        }
        put_text(&mut m, "prompt", &self.prompt, self.text_absent);
        put_text(&mut m, "failReason", &self.fail_reason, self.text_absent);
        for ((key, value), how) in ["submitTime", "startTime", "finishTime"].iter().zip(self.times).zip(self.time_reprs)
        {
            put_int(&mut m, key, value, how, true);
        }
        if let Some(p) = self.progress {
            m.insert("progress".into(), json!(format!("{p}%")));
        }
        put_int(&mut m, "imageHeight", self.height, self.height_repr, false);
        match &self.buttons {
            Some(buttons) => {
                let list: Vec<Value> = buttons.iter().map(ButtonCase::wire).collect();
                m.insert("buttons".into(), Value::Array(list));
            }
            None if self.buttons_null => {
                m.insert("buttons".into(), Value::Null);
            }
            None => {}
        }
        Value::Object(m)
    }

    fn check(&self, task: &Task) {
        assert_eq!(task.id, self.id.to_string());
        assert_eq!(task.status, self.status);
        assert_eq!(task.prompt, self.prompt);
        assert_eq!(task.fail_reason, self.fail_reason);
        let times = [task.submit_time, task.start_time, task.finish_time];
        assert_eq!(times, self.times.map(|t| t.map(Timestamp::from_millis)));
        assert_eq!(task.progress_percent(), self.progress);
        assert_eq!(task.image_height.map(u64::from), self.height);
        let buttons = self.buttons.as_deref().unwrap_or_default();
        assert_eq!(task.buttons.len(), buttons.len());
        for (got, want) in task.buttons.iter().zip(buttons) {
            assert_eq!(got.custom_id, want.custom_id);
            assert_eq!(got.label, want.label);
            assert_eq!(got.emoji, want.emoji);
            assert_eq!(got.kind_code, want.kind_code.map(ComponentValue::Int));
            assert_eq!(got.style, want.style.map(ComponentValue::Int));
        }
    }
}

impl ButtonCase {
    fn wire(&self) -> Value {
        let mut m = Map::new();
        m.insert("customId".into(), json!(self.custom_id));
        put_text(&mut m, "label", &self.label, self.reprs.2);
        put_text(&mut m, "emoji", &self.emoji, self.reprs.3);
        for (key, value, repr, absent) in
            [("type", self.kind_code, self.reprs.0, self.reprs.2), ("style", self.style, self.reprs.1, self.reprs.3)]
        {
            match value {
                Some(n) => {
                    m.insert(
                        key.into(),
                        match repr {
                            Repr::Number => json!(n),
                            Repr::Text => json!(n.to_string()),
                        },
                    );
                }
                None if matches!(absent, Absent::Null) => {
                    m.insert(key.into(), Value::Null);
                }
                None => {}
            }
        }
        Value::Object(m)
    }
}

fn fetch(body: Vec<u8>) -> Task {
    common::any_task(body)
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "\\PC{0,16}".prop_map(Value::String),
        prop_oneof![Just("SUCCESS"), Just("65%"), Just("MJ::JOB::upsample::1::a"), Just("")].prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("id".to_owned()),
            Just("status".to_owned()),
            Just("code".to_owned()),
            Just("result".to_owned()),
            Just("buttons".to_owned()),
            Just("type".to_owned()),
            Just("style".to_owned()),
            Just("properties".to_owned()),
            Just("submitTime".to_owned()),
            Just("content".to_owned()),
            Just("error".to_owned()),
            Just("imageUrls".to_owned()),
            "[a-zA-Z]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn status_code() -> impl Strategy<Value = u16> {
    prop_oneof![Just(200u16), Just(204), Just(400), Just(401), Just(404), Just(429), Just(500), 100u16..=599]
}

proptest! {
    #[test]
    fn lenient_ints_read_numbers_and_numeric_strings_alike(n in 1u32..=u32::MAX, field in 0usize..4) {
        let key = ["submitTime", "imageHeight", "imageWidth", "finishTime"][field];
        let as_number = fetch(json!({"id": "1", key: n}).to_string().into_bytes());
        let as_text = fetch(json!({"id": "1", key: n.to_string()}).to_string().into_bytes());
        let read = match field {
            0 => as_number.submit_time.map(|t| t.as_millis()),
            1 => as_number.image_height.map(u64::from),
            2 => as_number.image_width.map(u64::from),
            _ => as_number.finish_time.map(|t| t.as_millis()),
        };
        prop_assert_eq!(read, Some(u64::from(n)), "the value itself is read, not dropped");
        prop_assert_eq!(as_number, as_text);
    }

    #[test]
    fn null_missing_and_empty_read_alike_for_every_optional_field(field in 0usize..14, how in 0usize..3) {
        const TEXT: [&str; 11] = ["prompt", "promptEn", "description", "state", "imageUrl", "videoUrl", "failReason",
            "botType", "mode", "parentId", "seed"];
        const OTHER: [&str; 3] = ["submitTime", "imageHeight", "buttons"];
        let key = TEXT.get(field).copied().unwrap_or_else(|| OTHER[field - TEXT.len()]);
        let base = json!({"id": "1", "status": "SUCCESS"});
        let mut with = base.clone();
        let value = match how {
            0 => Value::Null,
            1 if field < TEXT.len() => json!(""),
            1 if key == "buttons" => json!([]),
            // 0 means "not yet" for timestamps only (spec 4.3); a 0 height is kept.
            1 if key == "submitTime" => json!(0),
            _ => Value::Null,
        };
        with[key] = value;
        let missing = fetch(base.to_string().into_bytes());
        let unset = fetch(with.to_string().into_bytes());
        prop_assert_eq!(missing, unset, "`{}` = {} reads as missing", key, with[key]);
    }

    #[test]
    fn status_names_and_trueai_integers_read_alike(pick in 0usize..7) {
        let (name, n) = [("NOT_START", 0), ("SUBMITTED", 1), ("IN_PROGRESS", 3), ("FAILURE", 4), ("SUCCESS", 5),
            ("MODAL", 6), ("CANCEL", 7)][pick];
        let by_name = fetch(json!({"id": "1", "status": name}).to_string().into_bytes());
        let by_number = fetch(json!({"id": "1", "status": n}).to_string().into_bytes());
        prop_assert_eq!(by_name.status.to_string(), name);
        prop_assert_eq!(by_name, by_number);
    }

    #[test]
    fn button_type_and_style_read_n_and_quoted_n_alike(t in any::<i32>(), s in any::<i32>()) {
        let a = fetch(json!({"id": "1", "buttons": [{"customId": "c", "type": t, "style": s}]}).to_string().into_bytes());
        let b = fetch(json!({"id": "1", "buttons": [{"customId": "c", "type": t.to_string(), "style": s.to_string()}]}).to_string().into_bytes());
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.buttons[0].kind_code.clone(), Some(ComponentValue::Int(i64::from(t))));
    }

    #[test]
    fn submit_code_result_and_queue_read_n_and_quoted_n_alike(id in 1u64..=u64::MAX / 2, ahead in 0u32..10_000) {
        let parse = |body: Value| Imagine::new("x").answer(response(200, body.to_string())).expect("accepted");
        let a = parse(json!({"code": 22, "result": id, "properties": {"numberOfQueues": ahead}}));
        let b = parse(json!({"code": "22", "result": id.to_string(), "properties": {"numberOfQueues": ahead.to_string()}}));
        prop_assert_eq!(&a.task_id, &b.task_id);
        prop_assert_eq!(&a.outcome, &SubmitOutcome::Queued { ahead: Some(ahead) });
        prop_assert_eq!(&a.outcome, &b.outcome);
    }

    #[test]
    fn tasks_survive_any_mix_of_wire_representations(case in task_case()) {
        let body = case.wire().to_string().into_bytes();
        let task = fetch(body);
        case.check(&task);
        // mj's own rendering decodes to the same model.
        let again = fetch(serde_json::to_vec(&task).expect("serializes"));
        prop_assert_eq!(task, again);
    }

    #[test]
    fn no_bytes_panic_any_parser(body in prop::collection::vec(any::<u8>(), 0..512), status in status_code()) {
        for kind in KINDS {
            let _ = inspect::decode(kind, response(status, body.clone()));
        }
        let _ = mj_proto::webhook::parse(&body);
        let _ = mj_proto::model::ErrorEnvelope::parse(&body);
    }

    #[test]
    fn no_json_panics_any_parser(value in any_json(), status in status_code()) {
        let body = value.to_string().into_bytes();
        for kind in KINDS {
            let _ = inspect::decode(kind, response(status, body.clone()));
        }
        let wrapped = json!({"id": "1", "status": value.clone(), "buttons": [value.clone()], "properties": value.clone(),
                             "submitTime": value.clone(), "imageUrls": value.clone(), "progress": value});
        let _ = Fetch::new("1").answer(response(status, wrapped.to_string()));
    }

    #[test]
    fn truncated_task_bodies_are_errors_never_panics(case in task_case(), cut in 0.0f64..1.0) {
        let body = case.wire().to_string().into_bytes();
        let end = ((body.len() as f64) * cut) as usize;
        let result = Fetch::new("x").answer(response(200, body[..end].to_vec()));
        if end > 0 && end < body.len() {
            prop_assert!(result.is_err());
        }
    }
}

#[test]
fn hostile_nesting_and_numbers_are_typed_errors() {
    let deep = "[".repeat(100_000);
    let e = Fetch::new("1").answer(response(200, deep)).expect_err("deep");
    assert_eq!(e.kind(), ErrorKind::Decode, "the recursion limit strikes before the end: {e}");
    let deep_closed = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(Fetch::new("1").answer(response(200, deep_closed)).is_err());
    // Properties are kept raw and parsed on first use; a map too deep to build reads as empty.
    let nested_props = format!(r#"{{"id":"1","properties":{}1{}}}"#, "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let task = Fetch::new("1").answer(response(200, nested_props)).expect("decodes").expect("task");
    assert!(task.properties.is_empty() && task.properties.final_prompt().is_none());
    let huge = r#"{"id":"1","submitTime":1e400}"#;
    assert_eq!(Fetch::new("1").answer(response(200, huge)).expect_err("huge").kind(), ErrorKind::Decode);
    // Too big for its field: decoding is total, so the value is kept and named, not fatal.
    let big = r#"{"id":123456789012345678901234567890,"imageHeight":99999999999}"#;
    let task = fetch(big.as_bytes().to_vec());
    assert_eq!(task.image_height, None);
    assert_eq!(task.quirks().iter().map(|q| q.path.as_str()).collect::<Vec<_>>(), ["imageHeight"]);
    assert_eq!(task.extra.get("imageHeight"), Some(&json!(99_999_999_999u64)));
    let ok = r#"{"id":"1","submitTime":18446744073709551615,"progress":"999%"}"#;
    let task = Fetch::new("1").answer(response(200, ok)).expect("ok").expect("task");
    assert_eq!(task.progress_percent(), Some(100));
}
