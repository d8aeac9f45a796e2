//! Replay tokens: a catalog scenario, its parameters and a schedule, as one
//! string that the `replay` command takes.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind};
use crate::model::Scenario;
use crate::results::{Replay, Schedule};

/// The token format this build writes and reads.
pub const TOKEN_VERSION: &str = "v1";

/// How a token's schedule is written.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSchedule {
    /// Thread choices in the scenario's own numbering, replayed by the
    /// explorer's semantics (from any backend's counterexample).
    Threads(Schedule),
    /// A shuttle schedule, `shuttle-<seed>-<task steps>`, replayed by
    /// shuttle, its engine following the schedule step by step.
    Shuttle(String),
}

impl TokenSchedule {
    /// Re-runs the schedule on `scenario`: thread choices through the
    /// explorer's replay, a shuttle schedule through shuttle itself.
    pub fn replay(&self, scenario: &Scenario) -> Result<Replay, Error> {
        match self {
            TokenSchedule::Threads(schedule) => crate::sim::replay(scenario, schedule),
            TokenSchedule::Shuttle(encoded) => crate::backend::replay_shuttle(scenario, encoded),
        }
    }
}

impl fmt::Display for TokenSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSchedule::Threads(s) => write!(f, "{s}"),
            TokenSchedule::Shuttle(s) => f.write_str(s),
        }
    }
}

/// A replayable failure of a catalog scenario:
/// `v1:<scenario>:<key=value,...>:<schedule>`, the schedule being thread
/// choices (`0.1*3.2`) or a shuttle schedule (`shuttle-0-...`).
///
/// ```
/// use interleave::catalog::ReplayToken;
/// let token: ReplayToken = "v1:bank/unsync:incomes=500+10,weeks=1:0.1.0.1".parse().unwrap();
/// assert_eq!(token.scenario, "bank/unsync");
/// assert_eq!(token.params, vec!["incomes=500+10".to_string(), "weeks=1".to_string()]);
/// assert_eq!(token.to_string(), "v1:bank/unsync:incomes=500+10,weeks=1:0.1.0.1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayToken {
    /// The catalog scenario's name.
    pub scenario: String,
    /// Its parameters, each `key=value`.
    pub params: Vec<String>,
    /// The schedule.
    pub schedule: TokenSchedule,
}

impl fmt::Display for ReplayToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{TOKEN_VERSION}:{}:{}:{}",
            self.scenario,
            self.params.join(","),
            self.schedule
        )
    }
}

impl FromStr for ReplayToken {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let malformed = |why: String| {
            Error::new(
                ErrorKind::MalformedToken,
                format!(
                    "replay token `{s}` {why}; a token looks like `v1:bank/unsync:incomes=500+10,weeks=1:0.1.0.1` (copy it whole from a report)"
                ),
            )
        };
        let parts: Vec<&str> = s.trim().split(':').collect();
        if parts.len() != 4 {
            return Err(malformed(format!(
                "has {} `:`-separated parts, not 4",
                parts.len()
            )));
        }
        if parts[0] != TOKEN_VERSION {
            return Err(malformed(format!(
                "is of format `{}`; this build reads `{TOKEN_VERSION}` tokens",
                parts[0]
            )));
        }
        if parts[1].is_empty() {
            return Err(malformed("names no scenario".to_string()));
        }
        let params: Vec<String> = if parts[2].is_empty() {
            Vec::new()
        } else {
            parts[2].split(',').map(str::to_string).collect()
        };
        if let Some(p) = params.iter().find(|p| !p.contains('=')) {
            return Err(malformed(format!(
                "has a parameter `{p}` that is not key=value"
            )));
        }
        let schedule = if parts[3].starts_with("shuttle-") {
            TokenSchedule::Shuttle(parts[3].to_string())
        } else {
            TokenSchedule::Threads(parts[3].parse::<Schedule>().map_err(|e| {
                Error::new(
                    ErrorKind::MalformedToken,
                    format!("replay token `{s}`: {e}"),
                )
            })?)
        };
        Ok(ReplayToken {
            scenario: parts[1].to_string(),
            params,
            schedule,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_tokens_say_what_is_wrong() {
        for (text, needle) in [
            ("garbage", "has 1 `:`-separated parts"),
            ("v0:bank/mutex::0", "format `v0`"),
            ("v1::weeks=1:0", "names no scenario"),
            (
                "v1:bank/mutex:weeks:0",
                "parameter `weeks` that is not key=value",
            ),
            ("v1:bank/mutex:weeks=1:0.x", "schedule part `x`"),
        ] {
            let err = text.parse::<ReplayToken>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::MalformedToken);
            assert!(err.to_string().contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn round_trips_with_no_params_and_an_empty_schedule() {
        let t: ReplayToken = "v1:message/mutex::-".parse().unwrap();
        assert!(t.params.is_empty());
        assert_eq!(t.schedule, TokenSchedule::Threads(Schedule::default()));
        assert_eq!(t.to_string(), "v1:message/mutex::-");
    }
}
