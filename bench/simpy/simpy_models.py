#!/usr/bin/python3
"""The M/M/c and tandem-queue models of compare.sh, in SimPy 2 (Debian's python3-simpy, SimPy.Simulation).

Usage: simpy_models.py mmc|tandem SIM_SECONDS SEED
Prints one line of JSON: customers served, mean response time (ms), events (process resumptions).
Same parameters as the Faultline scenarios next to this file: arrivals Poisson at 720/s; M/M/c has 8
servers with exponential service of mean 10 ms (rho 0.9); the tandem has two single-server stations in
series with exponential service of mean 1.0 and 1.2 ms (rho 0.72 and 0.864).
"""
import json
import random
import sys

from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate

ARRIVAL_RATE = 720.0  # per second


class Stats:
    served = 0
    total_response = 0.0
    events = 0


class Customer(Process):
    def visit(self, stations):
        arrived = now()
        for station, mean in stations:
            yield request, self, station
            Stats.events += 1
            yield hold, self, random.expovariate(1.0 / mean)
            Stats.events += 1
            yield release, self, station
            Stats.events += 1
        Stats.served += 1
        Stats.total_response += now() - arrived


class Source(Process):
    def generate(self, stations):
        while True:
            yield hold, self, random.expovariate(ARRIVAL_RATE)
            Stats.events += 1
            c = Customer()
            activate(c, c.visit(stations))


def main():
    model, seconds, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    random.seed(seed)
    initialize()
    if model == "mmc":
        stations = [(Resource(capacity=8), 0.010)]
    elif model == "tandem":
        stations = [(Resource(capacity=1), 0.0010), (Resource(capacity=1), 0.0012)]
    else:
        sys.exit("model must be mmc or tandem")
    source = Source()
    activate(source, source.generate(stations))
    simulate(until=seconds)
    print(json.dumps({"customers": Stats.served, "mean_ms": 1000.0 * Stats.total_response / max(1, Stats.served),
                      "events": Stats.events}))


if __name__ == "__main__":
    main()
