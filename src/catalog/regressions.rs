//! Regression files: the harness's own list of counterexamples that must
//! keep reproducing (replay tokens with the property each breaks), and a
//! check of proptest's seed files, so a malformed line is an error with its
//! file and line rather than something skipped.

use std::fmt;

use super::token::ReplayToken;
use crate::error::{Error, ErrorKind};

/// One line of a token regression file:
/// `<replay token> => <property it breaks>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regression {
    /// Where it is, as `file:line`.
    pub at: String,
    /// The counterexample.
    pub token: ReplayToken,
    /// The property it breaks, as reports name it (`no lost update`).
    pub property: String,
}

impl fmt::Display for Regression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} => {}", self.at, self.token, self.property)
    }
}

impl Regression {
    /// Replays the token and checks that it still breaks its property;
    /// the error says where it diverged or what it showed instead.
    pub fn reproduce(&self) -> Result<(), Error> {
        let context = |e: Error| Error::new(e.kind(), format!("{}: {e}", self.at));
        let (_, _, scenario) = super::registry::resolve(&self.token).map_err(context)?;
        let run = self.token.schedule.replay(&scenario).map_err(context)?;
        if run
            .findings
            .iter()
            .any(|f| f.property.to_string() == self.property)
        {
            return Ok(());
        }
        let shown: Vec<String> = run
            .findings
            .iter()
            .map(|f| f.property.to_string())
            .collect();
        Err(Error::new(
            ErrorKind::TokenMismatch,
            format!(
                "{}: `{}` no longer breaks `{}` (it shows: {}); the scenario changed, or the bug was fixed",
                self.at,
                self.token,
                self.property,
                if shown.is_empty() {
                    "nothing".to_string()
                } else {
                    shown.join(", ")
                }
            ),
        ))
    }
}

/// Reads a token regression file. Blank lines and lines starting with `#`
/// are skipped; any other line must be `<token> => <property>`.
///
/// ```
/// use interleave::catalog::parse_regressions;
/// let text = "# the seed's lost update\nv1:bank/unsync:incomes=500+10,weeks=1:0.1.0.1 => no lost update\n";
/// let regressions = parse_regressions(text, "tokens.txt").unwrap();
/// regressions[0].reproduce().unwrap();
/// let err = parse_regressions("v1:bank/unsync::0.1\n", "tokens.txt").unwrap_err();
/// assert!(err.to_string().starts_with("tokens.txt:1: "));
/// ```
pub fn parse_regressions(text: &str, source: &str) -> Result<Vec<Regression>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{source}:{}", i + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: String| Error::new(ErrorKind::MalformedToken, format!("{at}: {why}"));
        let Some((token, property)) = line.split_once("=>") else {
            return Err(bad(format!(
                "`{line}` is not `<replay token> => <property>`, e.g. `v1:bank/unsync:weeks=1:0.1.0.1 => no lost update`"
            )));
        };
        let token: ReplayToken = token.trim().parse().map_err(|e| bad(format!("{e}")))?;
        let property = property.trim();
        if property.is_empty() {
            return Err(bad(
                "no property after `=>`; name the one the token breaks".to_string()
            ));
        }
        out.push(Regression {
            at,
            token,
            property: property.to_string(),
        });
    }
    Ok(out)
}

/// Checks a proptest seed file (`proptest-regressions/*.txt`): blank lines,
/// `#` comments, and `cc <hex seed>` lines with an optional `# comment`.
/// proptest itself skips a malformed line with a warning, which would
/// quietly drop a regression; this makes it an error naming the line.
/// Returns the number of seeds.
pub fn check_proptest_seeds(text: &str, source: &str) -> Result<usize, Error> {
    let mut seeds = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let seed = line
            .strip_prefix("cc ")
            .map(|rest| rest.split('#').next().unwrap_or("").trim());
        match seed {
            Some(hex) if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                seeds += 1;
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::MalformedToken,
                    format!(
                        "{source}:{}: `{line}` is not a proptest seed line (`cc <hex seed> # <input>`); proptest would skip it",
                        i + 1
                    ),
                ));
            }
        }
    }
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_lines_name_file_and_line() {
        for (text, needle) in [
            ("\n\nno arrow here\n", "f.txt:3: `no arrow here` is not"),
            ("v9:bank/mutex::0 => x\n", "f.txt:1: "),
            (
                "v1:bank/unsync:weeks=1:0 =>\n",
                "f.txt:1: no property after `=>`",
            ),
        ] {
            let err = parse_regressions(text, "f.txt").unwrap_err();
            assert!(err.to_string().contains(needle), "{text:?}: {err}");
        }
        let err = check_proptest_seeds("cc 12ab # ok\ncx 12\n", "p.txt").unwrap_err();
        assert!(err.to_string().contains("p.txt:2: `cx 12`"), "{err}");
        assert_eq!(
            check_proptest_seeds("# c\ncc 0f # x\n\n", "p.txt").unwrap(),
            1
        );
    }

    #[test]
    fn a_regression_that_stops_reproducing_says_so() {
        let r = &parse_regressions(
            "v1:bank/mutex:incomes=500+10,weeks=1:0 => no lost update",
            "f.txt",
        )
        .unwrap()[0];
        let err = r.reproduce().unwrap_err();
        assert!(
            err.to_string()
                .contains("no longer breaks `no lost update`"),
            "{err}"
        );
        let r = &parse_regressions(
            "v1:bank/unsync:incomes=500+10,weeks=1:0.9 => no lost update",
            "f.txt",
        )
        .unwrap()[0];
        let err = r.reproduce().unwrap_err();
        assert!(
            err.to_string().contains("f.txt:1: step 2 names thread 9"),
            "{err}"
        );
    }
}
