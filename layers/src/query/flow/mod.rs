//! Minimum-cost transport of persons from grids to shelters.
//!
//! The network is bipartite and sparse: each grid links to its k nearest usable
//! shelters (k = `Limits::transfer_candidates`), each shelter to a sink with its
//! capacity. There are 10⁴–10⁶ grids and 10²–10⁴ shelters, so the solver works on
//! the shelter side only:
//!
//! - **Successive shortest paths**, one grid at a time in the order given. Each
//!   augmentation is a shortest residual path from the grid to the sink. A residual
//!   path alternates shelter → grid → shelter ("grid g, now at shelter a, moves to
//!   shelter b", cost c(g,b) − c(g,a)), so Dijkstra runs over shelter nodes only: the
//!   edge a → b weighs the cheapest such move, kept in a lazy heap per shelter pair.
//! - **Potentials on shelters only** (a price per shelter, ≥ 0). A grid's potential is
//!   implied by its arcs (flow arcs are those minimising cost + price), so it is never
//!   stored. Shelters with room keep price 0 and the sink potential never moves: the
//!   first shelter with room that Dijkstra pops ends the search. While shelters have
//!   room a grid's search is one pop: its cheapest arc.
//! - **Pair heaps only for full shelters.** Dijkstra stops at the first shelter with
//!   room, so only full shelters are ever relaxed; a shelter's moves are indexed when
//!   it fills (full shelters never empty again: no shortest path leaves the sink).
//!
//! What the result is:
//! - after every augmentation the flow is of minimum cost for the persons placed so
//!   far (a shortest augmenting path keeps the residual network free of negative
//!   cycles), so the plan minimises total person-metres for the persons it places;
//! - a search that fails reaches a set of shelters no residual edge leaves, now or
//!   later (later paths cannot enter that set and still reach the sink), so the
//!   number of persons placed is the maximum any plan on this network can place, and
//!   the set is skipped from then on.
//!
//! Which persons stay unplaced when capacity is short follows the order grids are
//! given in; the caller chooses it. No crate on crates.io offers a maintained
//! min-cost flow for this shape. [`full_graph`] is the first solver, kept as the
//! benchmark baseline and as an independent check in the tests.

pub mod full_graph;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use foldhash::{HashMap, HashMapExt};

pub use full_graph::solve_full_graph;

/// A transport problem: supplies (persons per grid), capacities (per shelter) and
/// arcs grid → shelter with a cost per person (metres).
#[derive(Debug, Clone, Default)]
pub struct Transport {
    pub supply: Vec<i64>,
    pub capacity: Vec<i64>,
    /// `(grid, shelter, cost per person)`.
    pub arcs: Vec<(usize, usize, i64)>,
}

/// The optimal plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// `(grid, shelter, persons)` with persons > 0, in the order of the arcs.
    pub flows: Vec<(usize, usize, i64)>,
    /// Persons of each grid left without a place.
    pub unplaced: Vec<i64>,
    /// Sum of persons × cost over the flows.
    pub total_cost: i64,
}

const NONE: u32 = u32::MAX;

/// One move out of a full shelter `a`: grid `grid`, holding persons on arc `from`
/// (to `a`), could move them along arc `to` (to another shelter) for `delta`
/// metres per person. Stale once arc `from` carries no flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Move {
    delta: i64,
    grid: u32,
    from: u32,
    to: u32,
}

/// How Dijkstra reached a shelter: by `mv` (or from the source grid on arc `mv.to`
/// when `shelter` is NONE).
#[derive(Debug, Clone, Copy)]
struct Step {
    shelter: u32,
    mv: Move,
}

struct Solver {
    /// Arcs grouped by grid: grid `g` owns `start[g]..start[g + 1]`.
    start: Vec<usize>,
    head: Vec<u32>,
    cost: Vec<i64>,
    /// Index of each grouped arc in the caller's `arcs`.
    orig: Vec<usize>,
    flow: Vec<i64>,
    spare: Vec<i64>,
    price: Vec<i64>,
    dead: Vec<bool>,
    /// Grids that received flow at a shelter still with room (indexed when it fills).
    members: Vec<Vec<u32>>,
    /// Per full shelter `a`: its neighbours `b` and the heap of moves a → b.
    pairs: Vec<Vec<(u32, u32)>>,
    pair_index: HashMap<u64, u32>,
    heaps: Vec<BinaryHeap<Reverse<Move>>>,
    // Dijkstra scratch, reset through `touched`.
    dist: Vec<i64>,
    done: Vec<bool>,
    prev: Vec<Step>,
    touched: Vec<u32>,
    queue: BinaryHeap<Reverse<(i64, u32)>>,
}

impl Solver {
    fn new(p: &Transport) -> Self {
        let (g, s) = (p.supply.len(), p.capacity.len());
        let mut start = vec![0usize; g + 1];
        for &(gi, _, _) in &p.arcs {
            start[gi + 1] += 1;
        }
        for i in 0..g {
            start[i + 1] += start[i];
        }
        let m = p.arcs.len();
        let mut fill = start.clone();
        let (mut head, mut cost, mut orig) = (vec![0u32; m], vec![0i64; m], vec![0usize; m]);
        for (i, &(gi, si, c)) in p.arcs.iter().enumerate() {
            let at = fill[gi];
            fill[gi] += 1;
            (head[at], cost[at], orig[at]) = (si as u32, c, i);
        }
        let none = Step {
            shelter: NONE,
            mv: Move {
                delta: 0,
                grid: NONE,
                from: NONE,
                to: NONE,
            },
        };
        Solver {
            start,
            head,
            cost,
            orig,
            flow: vec![0; m],
            spare: p.capacity.iter().map(|&c| c.max(0)).collect(),
            price: vec![0; s],
            dead: vec![false; s],
            members: vec![Vec::new(); s],
            pairs: vec![Vec::new(); s],
            pair_index: HashMap::new(),
            heaps: Vec::new(),
            dist: vec![i64::MAX; s],
            done: vec![false; s],
            prev: vec![none; s],
            touched: Vec::new(),
            queue: BinaryHeap::new(),
        }
    }

    /// Index grid `g`'s moves out of shelter `a` (reached on arc `from`).
    fn index_moves(&mut self, g: u32, from: usize) {
        let a = self.head[from];
        for to in self.start[g as usize]..self.start[g as usize + 1] {
            let b = self.head[to];
            if b == a {
                continue;
            }
            let key = (a as u64) << 32 | b as u64;
            let h = *self.pair_index.entry(key).or_insert_with(|| {
                self.heaps.push(BinaryHeap::new());
                self.pairs[a as usize].push((b, self.heaps.len() as u32 - 1));
                self.heaps.len() as u32 - 1
            });
            self.heaps[h as usize].push(Reverse(Move {
                delta: self.cost[to] - self.cost[from],
                grid: g,
                from: from as u32,
                to: to as u32,
            }));
        }
    }

    /// Add `x` persons on arc `arc` of grid `g`.
    fn add_flow(&mut self, g: u32, arc: usize, x: i64) {
        let was = self.flow[arc];
        self.flow[arc] += x;
        if was == 0 {
            let a = self.head[arc] as usize;
            if self.spare[a] == 0 {
                self.index_moves(g, arc);
            } else {
                self.members[a].push(g);
            }
        }
    }

    /// Shelter `a` has just filled: index the moves of the grids it holds.
    fn on_full(&mut self, a: usize) {
        for g in std::mem::take(&mut self.members[a]) {
            let arcs = self.start[g as usize]..self.start[g as usize + 1];
            if let Some(arc) = arcs
                .into_iter()
                .find(|&i| self.head[i] as usize == a && self.flow[i] > 0)
            {
                self.index_moves(g, arc);
            }
        }
    }

    fn label(&mut self, b: u32, d: i64, step: Step) {
        let bi = b as usize;
        if d < self.dist[bi] {
            if self.dist[bi] == i64::MAX {
                self.touched.push(b);
            }
            self.dist[bi] = d;
            self.prev[bi] = step;
            self.queue.push(Reverse((d, b)));
        }
    }

    /// Dijkstra from grid `src` to the nearest (in reduced cost) shelter with room.
    fn search(&mut self, src: u32) -> Option<u32> {
        for &v in &self.touched {
            self.dist[v as usize] = i64::MAX;
            self.done[v as usize] = false;
        }
        self.touched.clear();
        self.queue.clear();
        for to in self.start[src as usize]..self.start[src as usize + 1] {
            let b = self.head[to];
            if !self.dead[b as usize] {
                let mv = Move {
                    delta: 0,
                    grid: src,
                    from: NONE,
                    to: to as u32,
                };
                let d = self.cost[to] + self.price[b as usize];
                self.label(b, d, Step { shelter: NONE, mv });
            }
        }
        while let Some(Reverse((d, a))) = self.queue.pop() {
            let ai = a as usize;
            if self.done[ai] {
                continue;
            }
            self.done[ai] = true;
            if self.spare[ai] > 0 {
                return Some(a);
            }
            for i in 0..self.pairs[ai].len() {
                let (b, h) = self.pairs[ai][i];
                if self.dead[b as usize] || self.done[b as usize] {
                    continue;
                }
                let heap = &mut self.heaps[h as usize];
                // Drop moves whose grid has left `a` since they were indexed.
                while heap
                    .peek()
                    .is_some_and(|m| self.flow[m.0.from as usize] == 0)
                {
                    heap.pop();
                }
                if let Some(&Reverse(mv)) = heap.peek() {
                    let nd = d + mv.delta + self.price[b as usize] - self.price[ai];
                    self.label(b, nd, Step { shelter: a, mv });
                }
            }
        }
        None
    }

    /// Push as many of `src`'s remaining persons as the path to `target` allows.
    fn augment(&mut self, src: u32, target: u32, remaining: i64) -> i64 {
        let mut x = remaining.min(self.spare[target as usize]);
        let mut v = target;
        loop {
            let step = self.prev[v as usize];
            if step.shelter == NONE {
                break;
            }
            x = x.min(self.flow[step.mv.from as usize]);
            v = step.shelter;
        }
        let mut v = target;
        loop {
            let step = self.prev[v as usize];
            self.add_flow(step.mv.grid, step.mv.to as usize, x);
            if step.shelter == NONE {
                break;
            }
            self.flow[step.mv.from as usize] -= x;
            v = step.shelter;
        }
        debug_assert_eq!(self.prev[v as usize].mv.grid, src);
        // Shelters popped before the target rise in price by how much nearer they
        // were: reduced costs stay non-negative, shelters with room stay at 0.
        let reach = self.dist[target as usize];
        for &u in &self.touched {
            let ui = u as usize;
            if self.done[ui] && self.dist[ui] < reach {
                self.price[ui] += reach - self.dist[ui];
            }
        }
        let t = target as usize;
        self.spare[t] -= x;
        if self.spare[t] == 0 {
            self.on_full(t);
        }
        x
    }
}

/// Solve, adding grids in `order` (every grid index once).
pub fn solve(p: &Transport, order: &[usize]) -> Plan {
    let mut solver = Solver::new(p);
    let mut unplaced = p.supply.iter().map(|&s| s.max(0)).collect::<Vec<_>>();
    for &src in order {
        while unplaced[src] > 0 {
            let Some(target) = solver.search(src as u32) else {
                // Nothing this search reached can ever reach the sink again.
                for &v in &solver.touched {
                    solver.dead[v as usize] = true;
                }
                break;
            };
            unplaced[src] -= solver.augment(src as u32, target, unplaced[src]);
        }
    }
    let mut flows = Vec::new();
    let mut total_cost = 0;
    let mut by_orig: Vec<(usize, i64)> = (0..solver.flow.len())
        .filter(|&i| solver.flow[i] > 0)
        .map(|i| (solver.orig[i], solver.flow[i]))
        .collect();
    by_orig.sort_unstable();
    for (i, f) in by_orig {
        let (gi, si, c) = p.arcs[i];
        flows.push((gi, si, f));
        total_cost += f * c;
    }
    Plan {
        flows,
        unplaced,
        total_cost,
    }
}

#[cfg(test)]
mod tests;
