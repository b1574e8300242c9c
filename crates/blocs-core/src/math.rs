//! Transcendental functions from one pure-Rust implementation on every target.
//!
//! `f64::ln`, `exp`, `powf`, `sin`, `cos` and `asin` call the platform's libm (glibc, musl,
//! Apple's, Windows', the one compiled into a wasm module), and those may differ in the last
//! bit. A last bit is enough to change a CSV cell, and near a tie it can flip a country's
//! choice, so a referee on another operating system, or the browser app, would get other
//! numbers. Every call that reaches a result goes through these wrappers instead, which use
//! the `libm` crate (a port of musl's libm) with its architecture-specific paths off: the
//! same instructions, so the same bits, on every target. `sqrt`, `powi` with a small
//! constant exponent and the basic arithmetic are exactly rounded by IEEE 754 and stay as
//! they are.

/// The natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// e to the power `x`.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// `x` to the power `y`.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// The sine of `x` (radians).
#[inline]
pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

/// The cosine of `x` (radians).
#[inline]
pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}

/// The arcsine of `x`, in radians.
#[inline]
pub fn asin(x: f64) -> f64 {
    libm::asin(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Pinned bit patterns: a change of implementation (a `libm` upgrade, or a wrapper that
    // falls back to the platform) fails here before it silently moves results.
    #[test]
    fn values_are_pinned_to_the_bit() {
        assert_eq!(ln(2.0).to_bits(), std::f64::consts::LN_2.to_bits());
        // One ulp above e (glibc rounds this one to e itself): what matters is that it is
        // the same on every target.
        assert_eq!(exp(1.0).to_bits(), 0x4005_bf0a_8b14_576a);
        assert_eq!(powf(2.0, 10.0), 1024.0);
        assert_eq!(powf(1.3, -4.2).to_bits(), 0x3fd5_433e_a5aa_e84a);
        assert_eq!(sin(1.0).to_bits(), 0x3fea_ed54_8f09_0cee);
        assert_eq!(cos(1.0).to_bits(), 0x3fe1_4a28_0fb5_068c);
        assert_eq!(asin(0.5).to_bits(), 0x3fe0_c152_382d_7366);
    }
}
