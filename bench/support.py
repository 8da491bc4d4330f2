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


def grow_team_sheet(person, key: str, rows: int):
    """``person``'s team sheet of module ``key`` grown to ``rows`` rows (copies of its first),
    saved and committed; returns the sheet."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.toolkit import forms, operations
    from app.toolkit.models import Exercise

    exercise = db.session.scalar(sa.select(Exercise).where(Exercise.course_id == person.course_id,
                                                           Exercise.module_key == key))
    sheet = operations.sheet_for(exercise, person)
    table = exercise.module.tables()[0].name
    grown = list(sheet.answers.get(table) or [])
    while len(grown) < rows:
        grown.append({**grown[0], "row_id": forms.new_row_id()})
    operations.record(sheet, {**sheet.answers, table: grown}, base_version=sheet.version, registration=person)
    db.session.commit()
    return sheet
