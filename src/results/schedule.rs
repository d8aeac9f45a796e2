//! Schedules: the sequence of thread choices that drives one execution.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind};
use crate::model::ThreadId;

/// A scheduling choice: a thread (low 8 bits) and, when its pending operation
/// is a `select`, which of its ready alternatives (high 8 bits; 0 otherwise).
pub(crate) type Choice = u16;

#[inline]
pub(crate) fn choice(thread: usize, alternative: usize) -> Choice {
    (thread | alternative << 8) as Choice
}

#[inline]
pub(crate) fn thread_of(c: Choice) -> usize {
    usize::from(c & 0xff)
}

#[inline]
pub(crate) fn alternative_of(c: Choice) -> usize {
    usize::from(c >> 8)
}

/// One step of a schedule: the thread that moves and, when it stands at a
/// `select` with several ready cases, which of them it takes (they are
/// numbered from 0 in the order the explorer lists them; 0 otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ScheduleStep {
    /// The thread that moves.
    pub thread: ThreadId,
    /// Which of its select's ready alternatives it takes (0 for any other
    /// operation).
    pub alternative: u8,
}

impl From<ThreadId> for ScheduleStep {
    fn from(thread: ThreadId) -> Self {
        ScheduleStep {
            thread,
            alternative: 0,
        }
    }
}

impl fmt::Display for ScheduleStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.alternative {
            0 => write!(f, "{}", self.thread.0),
            k => write!(f, "{}/{k}", self.thread.0),
        }
    }
}

/// The thread chosen at each step of an execution, written as thread numbers
/// separated by dots, with `*n` for a run of `n` steps by the same thread:
/// `0.1*3.0` is thread 0, then thread 1 three times, then thread 0. A thread
/// at a `select` with several ready cases is written `t/k` for its `k`-th
/// alternative (`t` alone is alternative 0).
///
/// ```
/// use interleave::Schedule;
/// let s: Schedule = "0.1*3.0.2/1".parse().unwrap();
/// assert_eq!(s.len(), 6);
/// assert_eq!(s.to_string(), "0.1*3.0.2/1");
/// assert!("0.x".parse::<Schedule>().is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Schedule(Vec<ScheduleStep>);

/// The longest schedule a token may spell out, so a hostile `*n` cannot make
/// the parser allocate without bound.
pub const MAX_SCHEDULE_LEN: usize = 100_000_000;

impl Schedule {
    /// A schedule from its steps.
    pub fn new(steps: Vec<ScheduleStep>) -> Self {
        Schedule(steps)
    }

    /// A schedule of thread choices only (no select alternatives).
    pub fn of_threads(threads: impl IntoIterator<Item = ThreadId>) -> Self {
        Schedule(threads.into_iter().map(ScheduleStep::from).collect())
    }

    /// The steps.
    pub fn steps(&self) -> &[ScheduleStep] {
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

    pub(crate) fn from_indices(steps: &[Choice]) -> Self {
        Schedule(
            steps
                .iter()
                .map(|&c| ScheduleStep {
                    thread: ThreadId(thread_of(c) as u32),
                    alternative: alternative_of(c) as u8,
                })
                .collect(),
        )
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
                write!(f, "{t}*{run}")?;
            } else {
                write!(f, "{t}")?;
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
                    "schedule part `{part}` {why}; a schedule is thread numbers separated by dots, with `*n` for runs and `/k` for a select's alternative, e.g. `0.1*3.2/1` (`-` for none)"
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
            let (thread, alternative) = thread.split_once('/').unwrap_or((thread, "0"));
            let thread: u32 = thread
                .parse()
                .map_err(|_| bad(part, "is not a thread number"))?;
            let alternative: u8 = alternative.parse().map_err(|_| {
                bad(
                    part,
                    "has an alternative that is not a number from 0 to 255",
                )
            })?;
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
            let step = ScheduleStep {
                thread: ThreadId(thread),
                alternative,
            };
            steps.extend(std::iter::repeat_n(step, run));
        }
        Ok(Schedule(steps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in ["-", "0", "0.1.0.1", "2*52.0*3.1", "0.1*2.0", "1/2*3.0.1/1"] {
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
            ("1/x", "`1/x`"),
            ("1/256", "`1/256`"),
        ] {
            let err = text.parse::<Schedule>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::MalformedToken);
            assert!(err.to_string().contains(part), "{text}: {err}");
        }
        assert!("0*999999999999".parse::<Schedule>().is_err());
    }
}
