//! Who may ask: the key each flavor reads, from the headers it reads it from.

use super::*;

impl Simulator {
    /// `Err(true)` when no credentials came, `Err(false)` when they were wrong.
    pub(super) fn authorize(&self, headers: &http::HeaderMap) -> Result<(), bool> {
        let Some(key) = self.config.api_key.as_deref() else { return Ok(()) };
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let auth = header("authorization");
        let secret = header("mj-api-secret");
        if auth.is_none() && secret.is_none() {
            return Err(true);
        }
        let bearer =
            |v: &str| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).unwrap_or(v).trim().to_owned();
        let sk = |v: &str| {
            let v = bearer(v);
            v.strip_prefix("sk-").map(str::to_owned).unwrap_or(v)
        };
        let ok = if !self.config.strict_auth {
            auth.map(bearer).as_deref() == Some(key) || secret.map(bearer).as_deref() == Some(key)
        } else {
            match self.config.flavor {
                Flavor::Novicezk | Flavor::Plus => secret == Some(key),
                // trueai reads Authorization raw, else mj-api-secret.
                Flavor::Trueai => auth.or(secret) == Some(key),
                Flavor::Newapi => {
                    let from_auth = auth.map(sk).filter(|v| !v.is_empty() && v != "midjourney-proxy");
                    from_auth.or_else(|| secret.map(sk)).as_deref() == Some(sk(key).as_str())
                }
                Flavor::Reseller => auth.map(bearer).as_deref() == Some(key) || secret == Some(key),
            }
        };
        if ok { Ok(()) } else { Err(false) }
    }
}
