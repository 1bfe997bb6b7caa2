//! Raw JSON text captured while decoding.
//!
//! serde_json hands out a value's raw text only through its private newtype token.
//! [`RawJson`] asks for it; any other deserializer (a `serde_json::Value`, say) answers
//! with `visit_newtype_struct` or a plain map and gets its value written out as compact
//! JSON. So the same model types decode from a body and from a `Value` with the same result.

use std::borrow::Cow;
use std::fmt::{self, Write};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::model::lenient::CowStr;

/// serde_json's `RawValue` token (`serde_json::raw::TOKEN`).
const SERDE_JSON_RAW: &str = "$serde_json::private::RawValue";

/// One JSON value's text, as it stood in the body (borrowed from it when the backend
/// allows). Serializing with serde_json writes the text back verbatim.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RawJson<'a>(Cow<'a, str>);

impl<'a> RawJson<'a> {
    /// The JSON text, exactly as it stood in the body.
    pub fn get(&self) -> &str {
        &self.0
    }

    /// True when the text points into the body rather than owning a copy.
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    /// Parses the text as `T` (with serde_json).
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.0)
    }

    /// The text, owned.
    pub fn into_owned(self) -> RawJson<'static> {
        RawJson(Cow::Owned(self.0.into_owned()))
    }

    pub(crate) fn into_cow(self) -> Cow<'a, str> {
        self.0
    }
}

impl fmt::Debug for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for RawJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // serde_json's serializer writes a struct under its raw token as the text itself.
        let mut raw = s.serialize_struct(SERDE_JSON_RAW, 1)?;
        raw.serialize_field(SERDE_JSON_RAW, &*self.0)?;
        raw.end()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct(SERDE_JSON_RAW, SerdeJsonRaw)
    }
}

/// Asked with serde_json's token: serde_json answers with a one-member map.
struct SerdeJsonRaw;

impl<'de> Visitor<'de> for SerdeJsonRaw {
    type Value = RawJson<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        match map.next_key::<CowStr<'de>>()? {
            Some(CowStr(key)) if key == SERDE_JSON_RAW => Ok(RawJson(map.next_value::<CowStr<'de>>()?.0)),
            // A deserializer that took the newtype for its content: this is a real object.
            first => {
                let mut out = String::from("{");
                if let Some(CowStr(key)) = first {
                    write_str(&mut out, &key);
                    out.push(':');
                    map.next_value_seed(Transcode(&mut out))?;
                    while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
                        out.push(',');
                        write_str(&mut out, &key);
                        out.push(':');
                        map.next_value_seed(Transcode(&mut out))?;
                    }
                }
                out.push('}');
                Ok(RawJson(Cow::Owned(out)))
            }
        }
    }

    /// Not serde_json: write the value out.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let mut out = String::new();
        Transcode(&mut out).deserialize(d)?;
        Ok(RawJson(Cow::Owned(out)))
    }
}

/// Writes whatever value it is given as compact JSON.
struct Transcode<'o>(&'o mut String);

impl<'de> DeserializeSeed<'de> for Transcode<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Transcode<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // serde_json's own text for the number (null for the non-finite, as it writes them).
        self.0.push_str(&serde_json::to_string(&v).unwrap_or_else(|_| "null".to_owned()));
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        write_str(self.0, v);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push_str("null");
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push('[');
        let mut first = true;
        loop {
            let at = self.0.len();
            if !first {
                self.0.push(',');
            }
            if seq.next_element_seed(Transcode(self.0))?.is_none() {
                self.0.truncate(at);
                break;
            }
            first = false;
        }
        self.0.push(']');
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.push('{');
        let mut first = true;
        while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
            if !first {
                self.0.push(',');
            }
            first = false;
            write_str(self.0, &key);
            self.0.push(':');
            map.next_value_seed(Transcode(self.0))?;
        }
        self.0.push('}');
        Ok(())
    }
}

/// `text` as a JSON string literal.
fn write_str(out: &mut String, text: &str) {
    // Writing a str into a String cannot fail.
    let _ = serde_json::to_writer(StringWriter(out), text);
}

/// `io::Write` into a `String` (serde_json writes only UTF-8).
struct StringWriter<'o>(&'o mut String);

impl std::io::Write for StringWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = std::str::from_utf8(buf).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        self.0.push_str(text);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_json_hands_out_the_text_borrowed() {
        let body = br#"{"a": [1, {"b" : "c"}], "z": 2}"#;
        let raw: std::collections::BTreeMap<String, RawJson<'_>> = serde_json::from_slice(body).expect("raw");
        assert_eq!(raw["a"].get(), r#"[1, {"b" : "c"}]"#);
        assert!(raw["a"].is_borrowed());
        assert_eq!(serde_json::to_string(&raw["a"]).expect("write"), r#"[1, {"b" : "c"}]"#);
    }

    #[test]
    fn other_deserializers_get_the_value_written_out() {
        let value = serde_json::json!({"a": [1, -2, 2.5, null, true, "x\"y"], "b": {}});
        let raw = RawJson::deserialize(value.clone()).expect("raw");
        assert_eq!(raw.parse::<serde_json::Value>().expect("parse"), value);
        // A deserializer that is neither backend (serde's own value types).
        let content =
            serde::de::value::MapDeserializer::<_, serde_json::Error>::new(vec![("k", 1u64), ("l", 2)].into_iter());
        let raw = RawJson::deserialize(content).expect("map");
        assert_eq!(raw.get(), r#"{"k":1,"l":2}"#);
    }
}
