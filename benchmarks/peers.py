"""powernode against the ORMs a Python service would pick instead, on the same server, table and rows.

    pip install -r benchmarks/requirements.txt
    python benchmarks/peers.py [--quick] [--rows N]

One run, one embedded PostgreSQL 18 (in a temporary directory), one platform table
(`validation_rules`: uuid key, varchar, text, booleans, jsonb, timestamps) built by
`powernode.migrate`; every peer maps the same ten columns. Each line is the best of
several runs, printed as a ratio to the raw driver doing the same work: psycopg2 for
the synchronous lines, asyncpg for the asyncio ones (raw bulk insert is the driver's
COPY). The machine is shared and noisy: compare ratios, not seconds.
"""
import argparse
import asyncio
import datetime
import io
import json
import os
import random
import sys
import time
import uuid

import psycopg2
from psycopg2.extras import register_uuid

import powernode
from powernode.fields import utcnow

from run import Server  # benchmarks/ sibling: the embedded server in a temporary directory

TABLE = "validation_rules"
COLUMNS = ("id", "auto_fixable", "category", "configuration", "created_at", "description", "enabled", "name",
           "severity", "updated_at")
INSERTED = COLUMNS[1:]  # the key comes from the column default, uuidv7(), wherever the ORM allows it
POOL = 10
RESULTS = []  # (work, who, seconds, ratio)
DJANGO_MODEL = []


def best(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


async def abest(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(work, who, seconds, raw):
    ratio = seconds / raw
    RESULTS.append((work, who, seconds, ratio))
    print(f"{work:<40} {who:<44} {seconds:>9.3f}s {ratio:>7.2f}x", flush=True)


def rows_for(n):
    now = utcnow()
    categories = ("structure", "connectivity", "data", "configuration", "performance", "security")
    return [{"auto_fixable": i % 3 == 0, "category": categories[i % 6], "configuration": {"threshold": i % 100},
             "created_at": now, "description": f"rule number {i}", "enabled": i % 2 == 0, "name": f"rule {i}",
             "severity": ("error", "warning", "info")[i % 3], "updated_at": now} for i in range(n)]


def copy_text(rows):
    return "".join(f"{'t' if r['auto_fixable'] else 'f'}\t{r['category']}\t{json.dumps(r['configuration'])}\t"
                   f"{r['created_at'].isoformat()}\t{r['description']}\t{'t' if r['enabled'] else 'f'}\t"
                   f"{r['name']}\t{r['severity']}\t{r['updated_at'].isoformat()}\n" for r in rows)


def records(rows):
    return [(r["auto_fixable"], r["category"], r["configuration"], r["created_at"], r["description"],
             r["enabled"], r["name"], r["severity"], r["updated_at"]) for r in rows]


# ---------------------------------------------------------------- the peers' models of the same table

def sqlalchemy_models():
    from sqlalchemy import Boolean, DateTime, MetaData, String, Table, Text, Uuid, text
    from sqlalchemy.dialects.postgresql import JSONB
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class Rule(Base):
        __tablename__ = TABLE
        id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, server_default=text("uuidv7()"))
        auto_fixable: Mapped[bool] = mapped_column(Boolean, nullable=True)
        category: Mapped[str] = mapped_column(String)
        configuration: Mapped[dict] = mapped_column(JSONB, nullable=True)
        created_at: Mapped[datetime.datetime] = mapped_column(DateTime)
        description: Mapped[str] = mapped_column(Text, nullable=True)
        enabled: Mapped[bool] = mapped_column(Boolean, nullable=True)
        name: Mapped[str] = mapped_column(String)
        severity: Mapped[str] = mapped_column(String)
        updated_at: Mapped[datetime.datetime] = mapped_column(DateTime)

    return Rule, Rule.__table__


def django_model(url):
    import django
    from django.conf import settings
    from urllib.parse import parse_qs, urlparse

    parsed = urlparse(url)
    host = parse_qs(parsed.query).get("host", [parsed.hostname or ""])[0]
    settings.configure(DATABASES={"default": {"ENGINE": "django.db.backends.postgresql", "NAME": parsed.path[1:],
                                              "USER": parsed.username or "postgres", "HOST": host,
                                              "PORT": parsed.port or ""}},
                       INSTALLED_APPS=[], USE_TZ=False, DEFAULT_AUTO_FIELD="django.db.models.BigAutoField")
    django.setup()
    from django.db import models

    class Rule(models.Model):
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)  # Django makes the key in Python
        auto_fixable = models.BooleanField(null=True)
        category = models.CharField()
        configuration = models.JSONField(null=True)
        created_at = models.DateTimeField()
        description = models.TextField(null=True)
        enabled = models.BooleanField(null=True)
        name = models.CharField()
        severity = models.CharField()
        updated_at = models.DateTimeField()

        class Meta:
            app_label = "bench"
            db_table = TABLE
            managed = False

    return Rule


def peewee_model():
    import peewee
    from playhouse.postgres_ext import BinaryJSONField

    class Rule(peewee.Model):
        id = peewee.UUIDField(primary_key=True)
        auto_fixable = peewee.BooleanField(null=True)
        category = peewee.CharField()
        configuration = BinaryJSONField(null=True)
        created_at = peewee.DateTimeField()
        description = peewee.TextField(null=True)
        enabled = peewee.BooleanField(null=True)
        name = peewee.CharField()
        severity = peewee.CharField()
        updated_at = peewee.DateTimeField()

        class Meta:
            table_name = TABLE

    return Rule


def sqlalchemy_url(url, driver):
    return url.replace("postgresql://", f"postgresql+{driver}://", 1)


# ---------------------------------------------------------------- synchronous

def bench_sync(url, n, lookups, runs, rows):
    from playhouse.postgres_ext import PostgresqlExtDatabase
    from sqlalchemy import create_engine, insert, select
    from sqlalchemy.orm import Session

    raw = psycopg2.connect(url)
    register_uuid(conn_or_curs=raw)
    raw.autocommit = True
    cursor = raw.cursor()
    select_sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE}"
    lookup_sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE id = %s"

    db = powernode.connect(url, namespaces=[])
    Rule = powernode.models["ValidationRule"]
    SARule, satable = sqlalchemy_models()
    engine = create_engine(sqlalchemy_url(url, "psycopg2"), pool_size=POOL)
    DjRule = django_model(url)
    DJANGO_MODEL.append(DjRule)
    PwRule = peewee_model()
    plain = PostgresqlExtDatabase(db.database, **db.connect_params)
    PwRule.bind(plain)

    def truncate():
        cursor.execute(f"TRUNCATE {TABLE}")

    def load():
        truncate()
        cursor.copy_expert(f"COPY {TABLE} ({', '.join(INSERTED)}) FROM STDIN", io.StringIO(copy_text(rows)))
        cursor.execute(f"ANALYZE {TABLE}")

    load()
    cursor.execute(f"SELECT id FROM {TABLE}")
    ids = [row[0] for row in cursor.fetchall()]
    probe = random.Random(1).sample(ids, lookups)

    # read n rows as objects
    work = f"read {n:,} rows as objects"

    def raw_read():
        cursor.execute(select_sql)
        assert len(cursor.fetchall()) == n

    limit = best(raw_read, runs)
    report(work, "psycopg2 fetchall (raw)", limit, limit)
    report(work, "powernode", best(lambda: len(list(Rule.select())), runs), limit)
    with Session(engine) as session:
        def sa_orm():
            session.expunge_all()
            assert len(session.scalars(select(SARule)).all()) == n
        report(work, "SQLAlchemy ORM", best(sa_orm, runs), limit)
    with engine.connect() as connection:
        report(work, "SQLAlchemy Core (rows)", best(lambda: connection.execute(select(satable)).all(), runs), limit)
    report(work, "Django ORM", best(lambda: list(DjRule.objects.all()), runs), limit)
    report(work, "peewee", best(lambda: list(PwRule.select()), runs), limit)

    # primary-key lookups
    work = f"{lookups:,} lookups by primary key"

    def raw_lookups():
        for key in probe:
            cursor.execute(lookup_sql, (key,))
            cursor.fetchone()

    limit = best(raw_lookups, runs)
    report(work, "psycopg2 (raw)", limit, limit)
    report(work, "powernode", best(lambda: [Rule.get_by_id(key) for key in probe], runs), limit)
    with Session(engine) as session:
        def sa_get():
            session.expunge_all()  # a fresh identity map: every get reads the database
            for key in probe:
                session.get(SARule, key)
        report(work, "SQLAlchemy ORM (session.get)", best(sa_get, runs), limit)
    with engine.connect() as connection:
        report(work, "SQLAlchemy Core", best(
            lambda: [connection.execute(select(satable).where(satable.c.id == key)).first() for key in probe],
            runs), limit)
    report(work, "Django ORM", best(lambda: [DjRule.objects.get(pk=key) for key in probe], runs), limit)
    report(work, "peewee", best(lambda: [PwRule.get_by_id(key) for key in probe], runs), limit)

    # bulk insert
    work = f"bulk insert {n:,} rows"

    def timed(fn):
        def run():
            truncate()
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start
        return min(run() for _ in range(runs))

    limit = timed(lambda: cursor.copy_expert(f"COPY {TABLE} ({', '.join(INSERTED)}) FROM STDIN",
                                             io.StringIO(copy_text(rows))))
    report(work, "psycopg2 COPY (raw)", limit, limit)
    report(work, "powernode bulk_load (validate=False)",
           timed(lambda: powernode.bulk_load(Rule, rows, validate=False)), limit)
    report(work, "powernode bulk_load (validated)", timed(lambda: powernode.bulk_load(Rule, rows)), limit)

    def sa_orm_insert():
        with Session(engine) as session, session.begin():
            session.execute(insert(SARule), rows)
    report(work, "SQLAlchemy ORM (insert, executemany)", timed(sa_orm_insert), limit)

    def sa_core_insert():
        with engine.begin() as connection:
            connection.execute(satable.insert(), rows)
    report(work, "SQLAlchemy Core (insert, executemany)", timed(sa_core_insert), limit)

    def django_insert():
        from django.db import transaction
        with transaction.atomic():
            DjRule.objects.bulk_create([DjRule(**row) for row in rows], batch_size=1000)
    report(work, "Django ORM (bulk_create)", timed(django_insert), limit)

    def peewee_insert():
        with plain.atomic():
            for start in range(0, n, 1000):
                PwRule.insert_many(rows[start:start + 1000]).execute()
    report(work, "peewee (insert_many, 1,000/batch)", timed(peewee_insert), limit)

    load()  # the rows the asyncio half reads (the inserts above made other keys)
    cursor.execute(f"SELECT id FROM {TABLE}")
    probe = random.Random(2).sample([row[0] for row in cursor.fetchall()], lookups)
    from django.db import connection as django_connection
    django_connection.close()
    engine.dispose()
    plain.close()
    db.close()
    raw.close()
    return probe


# ---------------------------------------------------------------- asyncio

async def bench_async(url, n, lookups, runs, rows, probe, concurrent):
    import asyncpg
    from playhouse.pwasyncio import AsyncPostgresqlDatabase
    from sqlalchemy import insert, select
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

    from powernode.database import database_for

    async def decode_json(connection):  # what psycopg2 does unasked, and every peer here: jsonb as Python values
        await connection.set_type_codec("jsonb", schema="pg_catalog", format="binary",  # binary: COPY needs it
                                        encoder=lambda value: b"\x01" + json.dumps(value).encode(),
                                        decoder=lambda data: json.loads(data[1:]))

    pool = await asyncpg.create_pool(**_asyncpg_params(url), min_size=POOL, max_size=POOL, init=decode_json)
    select_sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE}"
    lookup_sql = f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE id = $1"
    db = await powernode.connect_async(url, namespaces=[], pool_size=POOL)
    Rule = powernode.models["ValidationRule"]
    SARule, satable = sqlalchemy_models()
    engine = create_async_engine(sqlalchemy_url(url, "asyncpg"), pool_size=POOL, max_overflow=0)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    DjRule = DJANGO_MODEL[0]  # Django registers a model class once per process
    PwRule = peewee_model()
    plain = database_for(url, AsyncPostgresqlDatabase, pool_size=POOL)
    PwRule.bind(plain)
    concurrent_probe = probe[:concurrent]
    sub = f" ({concurrent:,} concurrent tasks, pool of {POOL})"

    async with pool.acquire() as raw:
        # read n rows as objects
        work = f"async read {n:,} rows as objects"

        async def raw_read():
            assert len(await raw.fetch(select_sql)) == n

        limit = await abest(raw_read, runs)
        report(work, "asyncpg fetch (raw)", limit, limit)
        report(work, "powernode", await abest(lambda: db.list(Rule.select()), runs), limit)

        async def sa_orm():
            async with sessions() as session:
                assert len((await session.scalars(select(SARule))).all()) == n
        report(work, "SQLAlchemy ORM asyncio", await abest(sa_orm, runs), limit)

        async def sa_core():
            async with engine.connect() as connection:
                (await connection.execute(select(satable))).all()
        report(work, "SQLAlchemy Core asyncio (rows)", await abest(sa_core, runs), limit)

        async def django_read():
            assert len([row async for row in DjRule.objects.all()]) == n
        report(work, "Django ORM async", await abest(django_read, runs), limit)
        report(work, "peewee pwasyncio", await abest(lambda: plain.list(PwRule.select()), runs), limit)

        # sequential primary-key lookups
        work = f"async {lookups:,} lookups by primary key"

        async def raw_lookups():
            for key in probe:
                await raw.fetchrow(lookup_sql, key)

        limit = await abest(raw_lookups, runs)
        report(work, "asyncpg (raw)", limit, limit)

        async def ours():
            for key in probe:
                await Rule.aget_by_id(key)
        report(work, "powernode", await abest(ours, runs), limit)

        async def sa_get():
            async with sessions() as session:
                for key in probe:
                    await session.get(SARule, key)
        report(work, "SQLAlchemy ORM asyncio (session.get)", await abest(sa_get, runs), limit)

        async def sa_core_get():
            async with engine.connect() as connection:
                for key in probe:
                    (await connection.execute(select(satable).where(satable.c.id == key))).first()
        report(work, "SQLAlchemy Core asyncio", await abest(sa_core_get, runs), limit)

        async def django_get():
            for key in probe:
                await DjRule.objects.aget(pk=key)
        report(work, "Django ORM async (aget)", await abest(django_get, max(1, runs - 2)), limit)

        async def peewee_get():
            for key in probe:
                await plain.get(PwRule.select().where(PwRule.id == key))
        report(work, "peewee pwasyncio", await abest(peewee_get, runs), limit)

    # concurrent lookups
    work = f"async {concurrent:,} concurrent lookups"

    async def fan_out(one):
        await asyncio.gather(*(one(key) for key in concurrent_probe))

    async def raw_one(key):
        await pool.fetchrow(lookup_sql, key)

    limit = await abest(lambda: fan_out(raw_one), runs)
    report(work, "asyncpg pool (raw)", limit, limit)
    report(work, "powernode", await abest(lambda: fan_out(Rule.aget_by_id), runs), limit)

    async def sa_one(key):
        async with sessions() as session:
            await session.get(SARule, key)
    report(work, "SQLAlchemy ORM asyncio", await abest(lambda: fan_out(sa_one), runs), limit)

    async def sa_core_one(key):
        async with engine.connect() as connection:
            (await connection.execute(select(satable).where(satable.c.id == key))).first()
    report(work, "SQLAlchemy Core asyncio", await abest(lambda: fan_out(sa_core_one), runs), limit)
    report(work, "Django ORM async (aget)",
           await abest(lambda: fan_out(lambda key: DjRule.objects.aget(pk=key)), runs), limit)
    report(work, "peewee pwasyncio",
           await abest(lambda: fan_out(lambda key: plain.get(PwRule.select().where(PwRule.id == key))), runs), limit)
    print(f"{'':<40} {sub.strip()}", flush=True)

    # bulk insert
    work = f"async bulk insert {n:,} rows"
    payload = records(rows)

    async def timed(fn):
        times = []
        for _ in range(runs):
            await pool.execute(f"TRUNCATE {TABLE}")
            start = time.perf_counter()
            await fn()
            times.append(time.perf_counter() - start)
        return min(times)

    limit = await timed(lambda: pool.copy_records_to_table(TABLE, records=payload, columns=list(INSERTED)))
    report(work, "asyncpg binary COPY (raw)", limit, limit)
    report(work, "powernode bulk_load_async (validate=False)",
           await timed(lambda: powernode.bulk_load_async(Rule, rows, validate=False)), limit)
    report(work, "powernode bulk_load_async (validated)",
           await timed(lambda: powernode.bulk_load_async(Rule, rows)), limit)

    async def sa_orm_insert():
        async with sessions() as session, session.begin():
            await session.execute(insert(SARule), rows)
    report(work, "SQLAlchemy ORM asyncio (executemany)", await timed(sa_orm_insert), limit)

    async def sa_core_insert():
        async with engine.begin() as connection:
            await connection.execute(satable.insert(), rows)
    report(work, "SQLAlchemy Core asyncio (executemany)", await timed(sa_core_insert), limit)

    async def peewee_insert():
        async with plain.atomic():
            for start in range(0, n, 1000):
                await PwRule.insert_many(rows[start:start + 1000]).aexecute(plain)
    report(work, "peewee pwasyncio (insert_many)", await timed(peewee_insert), limit)

    await plain.close_pool()
    await engine.dispose()
    await db.close_pool()
    await pool.close()


def _asyncpg_params(url):
    from urllib.parse import parse_qs, urlparse

    parsed = urlparse(url)
    return {"database": parsed.path[1:], "user": parsed.username or "postgres",
            "host": parse_qs(parsed.query).get("host", [parsed.hostname])[0], "port": parsed.port}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows, fewer runs (a smoke test)")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (best is kept; default 3)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    runs = args.runs or (1 if args.quick else 3)
    n, lookups, concurrent = 100_000 // scale, 10_000 // scale, 1_000 // scale
    import django
    import sqlalchemy
    import peewee
    import asyncpg
    print(f"powernode against peers on {os.cpu_count()} cores, Python {sys.version.split()[0]}, embedded PostgreSQL 18; "
          f"SQLAlchemy {sqlalchemy.__version__}, Django {django.__version__}, peewee {peewee.__version__}, "
          f"psycopg2 {psycopg2.__version__.split()[0]}, asyncpg {asyncpg.__version__}; best of {runs}")
    print(f"{'work':<40} {'who':<44} {'time':>10} {'vs raw':>8}")
    server = Server()
    try:
        url = server.fresh()
        db = powernode.connect(url, namespaces=[])
        powernode.migrate(db)
        db.close()
        rows = rows_for(n)
        probe = bench_sync(url, n, lookups, runs, rows)
        asyncio.run(bench_async(url, n, lookups, runs, rows, probe, concurrent))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
