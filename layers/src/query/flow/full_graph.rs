//! The first solver: successive shortest paths with Dijkstra over the whole residual
//! network, grid nodes included. Kept as the baseline of the benchmark
//! (`bench/RESULTS.md`) and as a second, independently written solver the tests
//! compare [`super::solve`] with; the analyses use [`super::solve`].
//!
//! Each grid is added in the order given and pushes its persons along shortest
//! residual paths; the potentials keep reduced costs non-negative, so the plan is of
//! minimum cost for the persons it places, and a grid that finds no path never finds
//! one later (see [`super`]).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{Plan, Transport};

#[derive(Debug, Clone, Copy)]
struct Edge {
    to: usize,
    cap: i64,
    cost: i64,
}

struct Graph {
    edges: Vec<Edge>,
    adj: Vec<Vec<usize>>,
}

impl Graph {
    fn add(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        let id = self.edges.len();
        self.edges.push(Edge { to, cap, cost });
        self.edges.push(Edge {
            to: from,
            cap: 0,
            cost: -cost,
        });
        self.adj[from].push(id);
        self.adj[to].push(id + 1);
        id
    }
}

/// Solve, adding grids in `order` (every grid index once).
pub fn solve_full_graph(p: &Transport, order: &[usize]) -> Plan {
    let (g, s) = (p.supply.len(), p.capacity.len());
    let sink = g + s;
    let n = sink + 1;
    let mut graph = Graph {
        edges: Vec::with_capacity(2 * (p.arcs.len() + s)),
        adj: vec![Vec::new(); n],
    };
    let arc_edges: Vec<usize> = p
        .arcs
        .iter()
        .map(|&(gi, si, c)| graph.add(gi, g + si, i64::MAX / 4, c))
        .collect();
    for (si, &cap) in p.capacity.iter().enumerate() {
        graph.add(g + si, sink, cap.max(0), 0);
    }
    // Potentials keep reduced costs non-negative on every residual edge.
    let mut h = vec![0i64; n];
    let mut dist = vec![i64::MAX; n];
    let mut prev = vec![usize::MAX; n];
    let mut done = vec![false; n];
    let mut touched: Vec<usize> = Vec::new();
    // Nodes a failed search reached: that set has no residual edge leaving it, now or
    // later (see the module text), so no path through it can reach the sink. Skipping
    // it keeps searches short once shelters fill up.
    let mut dead = vec![false; n];
    let mut unplaced = p.supply.clone();

    for &src in order {
        // A new grid has only outgoing arcs: lift it so they have reduced cost >= 0.
        h[src] = graph.adj[src]
            .iter()
            .map(|&e| h[graph.edges[e].to] - graph.edges[e].cost)
            .max()
            .unwrap_or(0);
        while unplaced[src] > 0 {
            for &v in &touched {
                dist[v] = i64::MAX;
                prev[v] = usize::MAX;
                done[v] = false;
            }
            touched.clear();
            let mut heap = BinaryHeap::new();
            dist[src] = 0;
            touched.push(src);
            heap.push(Reverse((0i64, src)));
            while let Some(Reverse((d, u))) = heap.pop() {
                if done[u] {
                    continue;
                }
                done[u] = true;
                if u == sink {
                    break;
                }
                for &e in &graph.adj[u] {
                    let Edge { to, cap, cost } = graph.edges[e];
                    if cap <= 0 || done[to] || dead[to] {
                        continue;
                    }
                    let nd = d + cost + h[u] - h[to];
                    if nd < dist[to] {
                        if dist[to] == i64::MAX {
                            touched.push(to);
                        }
                        dist[to] = nd;
                        prev[to] = e;
                        heap.push(Reverse((nd, to)));
                    }
                }
            }
            if !done[sink] {
                // No path: these persons stay unplaced, and all this search reached is
                // closed for good.
                for &v in &touched {
                    dead[v] = true;
                }
                break;
            }
            let reach = dist[sink];
            // The textbook update is h[v] += min(dist[v], reach) for every node (an
            // untouched node counts as dist = infinity). Shifting all potentials by the
            // same constant changes no reduced cost, so subtract `reach` everywhere:
            // untouched nodes then stay as they are and only touched ones move.
            for &v in &touched {
                h[v] += dist[v].min(reach) - reach;
            }
            let mut push = unplaced[src];
            let mut v = sink;
            while v != src {
                let e = prev[v];
                push = push.min(graph.edges[e].cap);
                v = graph.edges[e ^ 1].to;
            }
            let mut v = sink;
            while v != src {
                let e = prev[v];
                graph.edges[e].cap -= push;
                graph.edges[e ^ 1].cap += push;
                v = graph.edges[e ^ 1].to;
            }
            unplaced[src] -= push;
        }
    }

    let mut flows = Vec::new();
    let mut total_cost = 0;
    for (&(gi, si, c), &e) in p.arcs.iter().zip(&arc_edges) {
        let f = graph.edges[e ^ 1].cap;
        if f > 0 {
            flows.push((gi, si, f));
            total_cost += f * c;
        }
    }
    Plan {
        flows,
        unplaced,
        total_cost,
    }
}
