"""UUIDv7 keys, made in Python and by the database default (PostgreSQL 18's or the installed function)."""
import io
import time
import uuid

from hypothesis import HealthCheck, given, settings, strategies as st
from uuid6 import UUID as UUID6

import powernode
from powernode.uuid7 import is_uuid7, new_uuid7, timestamp_ms


@given(count=st.integers(min_value=2, max_value=500))
def test_ids_in_sequence_strictly_increase_even_within_a_millisecond(count):
    ids = [new_uuid7() for _ in range(count)]
    assert all(is_uuid7(i) for i in ids)
    assert all(a < b for a, b in zip(ids, ids[1:]))
    assert all(a.bytes < b.bytes for a, b in zip(ids, ids[1:]))  # byte order too: what the index sorts by


@given(ms=st.integers(min_value=0, max_value=2**48 - 1), rand=st.integers(min_value=0, max_value=2**74 - 1))
def test_version_variant_and_timestamp_round_trip(ms, rand):
    made = UUID6(int=(ms << 80) | rand, version=7)
    assert made.version == 7 and (made.int >> 62) & 0b11 == 0b10 and is_uuid7(made)
    assert timestamp_ms(made) == ms


def test_a_fresh_id_carries_the_current_millisecond():
    before = time.time_ns() // 1_000_000
    made = new_uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= timestamp_ms(made) <= after


def test_many_ids_keep_the_real_clock():
    before = time.time_ns() // 1_000_000
    for _ in range(200_000):
        made = new_uuid7()
    assert timestamp_ms(made) <= time.time_ns() // 1_000_000 and timestamp_ms(made) >= before


def test_version_4_is_not_taken_for_7():
    assert not is_uuid7(uuid.uuid4())



def _now_ms(db):
    return int(db.execute_sql("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint").fetchone()[0])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(min_value=1, max_value=200))
def test_database_default_makes_uuidv7(core_rows, count):
    before = _now_ms(core_rows)
    rows = core_rows.execute_sql("SELECT uuidv7() FROM generate_series(1, %s)", (count,)).fetchall()
    after = _now_ms(core_rows)
    for (value,) in rows:
        made = uuid.UUID(str(value))
        assert is_uuid7(made) and before <= timestamp_ms(made) <= after


def test_raw_insert_copy_and_insert_many_get_uuidv7(core_rows):
    Account = powernode.models["Account"]
    core_rows.execute_sql("INSERT INTO accounts (name, status, created_at, updated_at) "
                        "VALUES ('raw', 'active', now(), now())")
    with core_rows.cursor() as cursor:
        cursor.copy_expert("COPY accounts (name, created_at, updated_at) FROM STDIN",
                           io.StringIO("copied\t2026-01-01\t2026-01-01\n"))
    Account.insert_many([{"name": "many"}]).execute()
    ids = {a.name: a.id for a in Account.select()}
    assert set(ids) == {"raw", "copied", "many"}
    assert all(is_uuid7(i) for i in ids.values())


def test_new_and_read_back_ids_are_the_same_type(core_rows):
    Account = powernode.models["Account"]
    made = Account.create(name="Acme")
    read = Account.get_by_id(made.id)
    assert type(made.id) is uuid.UUID and type(read.id) is uuid.UUID and read.id == made.id
    assert timestamp_ms(made.id) == timestamp_ms(read.id)
