"""What the benchmarks share: a throw-away database and the latency of an in-process page."""
import statistics
import time

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+psycopg://postgres@127.0.0.1:5432/lokakarya_bench"


def database_url(kind: str, tmp: str, name: str = "lokakarya_bench") -> str:
    """SQLite in the folder ``tmp``, or the PostgreSQL database ``name`` (`lokakarya_bench`) on
    127.0.0.1:5432, dropped and made again."""
    if kind == "sqlite":
        return f"sqlite:///{tmp}/bench.db"
    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return PG_BENCH.rsplit("/", 1)[0] + f"/{name}"


def latency(client, path: str, requests: int, warm_up: int = 3) -> tuple[float, float]:
    """p50 and p95 in ms of ``requests`` GETs of ``path`` through a Flask test client, after
    ``warm_up`` requests (templates compiled, caches filled)."""
    for _ in range(warm_up):
        client.get(path)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        samples.append(time.perf_counter() - started)
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000
