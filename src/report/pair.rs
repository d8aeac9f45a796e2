//! How a paired check reads: the broken scenario's separating trace, then
//! what was shown of the fix.

use std::fmt;

use super::trace::trace_table;
use crate::check::PairReport;

impl fmt::Display for PairReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.separating() {
            Some(c) => {
                writeln!(
                    f,
                    "`{}` is broken ({}: {}) by schedule {} ({} steps):",
                    self.buggy_name,
                    c.property,
                    c.message,
                    c.schedule,
                    c.steps.len()
                )?;
                f.write_str(&trace_table(&self.names, &c.steps, &c.pending, true, "  "))?;
            }
            None => writeln!(
                f,
                "`{}` showed no violation ({:?}): the bug was not found",
                self.buggy_name, self.buggy.completion
            )?,
        }
        let fixed = if self.fixed.is_violated() {
            let c = self.fixed.violations().next().expect("violated");
            format!(
                "is broken too ({}: {}, schedule {})",
                c.property, c.message, c.schedule
            )
        } else if self.fixed.is_exhaustive() {
            format!(
                "holds in every interleaving (exhaustive, {} states)",
                self.fixed.stats.states
            )
        } else {
            format!(
                "showed no violation, but the search was {:?}: not a proof",
                self.fixed.completion
            )
        };
        write!(f, "`{}` {fixed}", self.fixed_name)
    }
}
