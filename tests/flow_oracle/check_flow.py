"""Oracle for the transfer's min-cost-flow solver (layers/src/query/flow).

Generates random small transport instances (grids with persons, shelters with
capacities, a few arcs per grid with costs in metres), has the Rust solver solve
them (layers example `flow_solve`, JSON on stdin/stdout), and checks each plan
against networkx, an independent solver:

- feasibility: flows on given arcs only, no shelter over capacity, each grid's
  placed + unplaced = its persons;
- the most persons placed: equal to networkx's maximum flow value;
- minimum cost: equal to networkx.min_cost_flow's optimum for the same placed
  amounts per grid (which persons stay unplaced when capacity is short follows the
  solver's documented order; the cost of placing them is what must be optimal).

Usage: check_flow.py SOLVER_BINARY [N_INSTANCES] [SEED]
"""

import json
import random
import subprocess
import sys

import networkx as nx


def instance(rng):
    g = rng.randint(1, 25)
    s = rng.randint(1, 8)
    supply = [rng.randint(0, 60) for _ in range(g)]
    # Half the instances short of room, half with room to spare.
    top = rng.choice([150, 1500])
    capacity = [rng.randint(0, top) for _ in range(s)]
    arcs = []
    for gi in range(g):
        k = rng.randint(0, min(s, 4))
        for si in rng.sample(range(s), k):
            arcs.append([gi, si, rng.randint(0, 5000)])
    return {"supply": supply, "capacity": capacity, "arcs": arcs}


def network(inst, supply):
    """Grids -> shelters -> sink; grid demands -supply, sink demand sum."""
    net = nx.DiGraph()
    total = sum(supply)
    for gi, v in enumerate(supply):
        net.add_node(("g", gi), demand=-v)
    for si, c in enumerate(inst["capacity"]):
        net.add_node(("s", si), demand=0)
        net.add_edge(("s", si), "sink", capacity=max(c, 0), weight=0)
    net.add_node("sink", demand=total)
    for gi, si, c in inst["arcs"]:
        net.add_edge(("g", gi), ("s", si), weight=c)
    return net


def max_placeable(inst):
    net = nx.DiGraph()
    for si, c in enumerate(inst["capacity"]):
        net.add_edge(("s", si), "sink", capacity=max(c, 0))
    for gi, v in enumerate(inst["supply"]):
        net.add_edge("src", ("g", gi), capacity=v)
    for gi, si, _ in inst["arcs"]:
        net.add_edge(("g", gi), ("s", si))  # no capacity attribute: unbounded
    if "src" not in net or "sink" not in net:
        return 0
    return nx.maximum_flow_value(net, "src", "sink")


def check(i, inst, plan):
    where = f"instance {i}: {json.dumps(inst)}"
    arcs = {(a[0], a[1]): a[2] for a in inst["arcs"]}
    used = [0] * len(inst["capacity"])
    sent = [0] * len(inst["supply"])
    cost = 0
    for gi, si, f in plan["flows"]:
        assert (gi, si) in arcs, f"{where}: flow on a missing arc"
        assert f > 0, where
        used[si] += f
        sent[gi] += f
        cost += f * arcs[(gi, si)]
    for si, u in enumerate(used):
        assert u <= inst["capacity"][si], f"{where}: shelter {si} over capacity"
    for gi, v in enumerate(inst["supply"]):
        assert sent[gi] + plan["unplaced"][gi] == v, f"{where}: grid {gi} balance"
        assert plan["unplaced"][gi] >= 0, where
    assert cost == plan["total_cost"], f"{where}: reported cost"
    placed = sum(sent)
    assert placed == max_placeable(inst), f"{where}: placed {placed}, max flow more"
    optimum = nx.min_cost_flow_cost(network(inst, sent))
    assert cost == optimum, f"{where}: cost {cost}, optimum {optimum}"


def main():
    solver = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    rng = random.Random(seed)
    instances = [instance(rng) for _ in range(n)]
    out = subprocess.run(
        [solver], input=json.dumps(instances), capture_output=True, text=True, check=True
    )
    plans = json.loads(out.stdout)
    assert len(plans) == n
    short = 0
    for i, (inst, plan) in enumerate(zip(instances, plans)):
        check(i, inst, plan)
        short += any(u > 0 for u in plan["unplaced"])
    print(f"flow oracle: {n} instances agree with networkx ({short} with persons left unplaced)")


if __name__ == "__main__":
    main()
