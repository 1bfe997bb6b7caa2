//! Hand-written serde visitors for fields whose JSON type differs between servers.
//!
//! Each helper reads every shape spec §8 lists for its field and nothing more; a value of
//! another shape is an error here, which [`crate::model::tolerant::Tolerant`] turns into a kept,
//! reported member where decoding must be total (tasks, buttons, submit answers). They go
//! through `deserialize_any`, which serde_json answers without building a `Value`.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::scalar::{self, Scalar};

/// Text that may arrive as a string, a number or a bool (the text of the value), or as
/// null. The empty string counts as unset: servers write `""` where others write null.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    scalar::read(d, TextReader { names: &[] })
}

/// An enum that servers write by name, and old trueai webhooks by its C# declaration
/// index: a name is kept as it is, an index in `names` becomes that name, any other
/// number its digits; null and `""` are unset.
pub(crate) fn opt_named<'de, D: Deserializer<'de>>(
    d: D,
    names: &'static [&'static str],
) -> Result<Option<String>, D::Error> {
    scalar::read(d, TextReader { names })
}

/// Text, with numbers read through `names` (none for plain text).
struct TextReader {
    names: &'static [&'static str],
}

impl TextReader {
    fn number(&self, n: u64) -> String {
        usize::try_from(n).ok().and_then(|i| self.names.get(i)).map_or_else(|| n.to_string(), |name| (*name).to_owned())
    }
}

impl Scalar<'_> for TextReader {
    type Value = String;

    fn expecting(&self) -> &'static str {
        "a string, a number or null"
    }
    fn text<E: de::Error>(self, v: &str) -> Result<Option<String>, E> {
        Ok((!v.is_empty()).then(|| v.to_owned()))
    }
    fn owned_text<E: de::Error>(self, v: String) -> Result<Option<String>, E> {
        Ok((!v.is_empty()).then_some(v))
    }
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<String>, E> {
        Ok(Some(self.number(v)))
    }
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<String>, E> {
        Ok(Some(u64::try_from(v).map_or_else(|_| v.to_string(), |n| self.number(n))))
    }
    fn float<E: de::Error>(self, v: f64) -> Result<Option<String>, E> {
        Ok(Some(zero_signless(v).to_string()))
    }
    fn boolean<E: de::Error>(self, v: bool) -> Result<Option<String>, E> {
        Ok(Some(v.to_string()))
    }
}

/// trueai's `EBotType` in declaration order.
pub(crate) const BOT_TYPES: &[&str] = &["MID_JOURNEY", "NIJI_JOURNEY", "INSIGHT_FACE"];
/// trueai's `GenerationSpeedMode` in declaration order.
pub(crate) const SPEED_MODES: &[&str] = &["RELAX", "FAST", "TURBO"];

/// `botType`/`realBotType`: a name, or trueai's old integer.
pub(crate) fn opt_bot_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    opt_named(d, BOT_TYPES)
}

/// `mode`/`requestMode`: a name, or trueai's old integer.
pub(crate) fn opt_speed_mode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    opt_named(d, SPEED_MODES)
}

/// A task id: a string or a bare number (new-api), kept as text; null or absent is `""`.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_text(d)?.unwrap_or_default())
}

/// An integer that may arrive as a number, a numeric string, or null / `""` (unset).
pub(crate) fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    scalar::read(d, IntReader)
}

struct IntReader;

impl Scalar<'_> for IntReader {
    type Value = i64;

    fn expecting(&self) -> &'static str {
        "an integer, a numeric string or null"
    }
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<i64>, E> {
        i64::try_from(v).map(Some).map_err(|_| self.invalid(de::Unexpected::Unsigned(v)))
    }
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<i64>, E> {
        Ok(Some(v))
    }
    fn float<E: de::Error>(self, v: f64) -> Result<Option<i64>, E> {
        whole_f64(v).map(Some).ok_or_else(|| self.invalid(de::Unexpected::Float(v)))
    }
    fn text<E: de::Error>(self, v: &str) -> Result<Option<i64>, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<i64>().map(Some).map_err(|_| self.invalid(de::Unexpected::Str(v)))
    }
}

/// A float with no fractional part that fits an `i64`, as an `i64`.
fn whole_f64(v: f64) -> Option<i64> {
    // 2^63 is exactly representable; anything at or above it does not fit.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (v.is_finite() && v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v)).then_some(v as i64)
}

/// A non-negative integer that fits `u32` (image sizes, counts); see [`opt_int`].
pub(crate) fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match opt_int(d)? {
        None => Ok(None),
        Some(v) => u32::try_from(v)
            .map(Some)
            .map_err(|_| de::Error::invalid_value(de::Unexpected::Signed(v), &"a non-negative 32-bit integer")),
    }
}

/// A count that defaults to zero when null or absent.
pub(crate) fn u64_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match opt_int(d)? {
        None => Ok(0),
        Some(v) => {
            u64::try_from(v).map_err(|_| de::Error::invalid_value(de::Unexpected::Signed(v), &"a non-negative integer"))
        }
    }
}

/// A flag that may arrive as a bool, `0`/`1`, `"true"`/`"false"`, or null (false).
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(scalar::read(d, FlagReader)?.unwrap_or(false))
}

struct FlagReader;

impl Scalar<'_> for FlagReader {
    type Value = bool;

    fn expecting(&self) -> &'static str {
        "a bool, 0 or 1, or null"
    }
    fn boolean<E: de::Error>(self, v: bool) -> Result<Option<bool>, E> {
        Ok(Some(v))
    }
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<bool>, E> {
        Ok(Some(v != 0))
    }
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<bool>, E> {
        Ok(Some(v != 0))
    }
    fn text<E: de::Error>(self, v: &str) -> Result<Option<bool>, E> {
        match v.trim() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" | "" => Ok(Some(false)),
            _ => Err(self.invalid(de::Unexpected::Str(v))),
        }
    }
}

/// An array that may be null (new-api writes `"buttons": null`): null becomes empty.
///
/// Decoded tasks are kept, often by the thousand, so the vector is allocated once at its
/// exact length: the first items wait in a stack buffer (buttons number 0 to 13), and
/// only longer arrays grow and are trimmed.
pub(crate) fn vec_or_null<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    d.deserialize_option(OptionVisitor(std::marker::PhantomData))
}

/// Items buffered on the stack before the vector is allocated.
const BUFFERED: usize = 16;

struct OptionVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for OptionVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(ExactVec(std::marker::PhantomData))
    }
    // A deserializer that has no options of its own (an array handed over as it streams)
    // answers `deserialize_option` with the array itself.
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Vec<T>, A::Error> {
        ExactVec(std::marker::PhantomData).visit_seq(seq)
    }
}

struct ExactVec<T>(std::marker::PhantomData<T>);

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for ExactVec<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut buffer: [Option<T>; BUFFERED] = [const { None }; BUFFERED];
        let mut count = 0;
        while count < BUFFERED {
            match seq.next_element()? {
                Some(item) => buffer[count] = Some(item),
                None => break,
            }
            count += 1;
        }
        let mut items = Vec::with_capacity(count);
        items.extend(buffer[..count].iter_mut().filter_map(Option::take));
        if count == BUFFERED {
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            items.shrink_to_fit();
        }
        Ok(items)
    }
}

/// Skips a map entry's value; used by hand-written struct visitors for unknown keys.
pub(crate) fn skip_value<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// A string (a member name, a raw value's text), borrowed from the body when it has no
/// escapes.
pub(crate) struct CowStr<'de>(pub(crate) std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct CowVisitor;
        impl<'de> Visitor<'de> for CowVisitor {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(v.to_owned().into()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(v.into()))
            }
        }
        d.deserialize_str(CowVisitor)
    }
}

/// `v`, with -0 read as 0: parsers disagree on whether the text `-0` is the integer 0 or
/// the float -0.0, and the text a field keeps must not depend on the parser.
pub(crate) fn zero_signless(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_text")]
        t: Option<String>,
        #[serde(default, deserialize_with = "opt_int")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "flag")]
        b: bool,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).expect("probe decodes")
    }

    #[test]
    fn text_accepts_strings_numbers_and_null() {
        assert_eq!(probe(r#"{"t":"a"}"#).t.as_deref(), Some("a"));
        assert_eq!(probe(r#"{"t":1320098173412546}"#).t.as_deref(), Some("1320098173412546"));
        assert_eq!(probe(r#"{"t":-3}"#).t.as_deref(), Some("-3"));
        assert_eq!(probe(r#"{"t":null}"#).t, None);
        assert_eq!(probe(r#"{"t":""}"#).t, None);
        assert_eq!(probe(r#"{}"#).t, None);
        assert!(serde_json::from_str::<Probe>(r#"{"t":{}}"#).is_err());
    }

    #[test]
    fn int_accepts_numeric_strings_and_rejects_garbage() {
        assert_eq!(probe(r#"{"i":"42"}"#).i, Some(42));
        assert_eq!(probe(r#"{"i":" 7 "}"#).i, Some(7));
        assert_eq!(probe(r#"{"i":2.0}"#).i, Some(2));
        assert_eq!(probe(r#"{"i":""}"#).i, None);
        assert!(serde_json::from_str::<Probe>(r#"{"i":"two"}"#).is_err());
        assert!(serde_json::from_str::<Probe>(r#"{"i":2.5}"#).is_err());
        assert!(serde_json::from_str::<Probe>(r#"{"i":1e300}"#).is_err());
        assert!(serde_json::from_str::<Probe>(r#"{"i":18446744073709551615}"#).is_err());
    }

    #[test]
    fn flags() {
        assert!(probe(r#"{"b":1}"#).b);
        assert!(probe(r#"{"b":"true"}"#).b);
        assert!(!probe(r#"{"b":null}"#).b);
    }
}
