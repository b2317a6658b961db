//! A tiny counter-based random source (SplitMix64), fixed here so that a seed gives the
//! same bytes forever, whatever version of `rand` the workspace moves to.

/// SplitMix64's finaliser: a bijective 64-bit mixer.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// Independent streams drawn for one row.
#[derive(Clone, Copy)]
pub(crate) enum Stream {
    /// The person: age, sex, names, flags.
    Person = 1,
    /// Error injection, kept apart so a person does not change with the error rate.
    Errors = 2,
}

/// A SplitMix64 generator. Each (seed, stream, row) has its own state, so any row can be
/// regenerated on its own without replaying the rows before it.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn for_row(seed: u64, stream: Stream, row: u64) -> Self {
        let s = mix64(seed ^ mix64((stream as u64).wrapping_mul(GOLDEN)));
        Rng(mix64(s ^ mix64(row.wrapping_add(GOLDEN))))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix64(self.0)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2^-40 for the small `n` used
    /// here). `n` must be non-zero.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p` (`p >= 1` always, `p <= 0` or NaN never).
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        if p >= 1.0 {
            return true;
        }
        let unit = (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        unit < p
    }

    /// True with probability `per_mille / 1000`.
    pub(crate) fn per_mille(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_streams_differ() {
        let a = Rng::for_row(1, Stream::Person, 0).next_u64();
        let b = Rng::for_row(1, Stream::Person, 1).next_u64();
        let c = Rng::for_row(1, Stream::Errors, 0).next_u64();
        let d = Rng::for_row(2, Stream::Person, 0).next_u64();
        assert!(a != b && a != c && a != d && b != c);
        assert_eq!(a, Rng::for_row(1, Stream::Person, 0).next_u64());
    }

    #[test]
    fn below_and_chance_bounds() {
        let mut r = Rng::for_row(7, Stream::Person, 7);
        for n in 1..200 {
            assert!(r.below(n) < n);
        }
        assert!((0..100).all(|_| r.chance(1.0)));
        assert!((0..100).all(|_| !r.chance(0.0)));
        assert!((0..100).all(|_| !r.chance(f64::NAN)));
    }
}
