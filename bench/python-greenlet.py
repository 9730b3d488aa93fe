"""Python greenlet switch round trip (main -> g -> main), for comparison with hard contexts.
Run with the Debian python that has python3-greenlet: /usr/bin/python3 bench/python-greenlet.py"""
import json
import statistics
import time

import greenlet

main = greenlet.getcurrent()


def loop():
    while True:
        main.switch()


g = greenlet.greenlet(loop)
g.switch()
samples = []
for _ in range(30):
    t0 = time.perf_counter_ns()
    for _ in range(100_000):
        g.switch()
    samples.append((time.perf_counter_ns() - t0) / 100_000)
print(json.dumps({"bench": "python-greenlet-roundtrip", "greenlet": greenlet.__version__,
                  "medianNs": round(statistics.median(samples)), "minNs": round(min(samples))}))
