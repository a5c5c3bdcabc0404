//! Solve transport instances with the transfer's min-cost-flow solver, for the
//! independent oracle in `tests/flow_oracle` (not a test by itself).
//!
//! Reads a JSON array of instances `{"supply": [..], "capacity": [..], "arcs":
//! [[grid, shelter, cost], ..]}` on stdin; writes a JSON array of plans `{"flows":
//! [[grid, shelter, persons], ..], "unplaced": [..], "total_cost": n}` on stdout.
//! Grids are added in index order.

use std::io::Read;

use layers::query::{Transport, solve};
use serde_json::{Value, json};

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_i64().expect("an integer"))
        .collect()
}

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).expect("stdin");
    let instances: Value = serde_json::from_str(&input).expect("JSON instances");
    let plans: Vec<Value> = instances
        .as_array()
        .expect("an array of instances")
        .iter()
        .map(|inst| {
            let arcs = inst["arcs"]
                .as_array()
                .expect("arcs")
                .iter()
                .map(|a| {
                    let a = ints(a);
                    (a[0] as usize, a[1] as usize, a[2])
                })
                .collect();
            let p = Transport {
                supply: ints(&inst["supply"]),
                capacity: ints(&inst["capacity"]),
                arcs,
            };
            let order: Vec<usize> = (0..p.supply.len()).collect();
            let plan = solve(&p, &order);
            json!({"flows": plan.flows, "unplaced": plan.unplaced, "total_cost": plan.total_cost})
        })
        .collect();
    println!("{}", Value::Array(plans));
}
