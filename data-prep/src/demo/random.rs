//! Seeded randomness. Every generator draws from its own ChaCha stream, keyed by the
//! demo seed, what is being generated and for which area, so that one prefecture's
//! data does not depend on which others are generated (Chuxiong is the same alone and
//! inside the Yunnan run) nor on the order threads finish in.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

pub type DemoRng = ChaCha8Rng;

/// The random stream for `purpose` (e.g. "townships") in area `key` (e.g. "532301").
pub fn stream(seed: u64, purpose: &str, key: &str) -> DemoRng {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(purpose.as_bytes());
    h.update([0]);
    h.update(key.as_bytes());
    DemoRng::from_seed(h.finalize().into())
}

/// A standard normal draw (Box–Muller; rand_distr is not a dependency for this alone).
pub fn normal(rng: &mut DemoRng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal draw with the given median and log-space standard deviation.
pub fn lognormal(rng: &mut DemoRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Index drawn with probability proportional to `weights` (all ≥ 0, not all 0).
pub fn weighted_index(rng: &mut DemoRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut r = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| stream(7, "x", "1").random()).collect();
        let mut s = stream(7, "x", "1");
        let b: Vec<u64> = (0..4).map(|_| s.random()).collect();
        assert_eq!(a[0], b[0]);
        assert_ne!(b[0], b[1]);
        assert_ne!(
            stream(7, "x", "1").random::<u64>(),
            stream(8, "x", "1").random::<u64>()
        );
        assert_ne!(
            stream(7, "x", "1").random::<u64>(),
            stream(7, "y", "1").random::<u64>()
        );
    }

    #[test]
    fn normal_draws_have_unit_spread() {
        let mut rng = stream(1, "normal", "");
        let xs: Vec<f64> = (0..20_000).map(|_| normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03, "{mean}");
        assert!((var - 1.0).abs() < 0.05, "{var}");
    }

    #[test]
    fn weighted_index_follows_weights() {
        let mut rng = stream(1, "w", "");
        let mut counts = [0usize; 3];
        for _ in 0..10_000 {
            counts[weighted_index(&mut rng, &[1.0, 0.0, 3.0])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(
            (counts[2] as f64 / counts[0] as f64 - 3.0).abs() < 0.3,
            "{counts:?}"
        );
    }
}
