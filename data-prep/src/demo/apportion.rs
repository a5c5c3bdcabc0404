//! Splitting an exact total into integer parts: the published figures (515,030 persons,
//! 41,410 grids, 217,300 items) must come out exactly, at every level of a hierarchy.

/// Split `total` into parts proportional to `weights`, part `i` at least `minimum[i]`,
/// summing exactly to `total`. The minimums are set aside first and the rest is shared
/// by the largest-remainder method (ties go to the lower index, so the result is
/// deterministic). Returns `None` when the minimums exceed the total or every weight is
/// zero while something remains to share.
///
/// ```
/// use riskmap_prep::demo::apportion::apportion;
/// // 2.5 and 2.5: the tie goes to the lower index.
/// assert_eq!(apportion(10, &[1.0, 1.0, 2.0], &[0, 0, 0]), Some(vec![3, 2, 5]));
/// assert_eq!(apportion(10, &[0.0, 1.0], &[4, 0]), Some(vec![4, 6]));
/// assert_eq!(apportion(3, &[1.0, 1.0], &[2, 2]), None);
/// ```
pub fn apportion(total: u64, weights: &[f64], minimum: &[u64]) -> Option<Vec<u64>> {
    assert_eq!(weights.len(), minimum.len(), "one minimum per weight");
    let reserved: u64 = minimum.iter().sum();
    let rest = total.checked_sub(reserved)?;
    let mut parts = minimum.to_vec();
    if rest == 0 {
        return Some(parts);
    }
    let weight_sum: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    if weight_sum.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) || parts.is_empty() {
        return None;
    }
    let mut given = 0u64;
    let mut remainders: Vec<(f64, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = rest as f64 * w.max(0.0) / weight_sum;
        let whole = exact.floor();
        parts[i] += whole as u64;
        given += whole as u64;
        remainders.push((exact - whole, i));
    }
    // Floating error can leave `given` a hair off in either direction.
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut k = 0;
    while given < rest {
        parts[remainders[k % remainders.len()].1] += 1;
        given += 1;
        k += 1;
    }
    let mut k = remainders.len();
    while given > rest {
        k = if k == 0 { remainders.len() - 1 } else { k - 1 };
        let i = remainders[k].1;
        if parts[i] > minimum[i] {
            parts[i] -= 1;
            given -= 1;
        }
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_exactly_and_respects_minimums() {
        let weights: Vec<f64> = (0..97).map(|i| ((i * 37) % 11) as f64 + 0.1).collect();
        let minimum: Vec<u64> = (0..97).map(|i| (i % 3) as u64).collect();
        for total in [97u64, 515_030, 154_505, 41_410] {
            let parts = apportion(total, &weights, &minimum).unwrap();
            assert_eq!(parts.iter().sum::<u64>(), total);
            assert!(parts.iter().zip(&minimum).all(|(p, m)| p >= m));
        }
    }

    #[test]
    fn parts_follow_the_weights() {
        let parts = apportion(1_000_000, &[1.0, 2.0, 7.0], &[0, 0, 0]).unwrap();
        assert_eq!(parts, vec![100_000, 200_000, 700_000]);
    }

    #[test]
    fn impossible_splits_are_refused() {
        assert_eq!(apportion(5, &[0.0, 0.0], &[0, 0]), None);
        assert_eq!(apportion(5, &[1.0], &[6]), None);
        assert_eq!(apportion(0, &[], &[]), Some(vec![]));
    }
}
