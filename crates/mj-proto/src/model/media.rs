//! Result media links (`imageUrls`, `videoUrls`): objects on some servers, strings on others.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::model::lenient;

/// One result image or video, with its thumbnail when the server gives one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MediaUrl {
    /// Where the media is.
    pub url: String,
    /// A preview image (trueai).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

impl MediaUrl {
    /// A media link without a thumbnail.
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), thumbnail: None }
    }
}

impl<'de> Deserialize<'de> for MediaUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MediaVisitor)
    }
}

struct MediaVisitor;

impl<'de> Visitor<'de> for MediaVisitor {
    type Value = MediaUrl;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a URL string or an object with `url`")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<MediaUrl, E> {
        Ok(MediaUrl::new(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<MediaUrl, E> {
        Ok(MediaUrl::new(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MediaUrl, A::Error> {
        let mut out = MediaUrl::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Url => out.url = map.next_value::<Text>()?.0.unwrap_or_default(),
                Key::Thumbnail => out.thumbnail = map.next_value::<Text>()?.0,
                Key::Other => lenient::skip_value(&mut map)?,
            }
        }
        Ok(out)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum Key {
    Url,
    Thumbnail,
    #[serde(other)]
    Other,
}

struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::opt_text(d).map(Text)
    }
}

/// Decodes a media list; null becomes empty and entries without a URL are dropped.
pub(crate) fn media_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<MediaUrl>, D::Error> {
    let mut list: Vec<MediaUrl> = lenient::vec_or_null(d)?;
    list.retain(|m| !m.url.is_empty());
    Ok(list)
}
