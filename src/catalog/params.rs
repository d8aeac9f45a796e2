//! Scenario parameters: declared with a range, overridden from the CLI with
//! `--set KEY=VALUE`, and carried by replay tokens.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{Error, ErrorKind};

/// A parameter's value: an integer, or a list of integers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamValue {
    /// One integer.
    Int(i64),
    /// A list of integers (written `500+10+50` or `500,10,50`).
    List(Vec<i64>),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(v) => write!(f, "{v}"),
            ParamValue::List(vs) => {
                let parts: Vec<String> = vs.iter().map(|v| v.to_string()).collect();
                f.write_str(&parts.join("+"))
            }
        }
    }
}

/// What values a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamKind {
    /// An integer in `min..=max`.
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// A list of `min_len..=max_len` integers, each in `min..=max`.
    List {
        /// Fewest items.
        min_len: usize,
        /// Most items.
        max_len: usize,
        /// Smallest item.
        min: i64,
        /// Largest item.
        max: i64,
    },
}

/// A declared parameter of a catalog scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    /// Its key, as in `--set weeks=4`.
    pub name: &'static str,
    /// What it means.
    pub help: &'static str,
    /// What values it takes.
    pub kind: ParamKind,
    /// Its default.
    pub default: ParamValue,
}

impl ParamSpec {
    /// An integer parameter.
    pub fn int(name: &'static str, help: &'static str, default: i64, min: i64, max: i64) -> Self {
        ParamSpec {
            name,
            help,
            kind: ParamKind::Int { min, max },
            default: ParamValue::Int(default),
        }
    }

    /// A list parameter.
    pub fn list(
        name: &'static str,
        help: &'static str,
        default: &[i64],
        (min_len, max_len): (usize, usize),
        (min, max): (i64, i64),
    ) -> Self {
        ParamSpec {
            name,
            help,
            kind: ParamKind::List {
                min_len,
                max_len,
                min,
                max,
            },
            default: ParamValue::List(default.to_vec()),
        }
    }

    pub(crate) fn range_text(&self) -> String {
        match self.kind {
            ParamKind::Int { min, max } => format!("an integer from {min} to {max}"),
            ParamKind::List {
                min_len,
                max_len,
                min,
                max,
            } => format!(
                "{min_len} to {max_len} integers from {min} to {max}, joined by `+` or `,` (e.g. `{}`)",
                self.default
            ),
        }
    }

    /// Parses and range-checks a value given as text.
    pub fn parse(&self, scenario: &str, text: &str) -> Result<ParamValue, Error> {
        let bad = |why: String| {
            Error::new(
                ErrorKind::InvalidParameter,
                format!(
                    "`{}={text}` for `{scenario}`: {why}; {} takes {}",
                    self.name,
                    self.name,
                    self.range_text()
                ),
            )
        };
        let int = |s: &str| -> Result<i64, Error> {
            s.trim()
                .parse::<i64>()
                .map_err(|_| bad(format!("`{s}` is not an integer")))
        };
        match self.kind {
            ParamKind::Int { min, max } => {
                let v = int(text)?;
                if v < min || v > max {
                    return Err(bad(format!("{v} is out of range")));
                }
                Ok(ParamValue::Int(v))
            }
            ParamKind::List {
                min_len,
                max_len,
                min,
                max,
            } => {
                let items: Vec<i64> = if text.trim().is_empty() {
                    Vec::new()
                } else {
                    text.split(['+', ',']).map(int).collect::<Result<_, _>>()?
                };
                if items.len() < min_len || items.len() > max_len {
                    return Err(bad(format!("{} items", items.len())));
                }
                if let Some(v) = items.iter().find(|&&v| v < min || v > max) {
                    return Err(bad(format!("{v} is out of range")));
                }
                Ok(ParamValue::List(items))
            }
        }
    }
}

/// The parameters of one scenario run: every declared key with its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    scenario: String,
    values: BTreeMap<&'static str, ParamValue>,
}

impl Params {
    /// Every parameter at its default.
    pub fn defaults(scenario: &str, specs: &[ParamSpec]) -> Self {
        Params {
            scenario: scenario.to_string(),
            values: specs.iter().map(|s| (s.name, s.default.clone())).collect(),
        }
    }

    /// Overrides one parameter from `KEY=VALUE` text.
    pub fn set(&mut self, specs: &[ParamSpec], assignment: &str) -> Result<(), Error> {
        let Some((key, value)) = assignment.split_once('=') else {
            return Err(Error::new(
                ErrorKind::InvalidParameter,
                format!("`{assignment}` is not KEY=VALUE; for example `--set weeks=4`"),
            ));
        };
        let key = key.trim();
        let Some(spec) = specs.iter().find(|s| s.name == key) else {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            let closest = known
                .iter()
                .min_by_key(|k| edit_distance(k, key))
                .filter(|k| edit_distance(k, key) <= key.len().max(3) / 2);
            let hint = match (known.is_empty(), closest) {
                (true, _) => "it takes no parameters".to_string(),
                (false, Some(c)) => {
                    format!(
                        "did you mean `{c}`? its parameters are {}",
                        known.join(", ")
                    )
                }
                (false, None) => format!("its parameters are {}", known.join(", ")),
            };
            return Err(Error::new(
                ErrorKind::InvalidParameter,
                format!("`{}` has no parameter `{key}`; {hint}", self.scenario),
            ));
        };
        let parsed = spec.parse(&self.scenario, value)?;
        self.values.insert(spec.name, parsed);
        Ok(())
    }

    /// An integer parameter.
    ///
    /// # Panics
    ///
    /// When the scenario did not declare it as an integer (a catalog bug).
    pub fn int(&self, name: &str) -> i64 {
        match self.values.get(name) {
            Some(ParamValue::Int(v)) => *v,
            other => panic!("parameter `{name}` is not a declared integer: {other:?}"),
        }
    }

    /// A list parameter.
    ///
    /// # Panics
    ///
    /// When the scenario did not declare it as a list (a catalog bug).
    pub fn list(&self, name: &str) -> &[i64] {
        match self.values.get(name) {
            Some(ParamValue::List(v)) => v,
            other => panic!("parameter `{name}` is not a declared list: {other:?}"),
        }
    }

    /// `key=value` pairs, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &ParamValue)> {
        self.values.iter().map(|(k, v)| (*k, v))
    }

    /// The error for parameters that are each in range but impossible together.
    pub fn invalid(&self, message: impl fmt::Display) -> Error {
        Error::new(
            ErrorKind::InvalidParameter,
            format!("parameters of `{}`: {message}", self.scenario),
        )
    }
}

impl fmt::Display for Params {
    /// `key=value` pairs joined by commas, as in replay tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.iter().map(|(k, v)| format!("{k}={v}")).collect();
        f.write_str(&parts.join(","))
    }
}

/// The error for `KEY=VALUE` assignments that give one key twice, if they
/// do: which one would win is a guess the user should not have to make.
pub(crate) fn repeated_key<S: AsRef<str>>(assignments: &[S]) -> Option<Error> {
    // Not `KEY=VALUE` at all: `Params::set` says so.
    fn key(a: &str) -> Option<&str> {
        a.split_once('=').map(|(k, _)| k.trim())
    }
    assignments.iter().enumerate().find_map(|(i, first)| {
        let first = first.as_ref();
        let name = key(first)?;
        let again = assignments[i + 1..]
            .iter()
            .map(AsRef::as_ref)
            .find(|a| key(a) == Some(name))?;
        Some(Error::new(
            ErrorKind::InvalidParameter,
            format!(
                "`{name}` is given twice (`{first}`, then `{again}`); give each parameter once"
            ),
        ))
    })
}

/// How many single-character edits turn `a` into `b` (for a did-you-mean).
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec::int("weeks", "weeks", 52, 1, 1000),
            ParamSpec::list("incomes", "amounts", &[500, 10], (1, 8), (0, 1_000_000)),
        ]
    }

    #[test]
    fn set_parses_and_checks_ranges() {
        let mut p = Params::defaults("bank/mutex", &specs());
        p.set(&specs(), "weeks=3").unwrap();
        p.set(&specs(), "incomes=1,2+3").unwrap();
        assert_eq!(p.int("weeks"), 3);
        assert_eq!(p.list("incomes"), &[1, 2, 3]);
        assert_eq!(p.to_string(), "incomes=1+2+3,weeks=3");
    }

    #[test]
    fn bad_values_name_the_input_and_the_range() {
        let mut p = Params::defaults("bank/mutex", &specs());
        for (input, needle) in [
            ("weeks=-1", "-1 is out of range"),
            ("weeks=x", "`x` is not an integer"),
            ("incomes=", "0 items"),
            (
                "days=3",
                "no parameter `days`; its parameters are weeks, incomes",
            ),
            ("weeks", "not KEY=VALUE"),
        ] {
            let err = p.set(&specs(), input).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidParameter);
            assert!(err.to_string().contains(needle), "{input}: {err}");
        }
    }

    #[test]
    fn a_key_given_twice_is_named_whatever_the_spaces() {
        assert!(repeated_key(&["weeks=1", "incomes=5+6"]).is_none());
        assert!(
            repeated_key(&["weeks"]).is_none(),
            "not KEY=VALUE: said elsewhere"
        );
        let e = repeated_key(&["weeks=1", "incomes=5", " weeks = 2"]).expect("weeks twice");
        assert_eq!(
            e.to_string(),
            "`weeks` is given twice (`weeks=1`, then ` weeks = 2`); give each parameter once"
        );
    }
}
