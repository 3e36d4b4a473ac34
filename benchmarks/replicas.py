"""Read replicas: what one machine shows of read throughput with 0, 1 and 2 standbys, and the routing cost.

    python benchmarks/replicas.py [--quick]       # also a section of benchmarks/run.py

The standbys run on the same machine as the primary (`powernode.standbys`, as
`server start --replicas` makes them), so extra standbys add no CPU: on a
2-core machine 4 readers already keep both cores busy, and the figures show
what routing costs and how the load spreads, not the scaling separate machines
would give. The routing overhead is a single reader's time per query through
the router to one standby, against the same query on a direct connection to
that standby, in wall time and in the reading thread's own CPU time, and the
routing decision timed alone (the steadiest of the three on a shared machine).
"""
import argparse
import random
import threading
import time
from urllib.parse import urlparse

import peewee

import powernode
from powernode import standbys
from powernode.replicas import Replicas

READERS = 4


def bench_replicas(server, runs, report, note, seconds=3.0, rows=50_000):
    url = server.fresh()
    name = urlparse(url).path.lstrip("/")
    standby_urls = [_on(u, name) for u in standbys.start(2, server.path, database="postgres")]
    db = powernode.connect(url, namespaces=[])
    powernode.migrate(db)
    Account = powernode.models["Account"]
    powernode.bulk_load(Account, ({"name": f"tenant {i}", "settings": {"seats": i % 50}} for i in range(rows)))
    db.execute_sql("ANALYZE accounts")
    ids = [row[0] for row in db.execute_sql("SELECT id FROM accounts").fetchall()]
    target = db.execute_sql("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn").fetchone()[0]
    for standby in standby_urls:
        _wait_for(standby, target)
    db.close()

    shapes = {
        "point read (get by id)": lambda database, pick: Account.select().where(Account.id == pick()).get(database),
        "aggregate (count over a scan)": lambda database, pick: Account.select().where(
            Account.name.endswith("7")).count(database),
    }
    setups = [powernode.connect(url, namespaces=[], replicas=Replicas(standby_urls[:count], refresh=0.1))
              for count in (0, 1, 2)]
    for database in setups[1:]:
        _until_usable(database)
    for shape, read in shapes.items():
        rates = {database: 0.0 for database in setups}
        for _ in range(max(1, runs // 2)):  # alternated, so that every setup sees the same machine
            for database in setups:
                rates[database] = max(rates[database], _throughput(database, read, ids, seconds))
        rate = [rates[database] for database in setups]
        note(f"{READERS} readers, {shape}",
             ", ".join(f"{n} standbys {r:,.0f}/s" for n, r in zip((0, 1, 2), rate))
             + f" ({rate[1] / rate[0]:.2f}x, {rate[2] / rate[0]:.2f}x)")
    for database in setups:
        if getattr(database, "replicas", None):
            database.replicas.close()
        database.close()

    routed = powernode.connect(url, namespaces=[], replicas=Replicas(standby_urls[:1], refresh=0.1))
    _until_usable(routed)
    direct = powernode.connect(standby_urls[0], namespaces=[])
    Account = powernode.models["Account"]
    picks = random.Random(3).choices(ids, k=2000)

    def through(database):
        def run():
            for pick in picks:
                Account.select().where(Account.id == pick).get(database)
        return run

    (direct_wall, direct_cpu), (routed_wall, routed_cpu) = _alternated(through(direct), through(routed), runs * 2)
    served = peewee.Select(columns=[peewee.fn.pg_is_in_recovery()]).scalar(routed)
    report(f"read {len(picks):,} accounts by id through the router", routed_wall, direct_wall,
           "the same on a direct connection", 1.05)
    report("  the same, this thread's CPU only", routed_cpu, direct_cpu, "the same on a direct connection", 1.05)
    query, decide = Account.select().where(Account.id == picks[0]), routed.replicas
    decisions = 20_000
    start = time.perf_counter()
    for _ in range(decisions):
        decide.may_serve(query) and decide.choose()
    decision = (time.perf_counter() - start) / decisions
    note("routing decision per query", f"{decision * 1e6:.1f} us, {decision / (direct_wall / len(picks)) * 100:.1f}% "
                                       f"of a direct read ({direct_wall / len(picks) * 1e6:.0f} us); "
                                       f"served by a standby: {served}")
    routed.replicas.close()
    routed.close()
    direct.close()
    standbys.stop(server.path)


def _throughput(database, read, ids, seconds) -> float:
    """Reads per second of READERS threads, each in its own context, for `seconds`."""
    done = threading.Event()
    counts = [0] * READERS

    def reader(slot):
        generator = random.Random(slot)
        pick = lambda: generator.choice(ids)  # noqa: E731
        while not done.is_set():
            read(database, pick)
            counts[slot] += 1
        database.close()  # this thread's connections, the standbys' included

    threads = [threading.Thread(target=reader, args=(slot,)) for slot in range(READERS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    done.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def _alternated(first, second, runs):
    """(wall, this thread's CPU) of each, best of `runs`, run first-second-second-first so both see the same machine."""
    results = {first: [], second: []}
    for turn in range(runs):
        for fn in ((first, second) if turn % 2 == 0 else (second, first)):
            wall, cpu = time.perf_counter(), time.thread_time()
            fn()
            results[fn].append((time.perf_counter() - wall, time.thread_time() - cpu))
    return [(min(w for w, _ in results[fn]), min(c for _, c in results[fn])) for fn in (first, second)]


def _on(server_url, database):
    return urlparse(server_url)._replace(path=f"/{database}").geturl()


def _wait_for(url, position):
    import psycopg2

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = psycopg2.connect(url)
        except psycopg2.OperationalError:  # the standby has not replayed CREATE DATABASE yet
            time.sleep(0.05)
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")
            replayed = cursor.fetchone()[0]
        connection.close()
        if replayed >= position:
            return
        time.sleep(0.05)
    raise RuntimeError(f"standby {url} did not catch up")


def _until_usable(database):
    deadline = time.monotonic() + 60
    while not all(usable for _, usable, _, _ in database.replicas.status()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"standbys not usable: {database.replicas.status()}")
        database.replicas.refresh_now()
        time.sleep(0.05)


def main():
    from run import Server, note, report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    server = Server()
    try:
        bench_replicas(server, 2 if args.quick else 5, report, note, seconds=1.0 if args.quick else 3.0)
    finally:
        standbys.stop(server.path)
        server.stop()


if __name__ == "__main__":
    main()
