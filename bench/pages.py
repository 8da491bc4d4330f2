"""Latency and throughput of the main public pages against a running server.

    make run &                      # in another terminal
    .venv/bin/python bench/pages.py --requests 500 --concurrency 8

Sends only to the given loopback URL, a bounded number of requests, then stops.
"""
import argparse
import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

PAGES = ["/", "/courses/jakarta-2025-wps/", "/courses/jakarta-2025-wps/?lang=vi", "/login"]


def fetch(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        assert response.status == 200, (url, response.status)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    host = urlsplit(args.base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("benchmarks only run against this machine")
    for page in PAGES:
        url = args.base + page
        fetch(url)  # warm up
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            timings = sorted(pool.map(fetch, [url] * args.requests))
        wall = time.perf_counter() - started
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{page:40} {args.requests / wall:7.1f} req/s  p50 {statistics.median(timings) * 1000:6.1f} ms"
              f"  p95 {p95 * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
