//! "A real server when one is configured, the simulator otherwise": what the examples and
//! the CLI do on start-up.

use mj_proto::Config;

use crate::{Server, SimConfig};

/// Where requests go.
#[derive(Debug)]
pub enum Target {
    /// A server named by `MJ_BASE_URL`.
    Configured(Config),
    /// The simulator, started on a free loopback port; it stops when this is dropped.
    Simulator(Config, Server),
}

impl Target {
    /// The client configuration.
    pub fn config(&self) -> &Config {
        match self {
            Self::Configured(config) | Self::Simulator(config, _) => config,
        }
    }

    /// The simulator, when that is the target.
    pub fn server(&self) -> Option<&Server> {
        match self {
            Self::Configured(_) => None,
            Self::Simulator(_, server) => Some(server),
        }
    }
}

/// The server [`Config::from_env`] reads through `var` (`MJ_BASE_URL`, `MJ_API_KEY`,
/// `MJ_PROFILE`, `MJ_AUTH`, `MJ_MODE`); without a base URL, starts `sim` on 127.0.0.1 and
/// targets it. Errors are one line a user can act on.
pub fn from_env_or_simulator(var: impl Fn(&str) -> Option<String>, sim: SimConfig) -> Result<Target, String> {
    match Config::from_env(var).map_err(|e| e.to_string())? {
        Some(config) => Ok(Target::Configured(config)),
        None => {
            let server = Server::start(sim, 0).map_err(|e| format!("cannot start the simulator: {e}"))?;
            let config = Config::new(&server.url()).map_err(|e| e.to_string())?;
            Ok(Target::Simulator(config, server))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mj_proto::AuthStyle;

    #[test]
    fn reads_the_environment_or_starts_the_simulator() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
        };
        let target = from_env_or_simulator(
            env(&[
                ("MJ_BASE_URL", "https://gw.example.test/"),
                ("MJ_API_KEY", "sk-1"),
                ("MJ_AUTH", "both"),
                ("MJ_MODE", "relax"),
            ]),
            SimConfig::new(""),
        )
        .expect("configured");
        assert!(target.server().is_none());
        assert_eq!(target.config().url("/x"), "https://gw.example.test/mj-relax/mj/x");
        assert_eq!(target.config().auth_style(), AuthStyle::Both);
        let bad = from_env_or_simulator(env(&[("MJ_BASE_URL", "gw.example.test")]), SimConfig::new(""));
        assert!(bad.expect_err("no scheme").starts_with("MJ_BASE_URL: invalid base URL"));
        let bad = from_env_or_simulator(env(&[("MJ_BASE_URL", "http://h"), ("MJ_AUTH", "magic")]), SimConfig::new(""));
        assert!(bad.expect_err("auth").contains("use bearer, mj-api-secret, raw or both"));
        let sim = from_env_or_simulator(env(&[]), SimConfig::new("")).expect("simulator");
        assert!(sim.server().is_some_and(|s| s.url().starts_with("http://127.0.0.1:")));
    }
}
