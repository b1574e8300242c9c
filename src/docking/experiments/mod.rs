//! The four docking experiments; each turns its parameters into a report.

pub mod goyal_joshi2006;
pub mod krishna1998;
pub mod krugman1991;
pub mod yi1996;

use crate::docking::DockCheck;

/// Formats a number with six decimals for the PASS/FAIL lines people read.
pub(crate) fn f6(x: f64) -> String {
    format!("{x:.6}")
}

/// A number in a table cell: Rust's shortest form that reads back to the same bits, so
/// that agreement to 1e-9 can be checked from the CSV files themselves; very small and
/// very large numbers in exponent form (`5.7e-12`), which every CSV reader parses.
pub(crate) fn num(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-5..1e16).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Builds a check row.
pub(crate) fn check(claim: impl Into<String>, ours: impl Into<String>, pass: bool) -> DockCheck {
    DockCheck {
        claim: claim.into(),
        ours: ours.into(),
        pass,
        expected: true,
    }
}

/// Builds a table row from anything printable.
pub(crate) fn row<I: IntoIterator<Item = S>, S: ToString>(cells: I) -> Vec<String> {
    cells.into_iter().map(|c| c.to_string()).collect()
}
