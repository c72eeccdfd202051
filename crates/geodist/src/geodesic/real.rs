//! `Real`: the arithmetic the direct solution is written in, so that it runs on one `f64` or on
//! two at once ([`F64x2`]), lane by lane with the same IEEE operations in the same order.
//!
//! The direct problem is a long chain of dependent divisions, square roots and libm calls, so
//! one solution at a time leaves most of the CPU idle waiting for results. Two independent
//! solutions side by side fill those gaps: the arithmetic becomes packed SSE2 (two lanes per
//! instruction), and the libm calls of one lane overlap with the other's. Each lane performs
//! exactly the operations of the scalar code, so the results are bit-identical to it.

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::angle;

/// One or more `f64` lanes with IEEE arithmetic applied lane by lane.
pub(crate) trait Real:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
{
    /// Every lane `x`.
    fn splat(x: f64) -> Self;
    /// Lane `i`.
    fn lane(self, i: usize) -> f64;
    /// Lane `i` is `f(i)`.
    fn from_fn(f: impl FnMut(usize) -> f64) -> Self;
    /// `c - self`, lane by lane.
    fn rsub(self, c: f64) -> Self;
    /// `c / self`, lane by lane.
    fn rdiv(self, c: f64) -> Self;
    /// The square root of each lane.
    fn sqrt(self) -> Self;
    /// `f` applied to each lane.
    #[inline(always)]
    fn map(self, mut f: impl FnMut(f64) -> f64) -> Self {
        Self::from_fn(|i| f(self.lane(i)))
    }
    /// `f` applied to each lane of `self` and `other`.
    #[inline(always)]
    fn map2(self, other: Self, mut f: impl FnMut(f64, f64) -> f64) -> Self {
        Self::from_fn(|i| f(self.lane(i), other.lane(i)))
    }
    /// `f`, giving two results, applied to each lane.
    #[inline(always)]
    fn map_pair(self, mut f: impl FnMut(f64) -> (f64, f64)) -> (Self, Self) {
        let mut second = self;
        let first = Self::from_fn(|i| {
            let (x, y) = f(self.lane(i));
            second = second.with_lane(i, y);
            x
        });
        (first, second)
    }
    /// `self` with lane `i` replaced by `x`.
    fn with_lane(self, i: usize, x: f64) -> Self;
    /// `hypot` of each pair of lanes, as [`angle::hypot`].
    fn hypot(self, y: Self) -> Self;
}

impl Real for f64 {
    #[inline(always)]
    fn splat(x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn lane(self, _: usize) -> f64 {
        self
    }
    #[inline(always)]
    fn from_fn(mut f: impl FnMut(usize) -> f64) -> f64 {
        f(0)
    }
    #[inline(always)]
    fn rsub(self, c: f64) -> f64 {
        c - self
    }
    #[inline(always)]
    fn rdiv(self, c: f64) -> f64 {
        c / self
    }
    #[inline(always)]
    fn sqrt(self) -> f64 {
        f64::sqrt(self)
    }
    #[inline(always)]
    fn with_lane(self, _: usize, x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn hypot(self, y: f64) -> f64 {
        angle::hypot(self, y)
    }
}

/// Two `f64` lanes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct F64x2(pub(crate) [f64; 2]);

impl Real for F64x2 {
    #[inline(always)]
    fn splat(x: f64) -> F64x2 {
        F64x2([x, x])
    }
    #[inline(always)]
    fn lane(self, i: usize) -> f64 {
        self.0[i]
    }
    #[inline(always)]
    fn from_fn(mut f: impl FnMut(usize) -> f64) -> F64x2 {
        // Written out: `array::from_fn` goes through iterator machinery that is not always
        // inlined, and this is the innermost loop.
        F64x2([f(0), f(1)])
    }
    #[inline(always)]
    fn rsub(self, c: f64) -> F64x2 {
        F64x2([c - self.0[0], c - self.0[1]])
    }
    #[inline(always)]
    fn rdiv(self, c: f64) -> F64x2 {
        F64x2([c / self.0[0], c / self.0[1]])
    }
    #[inline(always)]
    fn sqrt(self) -> F64x2 {
        F64x2([self.0[0].sqrt(), self.0[1].sqrt()])
    }
    #[inline(always)]
    fn with_lane(mut self, i: usize, x: f64) -> F64x2 {
        self.0[i] = x;
        self
    }
    #[inline(always)]
    fn hypot(self, y: F64x2) -> F64x2 {
        // Borges' kernel on both lanes at once (packed square root and division) when both
        // are in its range, which is always the case for the unit-ish vectors of the geodesic
        // code; otherwise lane by lane with the scaling of `angle::hypot`.
        let (x, y) = (self.0.map(f64::abs), y.0.map(f64::abs));
        let ax = F64x2([x[0].max(y[0]), x[1].max(y[1])]);
        let ay = F64x2([x[0].min(y[0]), x[1].min(y[1])]);
        let in_range = |i: usize| angle::hypot_kernel_applies(ax.0[i], ay.0[i]);
        if in_range(0) && in_range(1) {
            hypot_kernel(ax, ay)
        } else {
            F64x2([angle::hypot(self.0[0], y[0]), angle::hypot(self.0[1], y[1])])
        }
    }
}

/// `angle::hypot_kernel` on two lanes, each bit-identical to it: both of its branches are
/// computed and each lane takes its own.
#[inline(always)]
fn hypot_kernel(ax: F64x2, ay: F64x2) -> F64x2 {
    let h = (ax * ax + ay * ay).sqrt();
    // h <= 2 ay:
    let delta = h - ay;
    let near = [ax * (delta * 2.0 - ax), (delta - (ax - ay) * 2.0) * delta];
    // otherwise:
    let delta = h - ax;
    let far = [delta * 2.0 * (ax - ay * 2.0), (delta * 4.0 - ay) * ay + delta * delta];
    let pick = |k: usize| {
        F64x2::from_fn(|i| if h.0[i] <= 2.0 * ay.0[i] { near[k].0[i] } else { far[k].0[i] })
    };
    let (t1, t2) = (pick(0), pick(1));
    h - (t1 + t2) / (h * 2.0)
}

/// Lane-by-lane operators for [`F64x2`], with a vector or a scalar on the right.
macro_rules! lanewise {
    ($($trait:ident $method:ident $op:tt),*) => {$(
        impl $trait for F64x2 {
            type Output = F64x2;
            #[inline(always)]
            fn $method(self, rhs: F64x2) -> F64x2 {
                F64x2([self.0[0] $op rhs.0[0], self.0[1] $op rhs.0[1]])
            }
        }
        impl $trait<f64> for F64x2 {
            type Output = F64x2;
            #[inline(always)]
            fn $method(self, rhs: f64) -> F64x2 {
                F64x2([self.0[0] $op rhs, self.0[1] $op rhs])
            }
        }
    )*};
}

lanewise!(Add add +, Sub sub -, Mul mul *, Div div /);

impl Neg for F64x2 {
    type Output = F64x2;
    #[inline(always)]
    fn neg(self) -> F64x2 {
        F64x2([-self.0[0], -self.0[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_compute_what_scalars_compute() {
        let (a, b) = (F64x2([0.1, -3.0]), F64x2([7.0, 1e-300]));
        let sum = a + b * 2.0 - a / b;
        for i in 0..2 {
            let (x, y) = (a.lane(i), b.lane(i));
            assert_eq!(sum.lane(i).to_bits(), (x + y * 2.0 - x / y).to_bits());
        }
        assert_eq!(a.rsub(1.0), F64x2([0.9, 4.0]));
        let (s, c) = a.map_pair(|x| (x.sin(), x.cos()));
        assert_eq!((s.lane(1), c.lane(1)), ((-3.0_f64).sin(), (-3.0_f64).cos()));
        assert_eq!(F64x2([3.0, 0.0]).hypot(F64x2([4.0, -2.0])), F64x2([5.0, 2.0]));
    }
}
