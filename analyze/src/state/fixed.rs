//! [`Fixed`]: a weight sum in 64.64 fixed point, so that bucketed weights
//! (histogram buckets, confusion counts) add exactly in 16 bytes.
//!
//! An [`ExactSum`](tabx_core::ExactSum) is exact for any f64 but holds 580
//! bytes; the prediction histogram keeps three sums in each of up to 10,002
//! buckets, for every slice and confidence-interval sample. Weights are
//! non-negative and moderate, so each one is rounded once, deterministically,
//! to a multiple of 2⁻⁶⁴ (exact for any weight ≥ 2⁻¹²: a double's 53-bit
//! significand then ends at or above 2⁻⁶⁴), and the sums are integer sums:
//! associative and commutative, so merge order cannot change a bit. The range
//! is ±2⁶³ ≈ 9.2e18 of total weight; adds wrap instead of panicking, which
//! only a corrupt input could reach.

use serde::{Deserialize, Serialize};

/// 2⁶⁴, the scale of a [`Fixed`].
const SCALE: f64 = 18_446_744_073_709_551_616.0;

/// A sum of weights in 64.64 fixed point (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Fixed(i128);

impl Fixed {
    /// `x` rounded toward zero to a multiple of 2⁻⁶⁴ (NaN is 0, out of range
    /// saturates): `(x · 2⁶⁴) as i128`, by hand from the bits because the
    /// float-to-i128 cast is a slow library call and this runs per example.
    #[inline]
    pub(crate) fn from_f64(x: f64) -> Self {
        let bits = x.to_bits();
        let exponent = ((bits >> 52) & 0x7FF) as i32;
        if exponent == 0x7FF {
            return Self::from_special(x);
        }
        let fraction = bits & ((1 << 52) - 1);
        // x = m · 2^(e − 1075) with the implicit bit (e ≥ 1); subnormals scale as e = 1.
        let (m, e) = if exponent == 0 { (fraction, 1) } else { (fraction | (1 << 52), exponent) };
        // x · 2⁶⁴ = m · 2^(e − 1011); m < 2⁵³, so shifts up to 74 fit in 127 bits.
        let shift = e - 1011;
        let negative = bits >> 63 == 1;
        if shift > 74 {
            return Self(if negative { i128::MIN } else { i128::MAX });
        }
        let magnitude = if shift >= 0 {
            i128::from(m) << shift
        } else if shift > -64 {
            i128::from(m >> -shift)
        } else {
            0
        };
        Self(if negative { -magnitude } else { magnitude })
    }

    #[cold]
    fn from_special(x: f64) -> Self {
        Self((x * SCALE) as i128)
    }

    /// The value, correctly rounded to f64.
    #[inline]
    pub(crate) fn value(self) -> f64 {
        self.0 as f64 / SCALE
    }

    #[inline]
    pub(crate) fn add(&mut self, other: Self) {
        self.0 = self.0.wrapping_add(other.0);
    }

    #[inline]
    pub(crate) fn sub(self, other: Self) -> Self {
        Self(self.0.wrapping_sub(other.0))
    }

    #[inline]
    pub(crate) fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::Add for Fixed {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self(self.0.wrapping_add(other.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_is_the_saturating_cast() {
        let mut x = 1.0e-30f64;
        while x < 1.0e40 {
            for v in [x, -x, x * 1.37, x / 3.0, x.next_up(), 5e-324, f64::MIN_POSITIVE] {
                assert_eq!(Fixed::from_f64(v).0, (v * SCALE) as i128, "{v:e}");
            }
            x *= 1.9;
        }
    }

    #[test]
    fn weights_round_trip_and_add_exactly() {
        for w in [0.0, 1.0, 0.1, 0.7, 3.5, 1e6, 2.0f64.powi(-12) * 1.2345] {
            assert_eq!(Fixed::from_f64(w).value(), w, "{w}");
        }
        // 0.1 + 0.2 in f64 is 0.30000000000000004; the fixed-point sum is the
        // exact sum of the two doubles, rounded once.
        let s = Fixed::from_f64(0.1) + Fixed::from_f64(0.2);
        assert_eq!(s.value(), 0.30000000000000004);
        let mut t = Fixed::from_f64(0.2);
        t.add(Fixed::from_f64(0.1));
        assert_eq!(s, t);
        assert_eq!(Fixed::from_f64(f64::NAN), Fixed::default());
        assert!(Fixed::from_f64(1e300).value() > 1e18);
        assert_eq!(s.sub(Fixed::from_f64(0.2)), Fixed::from_f64(0.1));
        assert_eq!(Fixed::from_f64(f64::INFINITY), Fixed(i128::MAX));
        assert_eq!(Fixed::from_f64(-0.0), Fixed::default());
        assert!(Fixed::default().is_zero());
    }
}
