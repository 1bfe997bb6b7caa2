//! How the API key travels: the header each server family reads it from.

/// How the API key travels (spec §3). No single header works on every server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthStyle {
    /// `Authorization: Bearer KEY`: new-api and most hosted resellers.
    #[default]
    Bearer,
    /// `mj-api-secret: KEY`: novicezk, PLUS, one-hub.
    MjApiSecret,
    /// `Authorization: KEY` without `Bearer`: trueai user tokens, some resellers.
    RawAuthorization,
    /// Both `Authorization: Bearer KEY` and `mj-api-secret: KEY` (not for trueai).
    Both,
}

impl std::str::FromStr for AuthStyle {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bearer" => Ok(Self::Bearer),
            "mj-api-secret" | "secret" => Ok(Self::MjApiSecret),
            "raw" | "authorization" => Ok(Self::RawAuthorization),
            "both" => Ok(Self::Both),
            _ => Err(format!("unknown auth style `{s}`: use bearer, mj-api-secret, raw or both")),
        }
    }
}
