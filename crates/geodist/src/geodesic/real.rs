//! `Real`: the arithmetic the direct solution and the inverse's Newton iteration are written
//! in, so that they run on one `f64` or on several at once ([`F64x2`], [`F64x4`]), lane by lane
//! with the same IEEE operations in the same order.
//!
//! Both are long chains of dependent divisions, square roots and libm calls, so one solution
//! at a time leaves most of the CPU idle waiting for results. Independent solutions side by
//! side fill those gaps: the arithmetic becomes packed SSE2 (two lanes per instruction), and
//! the libm calls of one lane overlap with the others'. Each lane performs exactly the
//! operations of the scalar code, so the results are bit-identical to it.

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

/// Defines `$name`, a type of `$n` `f64` lanes, with every operation written out lane by lane
/// (`$lane` lists the indices) for the compiler to pack into vector instructions, with no loop
/// to unroll first.
macro_rules! lanes {
    ($(#[$doc:meta])* $name:ident, $n:literal, [$($lane:literal),+]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub(crate) struct $name(pub(crate) [f64; $n]);

        impl Real for $name {
            #[inline(always)]
            fn splat(x: f64) -> $name {
                $name([x; $n])
            }
            #[inline(always)]
            fn lane(self, i: usize) -> f64 {
                self.0[i]
            }
            #[inline(always)]
            fn from_fn(mut f: impl FnMut(usize) -> f64) -> $name {
                // Written out: `array::from_fn` goes through iterator machinery that is not
                // always inlined, and this is the innermost loop.
                $name([$(f($lane)),+])
            }
            #[inline(always)]
            fn rsub(self, c: f64) -> $name {
                $name([$(c - self.0[$lane]),+])
            }
            #[inline(always)]
            fn rdiv(self, c: f64) -> $name {
                $name([$(c / self.0[$lane]),+])
            }
            #[inline(always)]
            fn sqrt(self) -> $name {
                $name([$(self.0[$lane].sqrt()),+])
            }
            #[inline(always)]
            fn with_lane(mut self, i: usize, x: f64) -> $name {
                self.0[i] = x;
                self
            }
            #[inline(always)]
            fn hypot(self, y: $name) -> $name {
                // Borges' kernel on all lanes at once (packed square root and division) when
                // every lane is in its range, which is always the case for the unit-ish vectors
                // of the geodesic code; otherwise lane by lane with the scaling of
                // `angle::hypot`.
                let (x, y) = (self.0.map(f64::abs), y.0.map(f64::abs));
                let ax = $name([$(x[$lane].max(y[$lane])),+]);
                let ay = $name([$(x[$lane].min(y[$lane])),+]);
                if $(angle::hypot_kernel_applies(ax.0[$lane], ay.0[$lane]))&&+ {
                    // `angle::hypot_kernel` on every lane, each bit-identical to it: both of
                    // its branches are computed and each lane takes its own.
                    let h = (ax * ax + ay * ay).sqrt();
                    // h <= 2 ay:
                    let delta = h - ay;
                    let near = [ax * (delta * 2.0 - ax), (delta - (ax - ay) * 2.0) * delta];
                    // otherwise:
                    let delta = h - ax;
                    let far =
                        [delta * 2.0 * (ax - ay * 2.0), (delta * 4.0 - ay) * ay + delta * delta];
                    let near_lanes = [$(h.0[$lane] <= 2.0 * ay.0[$lane]),+];
                    let pick = |k: usize| {
                        $name::from_fn(|i| if near_lanes[i] { near[k].0[i] } else { far[k].0[i] })
                    };
                    let (t1, t2) = (pick(0), pick(1));
                    h - (t1 + t2) / (h * 2.0)
                } else {
                    $name([$(angle::hypot(self.0[$lane], y[$lane])),+])
                }
            }
        }

        lanewise!($name, [$($lane),+], Add add +);
        lanewise!($name, [$($lane),+], Sub sub -);
        lanewise!($name, [$($lane),+], Mul mul *);
        lanewise!($name, [$($lane),+], Div div /);

        impl Neg for $name {
            type Output = $name;
            #[inline(always)]
            fn neg(self) -> $name {
                $name([$(-self.0[$lane]),+])
            }
        }
    };
}

/// A lane-by-lane operator for a type of [`lanes!`], with lanes or a scalar on the right.
macro_rules! lanewise {
    ($name:ident, [$($lane:literal),+], $trait:ident $method:ident $op:tt) => {
        impl $trait for $name {
            type Output = $name;
            #[inline(always)]
            fn $method(self, rhs: $name) -> $name {
                $name([$(self.0[$lane] $op rhs.0[$lane]),+])
            }
        }
        impl $trait<f64> for $name {
            type Output = $name;
            #[inline(always)]
            fn $method(self, rhs: f64) -> $name {
                $name([$(self.0[$lane] $op rhs),+])
            }
        }
    };
}

lanes!(
    /// Two `f64` lanes: the direct problem's batch width, and both ends of one inverse problem.
    F64x2, 2, [0, 1]
);

lanes!(
    /// Four `f64` lanes: the inverse problem's batch width (see `inverse::solve_all`).
    F64x4, 4, [0, 1, 2, 3]
);

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

    #[test]
    fn four_lanes_compute_what_scalars_compute() {
        let mut rng = crate::test_rng::XorShift::new(0x0004_1A4E);
        for _ in 0..10_000 {
            let mut draw = || {
                let scale = [1.0, 1e-200, 1e200, 1e-310, 0.0][(rng.bits() % 5) as usize];
                F64x4::from_fn(|_| rng.uniform(-2.0, 2.0) * scale)
            };
            let (a, b) = (draw(), draw());
            let result = (a * b - a / b + 0.5).rdiv(3.0).rsub(1.0).hypot(-b) + (a * a).sqrt();
            for i in 0..4 {
                let (x, y) = (a.lane(i), b.lane(i));
                let scalar = angle::hypot(1.0 - 3.0 / (x * y - x / y + 0.5), -y) + (x * x).sqrt();
                assert_eq!(result.lane(i).to_bits(), scalar.to_bits(), "{x:e} {y:e}");
            }
        }
    }
}
