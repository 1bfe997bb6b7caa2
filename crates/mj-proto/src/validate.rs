//! Input checks shared by the request builders; each returns the typed [`BuildError`].

use crate::data_url;
use crate::error::BuildError;

/// trueai's limit on `state`.
pub(crate) const MAX_STATE_CHARS: usize = 255;
/// trueai's limit on `notifyHook`.
pub(crate) const MAX_NOTIFY_HOOK_CHARS: usize = 2000;

/// A required text (prompt, id) must hold something besides white space.
pub(crate) fn non_empty(field: &'static str, value: &str) -> Result<(), BuildError> {
    if value.trim().is_empty() { Err(BuildError::Empty { field }) } else { Ok(()) }
}

/// Text no longer than `max` characters.
/// Counts UTF-16 code units, as trueai does (C# `string.Length`, SubmitController.cs
/// L1039-1048): an emoji outside the BMP counts twice.
pub(crate) fn max_chars(field: &'static str, value: &str, max: usize) -> Result<(), BuildError> {
    let len = value.encode_utf16().count();
    if len > max { Err(BuildError::TooLong { field, len, max }) } else { Ok(()) }
}

/// An http(s) URL.
pub(crate) fn url(field: &'static str, value: &str) -> Result<(), BuildError> {
    let ok = ["http://", "https://"].iter().any(|scheme| value.len() > scheme.len() && value.starts_with(scheme));
    if ok { Ok(()) } else { Err(BuildError::Url { field }) }
}

/// An image reference at position `index` of `field`.
pub(crate) fn image(field: &'static str, index: usize, value: &str) -> Result<(), BuildError> {
    match data_url::problem(value) {
        None => Ok(()),
        Some(reason) => Err(BuildError::Image { field, index, reason }),
    }
}

/// Between `min` and `max` images, each valid.
pub(crate) fn images(field: &'static str, values: &[String], min: usize, max: usize) -> Result<(), BuildError> {
    if values.len() < min || values.len() > max {
        return Err(BuildError::Count { field, min, max, got: values.len() });
    }
    values.iter().enumerate().try_for_each(|(i, v)| image(field, i, v))
}

/// An integer in `min..=max`.
pub(crate) fn range(field: &'static str, value: i64, min: i64, max: i64) -> Result<(), BuildError> {
    if (min..=max).contains(&value) { Ok(()) } else { Err(BuildError::Range { field, min, max, got: value }) }
}
