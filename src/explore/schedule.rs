//! Schedules: the sequence of thread choices that drives one execution.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind};
use crate::model::ThreadId;

/// The thread chosen at each step of an execution, written as thread numbers
/// separated by dots, with `*n` for a run of `n` steps by the same thread:
/// `0.1*3.0` is thread 0, then thread 1 three times, then thread 0.
///
/// ```
/// use interleave::Schedule;
/// let s: Schedule = "0.1*3.0".parse().unwrap();
/// assert_eq!(s.len(), 5);
/// assert_eq!(s.to_string(), "0.1*3.0");
/// assert!("0.x".parse::<Schedule>().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule(Vec<ThreadId>);

/// The longest schedule a token may spell out, so a hostile `*n` cannot make
/// the parser allocate without bound.
pub const MAX_SCHEDULE_LEN: usize = 100_000_000;

impl Schedule {
    /// A schedule from thread choices.
    pub fn new(steps: Vec<ThreadId>) -> Self {
        Schedule(steps)
    }

    /// The thread choices.
    pub fn steps(&self) -> &[ThreadId] {
        &self.0
    }

    /// How many steps.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it has no steps.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn from_indices(steps: &[u16]) -> Self {
        Schedule(steps.iter().map(|&t| ThreadId(u32::from(t))).collect())
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("-");
        }
        let mut first = true;
        let mut i = 0;
        while i < self.0.len() {
            let t = self.0[i];
            let run = self.0[i..].iter().take_while(|&&x| x == t).count();
            if !first {
                f.write_str(".")?;
            }
            first = false;
            if run > 1 {
                write!(f, "{}*{run}", t.0)?;
            } else {
                write!(f, "{}", t.0)?;
            }
            i += run;
        }
        Ok(())
    }
}

impl FromStr for Schedule {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = |part: &str, why: &str| {
            Error::new(
                ErrorKind::MalformedToken,
                format!(
                    "schedule part `{part}` {why}; a schedule is thread numbers separated by dots, with `*n` for runs, e.g. `0.1*3.2` (`-` for none)"
                ),
            )
        };
        if s == "-" {
            return Ok(Schedule::default());
        }
        let mut steps = Vec::new();
        for part in s.split('.') {
            let (thread, run) = match part.split_once('*') {
                Some((t, n)) => (t, n),
                None => (part, "1"),
            };
            let thread: u32 = thread
                .parse()
                .map_err(|_| bad(part, "is not a thread number"))?;
            let run: usize = run
                .parse()
                .map_err(|_| bad(part, "has a run length that is not a number"))?;
            if run == 0 {
                return Err(bad(part, "has a run length of 0"));
            }
            if steps.len() + run > MAX_SCHEDULE_LEN {
                return Err(bad(
                    part,
                    "makes the schedule longer than 100,000,000 steps",
                ));
            }
            steps.extend(std::iter::repeat_n(ThreadId(thread), run));
        }
        Ok(Schedule(steps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in ["-", "0", "0.1.0.1", "2*52.0*3.1", "0.1*2.0"] {
            let s: Schedule = text.parse().unwrap();
            assert_eq!(s.to_string(), text);
        }
    }

    #[test]
    fn rejects_malformed_parts_with_the_part_named() {
        for (text, part) in [
            ("", "``"),
            ("0..1", "``"),
            ("a", "`a`"),
            ("1*0", "`1*0`"),
            ("1*x", "`1*x`"),
            ("-1", "`-1`"),
        ] {
            let err = text.parse::<Schedule>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::MalformedToken);
            assert!(err.to_string().contains(part), "{text}: {err}");
        }
        assert!("0*999999999999".parse::<Schedule>().is_err());
    }
}
