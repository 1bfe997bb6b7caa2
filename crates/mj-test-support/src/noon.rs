//! A zone where it is about noon now, for tests of daily caps and budgets: counted in it, a
//! test never crosses midnight, where a day's counts start afresh (a test run at 23:59:59
//! UTC saw its third submit of a cap of two accepted at 00:00:00).

use std::time::{SystemTime, UNIX_EPOCH};

/// The offset from UTC, in seconds (whole minutes, -12 h to +12 h), of a zone where it is
/// about noon now.
pub fn noon_offset_secs() -> i32 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let of_day = i64::try_from(now % 86_400).unwrap_or(0);
    let offset = (43_200 - of_day) / 60 * 60;
    i32::try_from(offset).unwrap_or(0)
}

/// The same zone as the servers file writes it: `+HH:MM` or `-HH:MM`.
pub fn noon_timezone() -> String {
    let offset = noon_offset_secs();
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn it_is_about_noon_there() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs();
        let local = (i64::try_from(now).expect("secs") + i64::from(super::noon_offset_secs())).rem_euclid(86_400);
        assert!((43_200 - 120..=43_200 + 120).contains(&local), "{local}");
        assert!(super::noon_timezone().len() == 6);
    }
}
