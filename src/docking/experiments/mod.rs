//! The four docking experiments; each turns its parameters into a report.

pub mod goyal_joshi2006;
pub mod krishna1998;
pub mod krugman1991;
pub mod yi1996;

use crate::docking::DockCheck;

/// Formats a number with six decimals for tables.
pub(crate) fn f6(x: f64) -> String {
    format!("{x:.6}")
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

/// Builds a check row for a claim the README lists as not reproduced.
pub(crate) fn known_failure(
    claim: impl Into<String>,
    ours: impl Into<String>,
    pass: bool,
) -> DockCheck {
    DockCheck {
        expected: false,
        ..check(claim, ours, pass)
    }
}

/// Builds a table row from anything printable.
pub(crate) fn row<I: IntoIterator<Item = S>, S: ToString>(cells: I) -> Vec<String> {
    cells.into_iter().map(|c| c.to_string()).collect()
}
