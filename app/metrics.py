"""Prometheus metrics, served at /metrics: requests by URL rule, jobs by function, the job queue.

With ``PROMETHEUS_MULTIPROC_DIR`` set (before the app starts), every process (each gunicorn
worker, each RQ work horse) writes its values to files there and /metrics adds them all up:
the folder must be emptied when the server (or the worker) starts. Without it, each process
reports its own. The queue length is read from Redis at scrape time.

/metrics answers addresses in ``METRICS_ALLOWED_NETWORKS`` (comma-separated; loopback by
default), as the app sees the client (the direct peer, or what the proxy reported with
LOKAKARYA_PROXY_FIX), and signed-in administrators; anyone else finds nothing (404).
"""
import ipaddress
import os
import threading
import time
from contextlib import contextmanager

from flask import Flask, current_app
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter,
                               Histogram, generate_latest, multiprocess, start_http_server)
from prometheus_client.core import GaugeMetricFamily

from .logs import request_fields

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_SECONDS = Histogram(
    "lokakarya_http_request_duration_seconds", "Time to answer a request, by URL rule.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REQUESTS = Counter("lokakarya_http_requests", "Requests answered, by URL rule and status code.",
                   ["route", "method", "code"])
JOB_SECONDS = Histogram(
    "lokakarya_job_duration_seconds", "Time a background job ran, by function (failed or not).",
    ["function"], buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600))
JOB_FAILURES = Counter("lokakarya_job_failures", "Background jobs that raised, by function.",
                       ["function"])


def configure(app: Flask) -> None:
    """Observe every request; read who may scrape (a bad network stops the start here)."""
    app.extensions["lokakarya.metrics_networks"] = networks(app.config["METRICS_ALLOWED_NETWORKS"])
    app.after_request(_observe)


def networks(value: str) -> tuple:
    """``METRICS_ALLOWED_NETWORKS``: comma-separated networks or addresses."""
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False)
                     for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise SystemExit(f"METRICS_ALLOWED_NETWORKS: {exc}")


def _observe(response):
    fields = request_fields(response.status_code)
    route = fields["route"] or "unmatched"  # an unknown path is not a label: there are endless
    method = fields["method"] if fields["method"] in METHODS else "other"
    if fields["duration_ms"] is not None:
        REQUEST_SECONDS.labels(route, method, f"{response.status_code // 100}xx") \
            .observe(fields["duration_ms"] / 1000)
    REQUESTS.labels(route, method, str(response.status_code)).inc()
    return response


@contextmanager
def job_timer(function: str):
    """Time the job ``function`` runs for; count it as failed if it raises."""
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        JOB_FAILURES.labels(function).inc()
        raise
    finally:
        JOB_SECONDS.labels(function).observe(time.perf_counter() - started)


def may_scrape(address: str | None) -> bool:
    """Whether the client at ``address`` may read /metrics: an allowed network, or an admin."""
    from flask_login import current_user

    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        client = None
    if client is not None:
        client = getattr(client, "ipv4_mapped", None) or client
        allowed = current_app.extensions["lokakarya.metrics_networks"]
        if any(client in network for network in allowed):
            return True
    return bool(current_user.is_authenticated and current_user.is_admin)


def processes() -> CollectorRegistry:
    """What this process reports: every process's values, in multi-process mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def serve(host: str, port: int) -> None:
    """Serve the metrics of PROMETHEUS_MULTIPROC_DIR at http://host:port/ until stopped (an RQ
    worker's machine: its work horses write there and end; no app server answers /metrics)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        raise SystemExit("Set PROMETHEUS_MULTIPROC_DIR to the folder the RQ workers write to.")
    start_http_server(port, host, registry=processes())
    threading.Event().wait()


def exposition(queue_name: str, redis) -> tuple[bytes, str]:
    """The metrics in Prometheus's text format (every process's, in multi-process mode), with
    the queue ``queue_name`` read from ``redis`` (a client; None without Redis), and their
    content type."""
    registry = processes()
    queue = CollectorRegistry(auto_describe=False)
    queue.register(QueueCollector(queue_name, redis))
    return generate_latest(registry) + generate_latest(queue), CONTENT_TYPE_LATEST


class QueueCollector:
    """The RQ queue's length and whether Redis answered, read when scraped (nothing without
    Redis: jobs then run inside the app)."""

    def __init__(self, name: str, redis):
        self.name, self.redis = name, redis

    def collect(self):
        if self.redis is None:
            return
        from rq import Queue

        up = GaugeMetricFamily("lokakarya_job_queue_up", "1 when Redis answered the scrape.",
                               labels=["queue"])
        length = GaugeMetricFamily("lokakarya_job_queue_length", "Jobs waiting in the queue.",
                                   labels=["queue"])
        try:
            waiting = Queue(self.name, connection=self.redis).count
        except Exception:  # noqa: BLE001 - a dead Redis is reported, not raised
            up.add_metric([self.name], 0)
        else:
            up.add_metric([self.name], 1)
            length.add_metric([self.name], waiting)
            yield length
        yield up
