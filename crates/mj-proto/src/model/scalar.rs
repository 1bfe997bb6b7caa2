//! The one lenient visitor for members of one value. Servers disagree on the JSON type of many scalar
//! members (a number or a numeric string, null or `""`), so each such member has a reader
//! that says what each shape becomes; [`read`] drives every reader with the same visitor,
//! where null and absence are always unset. A shape a reader does not take is the same
//! error serde's own visitors give ("invalid type: …, expected …").

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};

/// What one member's shapes become. Every method has serde's default (the shape is an
/// invalid type); a reader overrides the shapes it takes.
pub(crate) trait Scalar<'de>: Sized {
    /// What the member reads.
    type Value;

    /// What the member takes, for error messages ("a string, a number or null").
    fn expecting(&self) -> &'static str;

    /// A string.
    fn text<E: de::Error>(self, v: &str) -> Result<Option<Self::Value>, E> {
        Err(E::invalid_type(Unexpected::Str(v), &Expecting(self.expecting())))
    }
    /// A string that lives as long as the body (borrowing readers keep it).
    fn borrowed_text<E: de::Error>(self, v: &'de str) -> Result<Option<Self::Value>, E> {
        self.text(v)
    }
    /// A string the deserializer hands over owned.
    fn owned_text<E: de::Error>(self, v: String) -> Result<Option<Self::Value>, E> {
        self.text(&v)
    }
    /// A non-negative integer.
    fn unsigned<E: de::Error>(self, v: u64) -> Result<Option<Self::Value>, E> {
        Err(E::invalid_type(Unexpected::Unsigned(v), &Expecting(self.expecting())))
    }
    /// A negative integer.
    fn signed<E: de::Error>(self, v: i64) -> Result<Option<Self::Value>, E> {
        Err(E::invalid_type(Unexpected::Signed(v), &Expecting(self.expecting())))
    }
    /// A number with a fraction or an exponent.
    fn float<E: de::Error>(self, v: f64) -> Result<Option<Self::Value>, E> {
        Err(E::invalid_type(Unexpected::Float(v), &Expecting(self.expecting())))
    }
    /// `true` or `false`.
    fn boolean<E: de::Error>(self, v: bool) -> Result<Option<Self::Value>, E> {
        Err(E::invalid_type(Unexpected::Bool(v), &Expecting(self.expecting())))
    }
    /// An array.
    fn array<A: SeqAccess<'de>>(self, _: A) -> Result<Option<Self::Value>, A::Error> {
        Err(de::Error::invalid_type(Unexpected::Seq, &Expecting(self.expecting())))
    }
    /// An object.
    fn object<A: MapAccess<'de>>(self, _: A) -> Result<Option<Self::Value>, A::Error> {
        Err(de::Error::invalid_type(Unexpected::Map, &Expecting(self.expecting())))
    }
    /// The error for a value of the right shape that cannot be read (`"12x"` for a number).
    fn invalid<E: de::Error>(&self, unexpected: Unexpected<'_>) -> E {
        E::invalid_value(unexpected, &Expecting(self.expecting()))
    }
}

/// Reads one member with `reader`; null and absence are `None`.
pub(crate) fn read<'de, R: Scalar<'de>, D: Deserializer<'de>>(d: D, reader: R) -> Result<Option<R::Value>, D::Error> {
    d.deserialize_any(Lenient(reader))
}

/// What a reader expects, as serde's error messages want it.
struct Expecting(&'static str);

impl de::Expected for Expecting {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The visitor every reader runs in.
struct Lenient<R>(R);

impl<'de, R: Scalar<'de>> Visitor<'de> for Lenient<R> {
    type Value = Option<R::Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0.expecting())
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.0.text(v)
    }
    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.0.borrowed_text(v)
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.0.owned_text(v)
    }
    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.unsigned(v)
    }
    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.signed(v)
    }
    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.0.float(v)
    }
    #[inline]
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.0.boolean(v)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.array(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.object(map)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}
