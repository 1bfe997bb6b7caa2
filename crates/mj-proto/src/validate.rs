//! Input checks shared by the request builders; each returns the typed [`BuildError`].

use crate::data_url;
use crate::error::BuildError;
use crate::profile::ServerProfile;

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

/// An image reference at position `index` of `field`, as the declared server takes it:
/// a data URL or an http(s) URL everywhere, but no links on novicezk (code 4
/// "base64格式错误") and raw base64 only on trueai (`DataUrl.Parse` assumes PNG).
pub(crate) fn image(
    profile: Option<ServerProfile>,
    field: &'static str,
    index: usize,
    value: &str,
) -> Result<(), BuildError> {
    let link = value.starts_with("http://") || value.starts_with("https://");
    if link && profile.is_some_and(|p| !p.accepts_image_links()) {
        let reason = "this server takes images as data URLs only (it answers code 4 for links)";
        return Err(BuildError::Image { field, index, reason });
    }
    if profile.is_some_and(ServerProfile::accepts_raw_base64) && data_url::is_raw_base64(value) {
        return Ok(());
    }
    match data_url::problem(value) {
        None => Ok(()),
        Some(reason) => Err(BuildError::Image { field, index, reason }),
    }
}

/// Between `min` and `max` images, each valid.
pub(crate) fn images(
    profile: Option<ServerProfile>,
    field: &'static str,
    values: &[String],
    min: usize,
    max: usize,
) -> Result<(), BuildError> {
    if values.len() < min || values.len() > max {
        return Err(BuildError::Count { field, min, max, got: values.len() });
    }
    values.iter().enumerate().try_for_each(|(i, v)| image(profile, field, i, v))
}

/// An integer in `min..=max`.
pub(crate) fn range(field: &'static str, value: i64, min: i64, max: i64) -> Result<(), BuildError> {
    if (min..=max).contains(&value) { Ok(()) } else { Err(BuildError::Range { field, min, max, got: value }) }
}
