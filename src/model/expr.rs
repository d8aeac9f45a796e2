//! Local expressions over a program's registers.
//!
//! Arithmetic is checked: an overflow or a division by zero is a runtime
//! panic of the scenario (reported with its trace), never a wrapped value.

use std::ops::{Add, Div, Mul, Rem, Sub};

use super::ids::Reg;

/// A value that a shared operation sends or stores: a constant or a register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A constant.
    Const(i64),
    /// The current value of a register.
    Reg(Reg),
}

impl From<i64> for Operand {
    fn from(value: i64) -> Self {
        Operand::Const(value)
    }
}

impl From<Reg> for Operand {
    fn from(reg: Reg) -> Self {
        Operand::Reg(reg)
    }
}

impl Operand {
    pub(crate) fn eval(self, regs: &[i64]) -> i64 {
        match self {
            Operand::Const(c) => c,
            Operand::Reg(r) => regs[r.index()],
        }
    }

    pub(crate) fn render(self, names: &[String]) -> String {
        match self {
            Operand::Const(c) => c.to_string(),
            Operand::Reg(r) => names[r.index()].clone(),
        }
    }
}

/// A binary operator of [`Expr`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (truncating, as Go's integer division)
    Div,
    /// `%` (sign of the dividend, as Go)
    Rem,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&&`
    And,
    /// `||`
    Or,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

/// An integer expression over registers and constants, evaluated locally.
///
/// Booleans are integers: comparisons give 1 or 0, and a condition holds when
/// it is not 0. Build expressions from registers with the usual operators and
/// the comparison methods:
///
/// ```
/// use interleave::{Expr, ProgramBuilder};
/// let mut p = ProgramBuilder::new("worker");
/// let temp = p.local("temp");
/// let doubled: Expr = temp * 2 + 1;
/// let small: Expr = Expr::from(temp).less_than(10);
/// # let _ = (doubled, small);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A constant.
    Const(i64),
    /// A register's current value.
    Reg(Reg),
    /// Logical negation: 1 when the operand is 0, else 0.
    Not(Box<Expr>),
    /// A binary operation.
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

impl From<i64> for Expr {
    fn from(value: i64) -> Self {
        Expr::Const(value)
    }
}

impl From<Reg> for Expr {
    fn from(reg: Reg) -> Self {
        Expr::Reg(reg)
    }
}

impl From<Operand> for Expr {
    fn from(op: Operand) -> Self {
        match op {
            Operand::Const(c) => Expr::Const(c),
            Operand::Reg(r) => Expr::Reg(r),
        }
    }
}

impl Expr {
    fn binary(op: BinOp, lhs: impl Into<Expr>, rhs: impl Into<Expr>) -> Expr {
        Expr::Binary(op, Box::new(lhs.into()), Box::new(rhs.into()))
    }

    /// `self == rhs`
    pub fn equals(self, rhs: impl Into<Expr>) -> Expr {
        Expr::binary(BinOp::Eq, self, rhs)
    }
    /// `self != rhs`
    pub fn not_equals(self, rhs: impl Into<Expr>) -> Expr {
        Expr::binary(BinOp::Ne, self, rhs)
    }
    /// `self < rhs`
    pub fn less_than(self, rhs: impl Into<Expr>) -> Expr {
        Expr::binary(BinOp::Lt, self, rhs)
    }
    /// `self <= rhs`
    pub fn at_most(self, rhs: impl Into<Expr>) -> Expr {
        Expr::binary(BinOp::Le, self, rhs)
    }
    /// `self > rhs`
    pub fn greater_than(self, rhs: impl Into<Expr>) -> Expr {
        Expr::binary(BinOp::Gt, self, rhs)
    }
    /// `self >= rhs`
    pub fn at_least(self, rhs: impl Into<Expr>) -> Expr {
        Expr::binary(BinOp::Ge, self, rhs)
    }
    /// `self && rhs`
    pub fn and(self, rhs: impl Into<Expr>) -> Expr {
        Expr::binary(BinOp::And, self, rhs)
    }
    /// `self || rhs`
    pub fn or(self, rhs: impl Into<Expr>) -> Expr {
        Expr::binary(BinOp::Or, self, rhs)
    }

    /// Evaluates with checked arithmetic; the error describes the runtime panic.
    pub(crate) fn eval(&self, regs: &[i64]) -> Result<i64, String> {
        match self {
            Expr::Const(c) => Ok(*c),
            Expr::Reg(r) => Ok(regs[r.index()]),
            Expr::Not(e) => Ok(i64::from(e.eval(regs)? == 0)),
            Expr::Binary(op, lhs, rhs) => apply(*op, lhs.eval(regs)?, rhs.eval(regs)?),
        }
    }

    pub(crate) fn registers(&self, out: &mut Vec<Reg>) {
        match self {
            Expr::Const(_) => {}
            Expr::Reg(r) => out.push(*r),
            Expr::Not(e) => e.registers(out),
            Expr::Binary(_, a, b) => {
                a.registers(out);
                b.registers(out);
            }
        }
    }

    /// Go-like source text, with register names.
    pub(crate) fn render(&self, names: &[String]) -> String {
        match self {
            Expr::Const(c) => c.to_string(),
            Expr::Reg(r) => names[r.index()].clone(),
            Expr::Not(e) => format!("!{}", e.render_operand(names)),
            Expr::Binary(op, a, b) => format!(
                "{} {} {}",
                a.render_operand(names),
                op.symbol(),
                b.render_operand(names)
            ),
        }
    }

    fn render_operand(&self, names: &[String]) -> String {
        match self {
            Expr::Binary(..) => format!("({})", self.render(names)),
            _ => self.render(names),
        }
    }
}

impl std::ops::Not for Expr {
    type Output = Expr;
    /// `!self`
    fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}

/// One binary operation, with checked arithmetic.
#[inline]
fn apply(op: BinOp, a: i64, b: i64) -> Result<i64, String> {
    apply_checked(op, a, b).ok_or_else(|| match op {
        BinOp::Div | BinOp::Rem if b == 0 => "integer divide by zero".to_string(),
        _ => format!("integer overflow in {a} {} {b}", op.symbol()),
    })
}

/// [`apply`] without the message, for the engines' hot path: `None` where
/// `apply` fails.
#[inline]
fn apply_checked(op: BinOp, a: i64, b: i64) -> Option<i64> {
    match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div => a.checked_div(b),
        BinOp::Rem => a.checked_rem(b),
        BinOp::Eq => Some(i64::from(a == b)),
        BinOp::Ne => Some(i64::from(a != b)),
        BinOp::Lt => Some(i64::from(a < b)),
        BinOp::Le => Some(i64::from(a <= b)),
        BinOp::Gt => Some(i64::from(a > b)),
        BinOp::Ge => Some(i64::from(a >= b)),
        BinOp::And => Some(i64::from(a != 0 && b != 0)),
        BinOp::Or => Some(i64::from(a != 0 || b != 0)),
    }
}

/// An expression prepared for evaluation: the common shapes (an operand, or
/// one operator between two operands) without walking a tree.
#[derive(Clone, Debug)]
pub(crate) enum Compiled {
    Operand(Operand),
    Binary(BinOp, Operand, Operand),
    Tree(Expr),
}

impl Compiled {
    pub fn new(e: &Expr) -> Compiled {
        let operand = |e: &Expr| match e {
            Expr::Const(c) => Some(Operand::Const(*c)),
            Expr::Reg(r) => Some(Operand::Reg(*r)),
            _ => None,
        };
        if let Some(o) = operand(e) {
            return Compiled::Operand(o);
        }
        if let Expr::Binary(op, a, b) = e
            && let (Some(a), Some(b)) = (operand(a), operand(b))
        {
            return Compiled::Binary(*op, a, b);
        }
        Compiled::Tree(e.clone())
    }

    /// Evaluates with checked arithmetic; the error describes the runtime
    /// panic.
    pub fn eval(&self, regs: &[i64]) -> Result<i64, String> {
        match self {
            Compiled::Operand(o) => Ok(o.eval(regs)),
            Compiled::Binary(op, a, b) => apply(*op, a.eval(regs), b.eval(regs)),
            Compiled::Tree(e) => e.eval(regs),
        }
    }

    /// The value, or `None` where [`Compiled::eval`] fails (which then says
    /// why): the hot path carries no message.
    #[inline]
    pub fn try_eval(&self, regs: &[i64]) -> Option<i64> {
        match self {
            Compiled::Operand(o) => Some(o.eval(regs)),
            Compiled::Binary(op, a, b) => apply_checked(*op, a.eval(regs), b.eval(regs)),
            Compiled::Tree(e) => e.eval(regs).ok(),
        }
    }
}

macro_rules! arith {
    ($trait:ident, $method:ident, $op:expr) => {
        impl<T: Into<Expr>> $trait<T> for Expr {
            type Output = Expr;
            fn $method(self, rhs: T) -> Expr {
                Expr::binary($op, self, rhs)
            }
        }
        impl<T: Into<Expr>> $trait<T> for Reg {
            type Output = Expr;
            fn $method(self, rhs: T) -> Expr {
                Expr::binary($op, self, rhs)
            }
        }
    };
}

/// The comparisons of [`Expr`] straight on a register, so that
/// `n.equals(0)` reads as `n == 0` without `Expr::from(n)` first.
impl Reg {
    /// `self == rhs`
    pub fn equals(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).equals(rhs)
    }
    /// `self != rhs`
    pub fn not_equals(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).not_equals(rhs)
    }
    /// `self < rhs`
    pub fn less_than(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).less_than(rhs)
    }
    /// `self <= rhs`
    pub fn at_most(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).at_most(rhs)
    }
    /// `self > rhs`
    pub fn greater_than(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).greater_than(rhs)
    }
    /// `self >= rhs`
    pub fn at_least(self, rhs: impl Into<Expr>) -> Expr {
        Expr::from(self).at_least(rhs)
    }
}

arith!(Add, add, BinOp::Add);
arith!(Sub, sub, BinOp::Sub);
arith!(Mul, mul, BinOp::Mul);
arith!(Div, div, BinOp::Div);
arith!(Rem, rem, BinOp::Rem);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_checked() {
        let r = Reg(0);
        assert_eq!((r + 5).eval(&[i64::MAX - 5]), Ok(i64::MAX));
        assert!(
            (r + 6)
                .eval(&[i64::MAX - 5])
                .unwrap_err()
                .contains("overflow")
        );
        assert_eq!((r / 0).eval(&[1]), Err("integer divide by zero".into()));
        assert_eq!((Expr::from(r) % 3).eval(&[-7]), Ok(-1));
    }

    #[test]
    fn comparisons_are_zero_or_one() {
        let r = Reg(0);
        assert_eq!(Expr::from(r).less_than(3).eval(&[2]), Ok(1));
        assert_eq!((!Expr::from(r).less_than(3)).eval(&[2]), Ok(0));
        assert_eq!(Expr::from(r).equals(2).and(1).eval(&[2]), Ok(1));
    }

    #[test]
    fn renders_like_go() {
        let names = vec!["temp".to_string()];
        assert_eq!((Reg(0) + 500).render(&names), "temp + 500");
        assert_eq!(((Reg(0) * 3) / 100).render(&names), "(temp * 3) / 100");
    }
}
