//! The solver against its definition (no negative residual cycle, the most persons
//! placed) and against the first solver, on random problems.

use super::*;

/// Is there a negative cycle in the residual network of `plan`? (Bellman-Ford.)
/// A flow is of minimum cost for its supplies exactly when there is none.
fn has_negative_cycle(p: &Transport, plan: &Plan) -> bool {
    let (g, s) = (p.supply.len(), p.capacity.len());
    let n = g + s + 1;
    let mut used = vec![0i64; s];
    let mut flow = std::collections::HashMap::new();
    for &(gi, si, f) in &plan.flows {
        used[si] += f;
        *flow.entry((gi, si)).or_insert(0) += f;
    }
    let mut edges = Vec::new();
    for &(gi, si, c) in &p.arcs {
        edges.push((gi, g + si, c));
        if flow.get(&(gi, si)).copied().unwrap_or(0) > 0 {
            edges.push((g + si, gi, -c));
        }
    }
    for (si, &u) in used.iter().enumerate() {
        if u < p.capacity[si] {
            edges.push((g + si, g + s, 0));
        }
        if u > 0 {
            edges.push((g + s, g + si, 0));
        }
    }
    let mut d = vec![0i64; n];
    for round in 0..=n {
        let mut changed = false;
        for &(a, b, c) in &edges {
            if d[a] + c < d[b] {
                d[b] = d[a] + c;
                changed = true;
            }
        }
        if !changed {
            return false;
        }
        if round == n {
            return true;
        }
    }
    true
}

fn random_problem(seed: u64, g: usize, s: usize) -> Transport {
    let mut x = seed.wrapping_mul(0x9e3779b97f4a7c15) | 1;
    let mut next = move |m: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % m
    };
    let supply = (0..g).map(|_| 1 + next(60) as i64).collect();
    let capacity = (0..s).map(|_| next(200) as i64).collect();
    let mut arcs = Vec::new();
    for gi in 0..g {
        for si in 0..s {
            if next(3) > 0 {
                arcs.push((gi, si, 1 + next(5000) as i64));
            }
        }
    }
    Transport {
        supply,
        capacity,
        arcs,
    }
}

#[test]
fn plans_are_feasible_optimal_and_place_the_most() {
    for seed in 0..500 {
        let p = random_problem(seed, 3 + (seed % 17) as usize, 1 + (seed % 6) as usize);
        let order: Vec<usize> = (0..p.supply.len()).rev().collect();
        let plan = solve(&p, &order);
        // Feasible: supplies and capacities respected.
        let mut used = vec![0; p.capacity.len()];
        let mut sent = vec![0; p.supply.len()];
        for &(gi, si, f) in &plan.flows {
            used[si] += f;
            sent[gi] += f;
        }
        for (si, u) in used.iter().enumerate() {
            assert!(
                *u <= p.capacity[si],
                "seed {seed}: shelter {si} over capacity"
            );
        }
        for (gi, s) in sent.iter().enumerate() {
            assert_eq!(s + plan.unplaced[gi], p.supply[gi], "seed {seed}");
        }
        assert!(
            !has_negative_cycle(&p, &plan),
            "seed {seed}: not minimum cost"
        );
        // Placed the maximum: compare with a plain max-flow bound computed by
        // running the same solver with every cost zero in another order.
        let zero = Transport {
            arcs: p.arcs.iter().map(|&(a, b, _)| (a, b, 0)).collect(),
            ..p.clone()
        };
        let other: Vec<usize> = (0..p.supply.len()).collect();
        let max_placed: i64 = solve(&zero, &other).flows.iter().map(|f| f.2).sum();
        let placed: i64 = plan.flows.iter().map(|f| f.2).sum();
        assert_eq!(placed, max_placed, "seed {seed}");
    }
}

#[test]
fn prefers_moving_a_neighbour_to_leaving_a_grid_far_away() {
    // Shelter 0 (cap 10) is near both grids; shelter 1 (cap 10) is near grid 0 only.
    // Grid 1 first takes shelter 0; grid 0 then must go to shelter 1 at cost 2,
    // not to shelter 0.
    let p = Transport {
        supply: vec![10, 10],
        capacity: vec![10, 10],
        arcs: vec![(0, 0, 1), (0, 1, 2), (1, 0, 1), (1, 1, 100)],
    };
    let plan = solve(&p, &[1, 0]);
    assert_eq!(plan.total_cost, 10 + 10 * 2);
    assert!(plan.unplaced.iter().all(|&u| u == 0));
}

#[test]
fn a_chain_of_moves_frees_room_far_away() {
    // Grid 2 can only reach shelter 0; shelter 0 is taken by grid 1, which can move
    // to shelter 1 only if grid 0 moves on from shelter 1 to shelter 2.
    let p = Transport {
        supply: vec![5, 5, 5],
        capacity: vec![5, 5, 5],
        arcs: vec![(0, 1, 1), (0, 2, 50), (1, 0, 1), (1, 1, 3), (2, 0, 2)],
    };
    let plan = solve(&p, &[0, 1, 2]);
    assert!(plan.unplaced.iter().all(|&u| u == 0));
    assert_eq!(plan.total_cost, 5 * 50 + 5 * 3 + 5 * 2);
}
