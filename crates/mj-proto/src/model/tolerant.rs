//! Decoding a member without ever failing on its shape.
//!
//! The lenient helpers in [`crate::model::lenient`] read every shape a field is known to take.
//! [`Tolerant`] wraps one of them so that any other shape is not an error but the value
//! itself, kept as [`Read::Odd`]: the caller stores it verbatim and reports a
//! [`Quirk`](crate::model::Quirk). Scalars cost nothing extra (the primitive is handed
//! to the field's own visitor); objects and arrays go straight to fields that read them
//! and are total themselves, and are buffered as a `Value` only for fields that do not.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{
    BoolDeserializer, BorrowedStrDeserializer, Error as Plain, F64Deserializer, I64Deserializer, MapAccessDeserializer,
    SeqAccessDeserializer, StrDeserializer, StringDeserializer, U64Deserializer, UnitDeserializer,
};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// What a tolerant read of a member gave.
pub(crate) enum Read<T> {
    /// The field read it.
    Typed(T),
    /// A shape the field does not read: the value as sent, and what was expected.
    Odd(Value, String),
}

/// How a field takes objects and arrays.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nested {
    /// It reads neither: an object or array is odd at once.
    Never,
    /// It reads them and is total itself for them: handed over as they stream.
    Direct,
    /// It may read them, but could fail inside: buffered as a `Value`, then tried.
    Buffered,
}

/// A field type that [`Tolerant`] can wrap.
pub(crate) trait Member<'de>: Deserialize<'de> {
    /// What the field reads, for quirks of objects and arrays it does not take.
    const EXPECTED: &'static str;
    /// How it takes objects.
    const MAPS: Nested = Nested::Never;
    /// How it takes arrays.
    const SEQS: Nested = Nested::Never;
}

/// Text that may arrive as a string, a number or a bool, or null ([`lenient::opt_text`]):
/// the member type shared by every visitor that reads text tolerantly.
///
/// [`lenient::opt_text`]: crate::model::lenient::opt_text
pub(crate) struct OptText(pub(crate) Option<String>);

impl<'de> Deserialize<'de> for OptText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::model::lenient::opt_text(d).map(OptText)
    }
}

impl Member<'_> for OptText {
    const EXPECTED: &'static str = "a string, a number or null";
}

/// A member read with [`Member`] `T`, or kept as it came.
pub(crate) struct Tolerant<T>(pub(crate) Read<T>);

impl<'de, T: Member<'de>> Deserialize<'de> for Tolerant<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TolerantVisitor(PhantomData)).map(Tolerant)
    }
}

struct TolerantVisitor<T>(PhantomData<T>);

/// `T` read from a primitive, or the primitive as an odd value.
fn attempt<'de, T: Deserialize<'de>>(typed: Result<T, Plain>, value: impl FnOnce() -> Value) -> Read<T> {
    match typed {
        Ok(t) => Read::Typed(t),
        Err(e) => Read::Odd(value(), e.to_string()),
    }
}

impl<'de, T: Member<'de>> TolerantVisitor<T> {
    fn nested(value: Value) -> Read<T> {
        let how = if value.is_array() { T::SEQS } else { T::MAPS };
        match how {
            Nested::Never => {
                let kind = if value.is_array() { "sequence" } else { "map" };
                Read::Odd(value, format!("invalid type: {kind}, expected {}", T::EXPECTED))
            }
            _ => match T::deserialize(value.clone()) {
                Ok(t) => Read::Typed(t),
                Err(e) => Read::Odd(value, e.to_string()),
            },
        }
    }
}

impl<'de, T: Member<'de>> Visitor<'de> for TolerantVisitor<T> {
    type Value = Read<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Read<T>, E> {
        Ok(attempt(T::deserialize(BoolDeserializer::<Plain>::new(v)), || Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Read<T>, E> {
        Ok(attempt(T::deserialize(I64Deserializer::<Plain>::new(v)), || Value::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Read<T>, E> {
        Ok(attempt(T::deserialize(U64Deserializer::<Plain>::new(v)), || Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Read<T>, E> {
        Ok(attempt(T::deserialize(F64Deserializer::<Plain>::new(v)), || Value::from(v)))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Read<T>, E> {
        Ok(attempt(T::deserialize(BorrowedStrDeserializer::<Plain>::new(v)), || Value::from(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Read<T>, E> {
        Ok(attempt(T::deserialize(StrDeserializer::<Plain>::new(v)), || Value::from(v)))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Read<T>, E> {
        let kept = v.clone();
        Ok(attempt(T::deserialize(StringDeserializer::<Plain>::new(v)), || Value::String(kept)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Read<T>, E> {
        Ok(attempt(T::deserialize(UnitDeserializer::<Plain>::new()), || Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Read<T>, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Read<T>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Read<T>, A::Error> {
        match T::MAPS {
            Nested::Direct => T::deserialize(MapAccessDeserializer::new(map)).map(Read::Typed),
            _ => Value::deserialize(MapAccessDeserializer::new(map)).map(Self::nested),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Read<T>, A::Error> {
        match T::SEQS {
            Nested::Direct => T::deserialize(SeqAccessDeserializer::new(seq)).map(Read::Typed),
            _ => Value::deserialize(SeqAccessDeserializer::new(seq)).map(Self::nested),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Read<OptText> {
        serde_json::from_str::<Tolerant<OptText>>(json).expect("never fails on a shape").0
    }

    #[test]
    fn known_shapes_are_typed_and_others_kept() {
        for (json, typed) in [(r#""a""#, Some("a")), ("7", Some("7")), ("null", None), ("true", Some("true"))] {
            match read(json) {
                Read::Typed(OptText(t)) => assert_eq!(t.as_deref(), typed, "{json}"),
                Read::Odd(v, _) => panic!("{json} came back odd: {v}"),
            }
        }
        for json in [r#"{"name":"🪄","id":null}"#, "[1,[2]]"] {
            match read(json) {
                Read::Odd(v, expected) => {
                    assert_eq!(v, serde_json::from_str::<Value>(json).expect("json"));
                    assert!(expected.contains("expected a string"), "{expected}");
                }
                Read::Typed(_) => panic!("{json} was typed"),
            }
        }
    }
}
