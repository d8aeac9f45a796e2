//! What a final state is judged by: the observed values of its variables
//! and registers.

use std::fmt;

/// One observed value of a final outcome.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct OutcomeValue {
    /// The variable's name.
    pub name: String,
    /// Its value.
    pub value: i64,
    /// Its value as shown (a label where the variable has one).
    pub text: String,
}

/// The observed values of a final state: by default every shared variable.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Outcome {
    /// The values, in declaration order.
    pub values: Vec<OutcomeValue>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}={}", v.name, v.text)?;
        }
        Ok(())
    }
}
