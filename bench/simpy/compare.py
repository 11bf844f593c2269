#!/usr/bin/python3
"""Faultline's simulator against SimPy 2 on the same queueing models; run through compare.sh.

For each model, RUNS rounds of (SimPy, then Faultline) back to back, so both see the same machine load;
each process is timed whole (start-up included) by wall clock and by CPU time (user + system, from the
kernel's accounting of the child). Prints the medians, both mean response times against theory, and the
throughput ratio (customers/s) by wall clock and by CPU time. On a loaded machine the CPU ratio is the
fair one: wall time then includes waiting for a core.
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def erlang_c_response_ms(c, lam, mu):
    a = lam / mu
    rho = a / c
    below = sum(a**k / math.factorial(k) for k in range(c))
    top = a**c / math.factorial(c) / (1 - rho)
    p_wait = top / (below + top)
    return 1000.0 * (p_wait / (c * mu - lam) + 1 / mu)


# name: (scenario, theory in ms, how to read Faultline's customers and mean response from a snapshot)
def mmc_result(snap):
    station = next(n for n in snap["nodes"] if n["id"] == "station")
    return station["totals"]["requests"], station["totals"]["mean_ms"]


def tandem_result(snap):
    # The mean time in the network is the sum of the mean times at each station (each node's server or
    # consumer spans run from the request's arrival there, waiting included, to the end of its service).
    nodes = {n["id"]: n["totals"] for n in snap["nodes"]}
    return nodes["second"]["requests"], nodes["first"]["mean_ms"] + nodes["second"]["mean_ms"]


MODELS = {
    "mmc": ("mmc.json", "M/M/8, rho 0.9 (Erlang C)", erlang_c_response_ms(8, 720.0, 100.0), mmc_result),
    # Two M/M/1 stations in series (Jackson): the sum of 1 / (mu_i - lambda).
    "tandem": ("tandem.json", "tandem M/M/1 -> M/M/1, rho 0.72 and 0.864 (sum of two M/M/1)",
               1000.0 * (1 / (1000.0 - 720.0) + 1 / (1000.0 / 1.2 - 720.0)), tandem_result),
}


def timed(cmd):
    """Runs cmd; returns (stdout, wall s, cpu s)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, wall, cpu


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--faultline", default=os.path.join(HERE, "..", "..", "build", "dev", "app", "faultline"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--simpy-seconds", type=float, default=1000.0)
    p.add_argument("--faultline-seconds", type=float, default=1000.0)
    p.add_argument("--models", default="mmc,tandem")
    args = p.parse_args()

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.runs} alternating runs "
          f"each, medians; SimPy {args.simpy_seconds:g} simulated s, Faultline {args.faultline_seconds:g}")
    for name in args.models.split(","):
        scenario, title, theory, read = MODELS[name]
        simpy_runs, ours_runs = [], []
        for _ in range(args.runs):
            out, wall, cpu = timed(["/usr/bin/python3", os.path.join(HERE, "simpy_models.py"), name,
                                    str(args.simpy_seconds), "1"])
            r = json.loads(out)
            simpy_runs.append((r["customers"], r["mean_ms"], wall, cpu))
            out, wall, cpu = timed([args.faultline, "--headless", "--quiet", "--duration",
                                    str(args.faultline_seconds), "--seed", "1", os.path.join(HERE, scenario)])
            customers, mean = read(json.loads(out))
            ours_runs.append((customers, mean, wall, cpu))

        print(f"\nmodel: {title}, theory {theory:.3f} ms")
        print(f"{'':10} {'customers':>10} {'wall s':>7} {'cpu s':>7} {'cust/s wall':>12} {'cust/s cpu':>12} "
              f"{'mean ms':>8} {'vs theory':>9}")
        rates = {}
        for label, runs in (("SimPy 2", simpy_runs), ("Faultline", ours_runs)):
            customers, mean = runs[0][0], runs[0][1]  # the same seed gives the same run every time
            wall = statistics.median(r[2] for r in runs)
            cpu = statistics.median(r[3] for r in runs)
            rates[label] = (customers / wall, customers / cpu)
            print(f"{label:10} {customers:10d} {wall:7.3f} {cpu:7.3f} {customers / wall:12,.0f} "
                  f"{customers / cpu:12,.0f} {mean:8.3f} {100 * (mean / theory - 1):+8.2f}%")
        wall_ratio = rates["Faultline"][0] / rates["SimPy 2"][0]
        cpu_ratio = rates["Faultline"][1] / rates["SimPy 2"][1]
        print(f"ratio {name} (customers/s, Faultline / SimPy): {wall_ratio:.1f}x by wall clock, "
              f"{cpu_ratio:.1f}x by CPU time")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.exit(main())
