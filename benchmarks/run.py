"""Speed of powernode, as ratios against the physical limit measured in the same run.

    python benchmarks/run.py [--quick]

Starts its own embedded PostgreSQL 18 in a temporary directory. Each figure
is the best of several runs; the machine is shared and noisy, so compare the
ratios, not the seconds.
"""
import argparse
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2

import powernode
from powernode import embedded, standbys
from powernode.fields import utcnow
from powernode.uuid7 import new_uuid7

from destroy import bench_destroy      # benchmarks/ siblings
from replicas import bench_replicas

ROOT = Path(__file__).resolve().parent.parent
ROWS = []


def report(name, ours, limit, limit_name, target=None, unit="s"):
    ratio = ours / limit if limit else float("nan")
    ROWS.append((name, ours, limit, limit_name, ratio, target, unit))
    verdict = "" if target is None else ("  ok" if ratio <= target else "  MISSED")
    print(f"{name:<44} {ours:>9.3f}{unit:<3} {limit_name:<30} {limit:>9.3f}{unit:<3} {ratio:>6.2f}x"
          f"{'' if target is None else f'  (target {target}x)'}{verdict}", flush=True)


def note(name, text):
    ROWS.append((name, text))
    print(f"{name:<44} {text}", flush=True)


def best(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


class Server:
    def __init__(self):
        self.path = Path(tempfile.mkdtemp(prefix="pn-bench-")) / "pgdata"
        self.admin_url = embedded.start(self.path, database="postgres")
        self.count = 0

    def fresh(self):
        self.count += 1
        name = f"bench_{self.count}"
        return embedded.start(self.path, database=name)

    def stop(self):
        standbys.stop(self.path)  # those bench_replicas started, should it have failed half-way
        embedded.stop(self.path)
        shutil.rmtree(self.path.parent, ignore_errors=True)


def bench_bulk(server, runs, n):
    db = powernode.connect(server.fresh(), namespaces=[])
    powernode.migrate(db)
    Account = powernode.models["Account"]
    rows = [{"name": f"tenant {i}", "billing_email": f"billing{i}@example.test", "settings": {"seats": i % 50}}
            for i in range(n)]

    def ours():
        db.execute_sql("TRUNCATE accounts CASCADE")
        powernode.bulk_load(Account, rows)

    now = utcnow().isoformat()
    text = "".join(f'tenant {i}\tbilling{i}@example.test\t{{"seats": {i % 50}}}\t{now}\t{now}\tf\tfree\tactive\n'
                   for i in range(n))
    columns = "name, billing_email, settings, created_at, updated_at, ai_suspended, analytics_tier, status"

    def raw():
        db.execute_sql("TRUNCATE accounts CASCADE")
        with db.atomic(), db.cursor() as cursor:
            cursor.copy_expert(f"COPY accounts ({columns}) FROM STDIN", io.StringIO(text))

    def insert_many():
        db.execute_sql("TRUNCATE accounts CASCADE")
        with db.atomic():
            for start in range(0, n, 1000):
                Account.insert_many(rows[start:start + 1000]).execute()

    limit, mine = _interleaved(raw, ours, runs)
    report(f"bulk_load {n:,} accounts", mine, limit, "raw COPY of the same rows", 1.3)
    report(f"insert_many {n:,} accounts (1,000/batch)", best(insert_many, max(1, runs - 2)), limit,
           "raw COPY of the same rows")

    def python_ids():
        db.execute_sql("TRUNCATE accounts CASCADE")
        powernode.bulk_load(Account, ({"id": new_uuid7(), **row} for row in rows))

    report(f"bulk_load {n:,}, ids made in Python", best(python_ids, runs), mine, "bulk_load, ids by uuidv7()")
    db.close()
    return rows


def bench_validated_users(server, runs, n):
    """bulk_load of users with the platform's validations on, against raw COPY of the same rows.

    The rows are what the values branch will write (e-mail and name encrypted once it lands:
    `_stored_text` is where their stored form is made); raw COPY gets them already in that form.
    """
    db = powernode.connect(server.fresh(), namespaces=[])
    powernode.migrate(db)
    Account, User = powernode.models["Account"], powernode.models["User"]
    account = Account.create(name="bench")
    rows = [{"account_id": account.id, "email": f"user{i}@bench.test", "name": f"User {i}",
             "password_digest": "$2a$12$" + "x" * 53} for i in range(n)]
    now = utcnow().isoformat()
    stored = [(_stored_text(User, "email", r["email"]), _stored_text(User, "name", r["name"])) for r in rows]
    text = "".join(f"{account.id}\t{email}\t{name}\t{rows[0]['password_digest']}\t{now}\t{now}\n"
                   for email, name in stored)

    def raw():
        db.execute_sql("TRUNCATE users CASCADE")
        with db.atomic(), db.cursor() as cursor:
            cursor.copy_expert("COPY users (account_id, email, name, password_digest, created_at, updated_at) "
                               "FROM STDIN", io.StringIO(text))

    def validated():
        db.execute_sql("TRUNCATE users CASCADE")
        powernode.bulk_load(User, rows)

    def trusted():
        db.execute_sql("TRUNCATE users CASCADE")
        powernode.bulk_load(User, rows, validate=False)

    limit, mine = _interleaved(raw, validated, runs)
    report(f"bulk_load {n:,} users, validated", mine, limit, "raw COPY of the same rows", 2.0)
    report(f"bulk_load {n:,} users, validate=False", best(trusted, runs), limit, "raw COPY of the same rows")
    db.close()


def _stored_text(model, attribute, value):
    """The column text a value is stored as (the field's db_value: ciphertext for an encrypted field)."""
    stored = model._meta.columns[attribute].db_value(value)
    return stored.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _interleaved(limit_fn, ours_fn, runs):
    """Best of `runs` for each, alternating, so that both see the same machine."""
    limits, ours = [], []
    for _ in range(runs):
        limits.append(best(limit_fn, 1))
        ours.append(best(ours_fn, 1))
    return min(limits), min(ours)


def bench_reads(server, runs, n):
    db = powernode.connect(server.fresh(), namespaces=[])
    powernode.migrate(db)
    Account = powernode.models["Account"]
    powernode.bulk_load(Account, ({"name": f"tenant {i}", "settings": {"seats": i}} for i in range(n)))
    sql, params = Account.select().sql()

    def raw():
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    def ours():
        assert len(list(Account.select())) == n

    def plain_peewee():
        import peewee
        assert len(list(peewee.ModelSelect(Account, Account._meta.sorted_fields))) == n

    limit, mine = _interleaved(raw, ours, runs)
    report(f"read {n:,} accounts as model instances", mine, limit, "raw cursor fetchall", 1.3)
    report(f"read {n:,} accounts, plain peewee select", best(plain_peewee, runs), limit, "raw cursor fetchall")
    db.close()


def bench_encrypted_reads(server, runs, n):
    """Users with encrypted email (deterministic) and name, read as instances vs the raw rows."""
    from powernode.behaviour import keys

    keys.configure(keys.EncryptionConfig(primary_key="bench-primary-key-0123456789abcd",
                                         deterministic_key="bench-deterministic-key-0123456",
                                         key_derivation_salt="bench-key-derivation-salt-01234"))
    db = powernode.connect(server.fresh(), namespaces=[])
    powernode.migrate(db)
    Account, User = powernode.models["Account"], powernode.models["User"]
    account = Account.create(name="bench")
    powernode.bulk_load(User, ({"account": account.id, "email": f"user{i}@example.test", "name": f"User Number {i}",
                                "password_digest": "x"} for i in range(n)))
    sql, params = User.select().sql()

    def raw():
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    def ours():
        users = list(User.select())
        assert len(users) == n and users[-1].name.startswith("User Number")

    limit, mine = _interleaved(raw, ours, runs)
    report(f"read {n:,} users decrypting email and name", mine, limit, "raw cursor fetchall (envelopes)", 2.0)
    note("decryption cost", f"{(mine - limit) / (2 * n) * 1e6:.2f} µs per value (AES-256-GCM, keys derived once)")
    db.close()
    keys.configure(None)


def bench_migrate(server, runs):
    namespaces = list(powernode.installed.default_names())
    statements, keys = [], []
    for namespace in namespaces:
        directory = powernode.installed[namespace].migrations_dir
        for path in sorted(Path(directory).glob("[0-9]*.py")):
            module = {}
            exec(compile(path.read_text(), str(path), "exec"), module)
            statements += module["STATEMENTS"]
            keys += [key.sql() for key in module["FOREIGN_KEYS"]]
    ddl = ";\n".join(statements + list(dict.fromkeys(keys)))  # a key both namespaces list runs once

    def replay():
        connection = psycopg2.connect(server.fresh())
        with connection, connection.cursor() as cursor:
            cursor.execute('CREATE EXTENSION IF NOT EXISTS "vector"; CREATE EXTENSION IF NOT EXISTS "ltree"')
            cursor.execute(ddl)
        connection.close()

    def ours():  # what `python -m powernode migrate` runs, in process
        db = powernode.connect(server.fresh(), namespaces=namespaces, load_models=False)
        powernode.migrate(db)
        db.close()

    limit, mine = _interleaved(replay, ours, runs)
    tables = len(powernode.registry.models_of(tuple(namespaces)))
    report(f"migrate all {len(namespaces)} namespaces ({tables} tables)", mine, limit,
           "their DDL in one transaction", 1.3)

    url = server.fresh()
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "powernode", "migrate"], env=env, check=True, capture_output=True)
    noop = best(lambda: subprocess.run([sys.executable, "-m", "powernode", "migrate"], env=env, check=True,
                                       capture_output=True), runs)
    start = best(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), runs)
    report("no-op `python -m powernode migrate` (process)", noop, start, "python -c pass (process)")


def bench_nearest(server, n, queries=50):
    db = powernode.connect(server.fresh(), namespaces=["ai"])
    powernode.migrate(db)
    Node = powernode.models["Ai::KnowledgeGraphNode"]
    account = powernode.models["Account"].create(name="bench")
    generator = random.Random(7)

    def vector():
        return [generator.gauss(0, 1) for _ in range(1536)]

    powernode.bulk_load(Node, ({"account_id": account.id, "name": f"n{i}", "node_type": "concept",
                                "embedding": vector()} for i in range(n)))
    db.execute_sql("ANALYZE ai_knowledge_graph_nodes")
    probes = [vector() for _ in range(queries)]
    plan = _explain(db, Node, probes[0])
    latencies, exact_latencies, recalls = [], [], []
    for probe in probes:
        start = time.perf_counter()
        found = [row.id for row in Node.nearest(probe, k=10)]
        latencies.append(time.perf_counter() - start)
        with db.atomic():
            db.execute_sql("SET LOCAL enable_indexscan = off")  # the exact answer: a full scan and sort
            start = time.perf_counter()
            exact = [row.id for row in Node.nearest(probe, k=10)]
            exact_latencies.append(time.perf_counter() - start)
        recalls.append(len(set(found) & set(exact)) / 10)
    note(f"nearest() k=10 over {n:,} 1536-d vectors",
         f"recall@10 {statistics.mean(recalls):.3f} (target >= 0.95); median latency "
         f"{statistics.median(latencies) * 1000:.1f} ms (exact scan {statistics.median(exact_latencies) * 1000:.1f} ms)")
    note("nearest() plan", plan)
    db.close()


def _explain(db, model, probe):
    sql, params = model.nearest(probe, k=10).sql()
    lines = [row[0] for row in db.execute_sql("EXPLAIN " + sql, params).fetchall()]
    return next((line.strip() for line in lines if "Index Scan" in line), lines[0].strip())


def bench_rls(server, runs, accounts=5, per_account=3_000, reads=20):
    """One tenant's users and their tokens (a table owned through users), read by an application role,
    with the row-level security policies on and off; `tenant()` sets the context in both."""
    from powernode import rls
    from powernode.database import open_database

    url = server.fresh()
    db = powernode.connect(url, namespaces=[])
    powernode.migrate(db)
    User, Token = powernode.models["User"], powernode.models["UserToken"]
    tenants = [powernode.models["Account"].create(name=f"tenant {i}").id for i in range(accounts)]
    for number, account in enumerate(tenants):
        powernode.bulk_load(User, ({"account_id": account, "email": f"u{i}@t{number}.test", "password_digest": "x"}
                                   for i in range(per_account)))
    users = [row[0] for row in db.execute_sql("SELECT id FROM users").fetchall()]
    powernode.bulk_load(Token, ({"user_id": user, "token_digest": f"digest-{user}"} for user in users))
    db.execute_sql("ANALYZE")
    key = "benchmark tenant key, long enough to sign with"
    db.execute_sql("CREATE ROLE pn_bench_app LOGIN NOBYPASSRLS")
    db.execute_sql("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pn_bench_app")
    rls.enable(db, key=key.encode(), models=powernode.registry.models_of(db.namespaces))
    app = open_database(url.replace("postgres:@", "pn_bench_app:@"))
    app.tenant_key = key
    queries = ["SELECT * FROM users WHERE account_id = %s",
               "SELECT t.* FROM user_tokens t JOIN users u ON u.id = t.user_id WHERE u.account_id = %s"]

    def read():  # the queries alone: one tenant() block around them all
        with powernode.tenant(tenants[0], db=app), app.cursor() as cursor:
            for _ in range(reads):
                for sql in queries:
                    cursor.execute(sql, (str(tenants[0]),))
                    assert len(cursor.fetchall()) == per_account

    times = {False: [], True: []}
    for _ in range(runs + 2):  # alternating, so that both see the same machine
        for on in times:
            for table in ("users", "user_tokens"):
                db.execute_sql(f"ALTER TABLE {table} {'ENABLE' if on else 'DISABLE'} ROW LEVEL SECURITY")
            times[on].append(best(read, 1))
    without, with_rls = min(times[False]), min(times[True])
    report(f"{reads} tenant reads of {per_account:,} users + their tokens, RLS on", with_rls, without,
           "the same reads, RLS off", 1.2)
    app.close()
    db.execute_sql("DROP OWNED BY pn_bench_app")
    db.close()
    server_admin = psycopg2.connect(server.admin_url)
    server_admin.autocommit = True
    server_admin.cursor().execute("DROP ROLE pn_bench_app")
    server_admin.close()


def bench_uuid_versions(server, n):
    connection = psycopg2.connect(server.fresh())
    connection.autocommit = True
    cursor = connection.cursor()
    results = {}
    for version, default in (("v4", "gen_random_uuid()"), ("v7", "uuidv7()")):
        cursor.execute(f"CREATE TABLE keys_{version} (id uuid PRIMARY KEY DEFAULT {default}, n integer)")
        start = time.perf_counter()
        cursor.execute(f"INSERT INTO keys_{version} (n) SELECT g FROM generate_series(1, {n}) AS g")
        elapsed = time.perf_counter() - start
        cursor.execute(f"SELECT pg_relation_size('keys_{version}_pkey')")
        results[version] = (elapsed, cursor.fetchone()[0])
    connection.close()
    (v4_time, v4_size), (v7_time, v7_size) = results["v4"], results["v7"]
    report(f"insert {n:,} rows, UUIDv7 primary key", v7_time, v4_time, "the same with UUIDv4")
    note(f"primary-key index after {n:,} rows", f"v7 {v7_size / 2**20:.1f} MiB, v4 {v4_size / 2**20:.1f} MiB "
                                                f"({v7_size / v4_size:.2f}x)")


def bench_import():
    code = ("import time; t = time.perf_counter(); import powernode; a = time.perf_counter() - t; "
            "powernode.registry.models_of(tuple(powernode.installed.default_names())); "
            "print(a, time.perf_counter() - t)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(5)]
    package = min(float(r[0]) for r in runs)
    everything = min(float(r[1]) for r in runs)
    note("import powernode", f"{package * 1000:.0f} ms; with every namespace's models loaded "
                             f"{everything * 1000:.0f} ms (models load lazily, per namespace)")


def bench_ids(n):
    import uuid6

    ours = best(lambda: [new_uuid7() for _ in range(n)], 3)
    theirs = best(lambda: [uuid6.uuid7() for _ in range(n)], 3)
    v4 = best(lambda: [uuid.uuid4() for _ in range(n)], 3)
    report(f"make {n:,} UUIDv7 in Python", ours, theirs, "uuid6.uuid7()")
    note("UUID rates", f"powernode {n / ours / 1e6:.2f} M/s, uuid6.uuid7 {n / theirs / 1e6:.2f} M/s, "
                       f"uuid.uuid4 {n / v4 / 1e6:.2f} M/s; bulk_load lets the database default make ids")


FIGURES = ("bulk", "validated_users", "reads", "encrypted_reads", "migrate", "nearest", "rls", "uuid", "import", "ids", "destroy", "replicas")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs (a smoke test)")
    parser.add_argument("--only", metavar="A,B", help=f"run only these figures ({', '.join(FIGURES)})")
    args = parser.parse_args()
    runs = 2 if args.quick else 5
    scale = 10 if args.quick else 1
    print(f"powernode benchmarks on {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"embedded PostgreSQL 18")
    figures = {
        "bulk": lambda server: bench_bulk(server, runs, 100_000 // scale),
        "validated_users": lambda server: bench_validated_users(server, runs, 100_000 // scale),
        "reads": lambda server: bench_reads(server, runs, 100_000 // scale),
        "encrypted_reads": lambda server: bench_encrypted_reads(server, runs, 100_000 // scale),
        "migrate": lambda server: bench_migrate(server, min(runs, 3)),
        "nearest": lambda server: bench_nearest(server, 5_000 // scale),
        "rls": lambda server: bench_rls(server, runs, per_account=3_000 // scale),
        "uuid": lambda server: bench_uuid_versions(server, 1_000_000 // scale),
        "import": lambda server: bench_import(),
        "ids": lambda server: bench_ids(200_000 // scale),
        "destroy": lambda server: bench_destroy(server.fresh(), min(runs, 3), 100 // scale, report, note),
        "replicas": lambda server: bench_replicas(server, runs, report, note, seconds=3.0 / scale ** 0.5,
                                                  rows=50_000 // scale),
    }
    assert set(figures) == set(FIGURES)
    wanted = args.only.split(",") if args.only else list(figures)
    if set(wanted) - set(figures):
        parser.error(f"--only takes some of {', '.join(FIGURES)}")
    server = Server()
    try:
        for name in wanted:
            figures[name](server)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
