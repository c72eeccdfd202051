//! The haversine batch kernel compiled for wider vector instructions, chosen at run time.
//!
//! Wheels target the baseline of each architecture (SSE2 on x86-64: two doubles per
//! instruction), but the haversine loop is branch-free arithmetic that LLVM vectorizes for
//! whatever width it is compiled for. The same core function is therefore compiled a second time
//! here with AVX2 (four doubles) and used when the CPU has it. Only IEEE-exact operations are
//! involved (no fused multiply-add: Rust never contracts, and FMA is not enabled), so the results
//! are bit-identical to the baseline build's.

use geodist::GeodistError;

/// [`geodist::batch::haversine`], on the widest vector instructions this CPU supports.
pub(crate) fn haversine(
    lat1: &[f64],
    lon1: &[f64],
    lat2: &[f64],
    lon2: &[f64],
    radius_m: f64,
    out: &mut [f64],
) -> Result<(), GeodistError> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { x86_64::haversine_avx2(lat1, lon1, lat2, lon2, radius_m, out) };
    }
    geodist::batch::haversine(lat1, lon1, lat2, lon2, radius_m, out)
}

#[cfg(target_arch = "x86_64")]
mod x86_64 {
    use geodist::GeodistError;

    #[target_feature(enable = "avx2")]
    pub(super) fn haversine_avx2(
        lat1: &[f64],
        lon1: &[f64],
        lat2: &[f64],
        lon2: &[f64],
        radius_m: f64,
        out: &mut [f64],
    ) -> Result<(), GeodistError> {
        geodist::batch::haversine(lat1, lon1, lat2, lon2, radius_m, out)
    }
}
