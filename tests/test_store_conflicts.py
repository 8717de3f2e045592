"""What `transaction()` turns a database error into: a concurrency outcome becomes WriteConflict in words (after one
retry), a failing store becomes StoreError, and a fault in the write itself stays a visible database error."""
from __future__ import annotations

import duckdb
import pytest

from framework.core import db
from framework.core.errors import StoreError, WriteConflict
from tests.conftest import CountedWrite


@pytest.fixture
def keyed(con):
    con.execute("CREATE TABLE keyed (k INTEGER PRIMARY KEY, v VARCHAR CHECK (v <> 'bad'))")
    con.execute("INSERT INTO keyed VALUES (1, 'one')")
    return con


def test_a_key_another_writer_committed_first_is_retried_and_the_retry_sees_it(keyed):
    other, attempts = keyed.cursor(), []

    def work(cur):  # check, then insert: the pattern that races
        attempts.append(1)
        if not cur.execute("SELECT count(*) FROM keyed WHERE k = 2").fetchall()[0][0]:
            cur.execute("INSERT INTO keyed VALUES (2, 'ours')")
            if len(attempts) == 1:
                other.execute("INSERT INTO keyed VALUES (2, 'theirs')")  # commits before ours
        return len(attempts)

    assert db.transaction(keyed, work) == 2
    assert keyed.execute("SELECT v FROM keyed WHERE k = 2").fetchall() == [("theirs",)]


def test_a_key_that_keeps_being_taken_first_is_a_write_conflict_in_words(keyed):
    other, attempts = keyed.cursor(), []

    def work(cur):
        attempts.append(1)
        key = 10 + len(attempts)
        cur.execute("INSERT INTO keyed VALUES (?, 'ours')", [key])
        other.execute("INSERT INTO keyed VALUES (?, 'theirs')", [key])  # the other writer commits first, twice

    with pytest.raises(WriteConflict, match="Nothing was changed") as caught:
        db.transaction(keyed, work)
    assert len(attempts) == 2
    assert isinstance(caught.value.__cause__, duckdb.TransactionException)
    assert keyed.execute("SELECT count(*) FROM keyed WHERE v = 'ours'").fetchall() == [(0,)]


@pytest.mark.parametrize(("sql", "error", "attempts"), [
    # a duplicate key is retried once, in case it was a race; the same again means a fault
    ("INSERT INTO keyed VALUES (1, 'again')", "Duplicate key", 2),
    ("INSERT INTO keyed VALUES (3, 'bad')", "CHECK", 1),  # a broken check is never a race
], ids=["duplicate key in the write itself", "broken check"])
def test_a_fault_in_the_write_itself_stays_a_visible_database_error_and_changes_nothing(keyed, sql, error, attempts):
    work = CountedWrite(sql)
    with pytest.raises(duckdb.ConstraintException, match=error):
        db.transaction(keyed, work)
    assert work.attempts == attempts
    assert keyed.execute("SELECT count(*) FROM keyed").fetchall() == [(1,)]


def test_a_failing_store_is_a_store_error_in_words(keyed):
    def work(cur):
        cur.execute("INSERT INTO keyed VALUES (4, 'four')")
        raise duckdb.IOException("No space left on device")

    with pytest.raises(StoreError, match="could not be written") as caught:
        db.transaction(keyed, work)
    assert not isinstance(caught.value, WriteConflict)
    assert keyed.execute("SELECT count(*) FROM keyed WHERE k = 4").fetchall() == [(0,)]


def test_an_error_that_is_not_the_databases_passes_through_unchanged(keyed):
    def work(cur):
        raise KeyError("a fault in the code")

    with pytest.raises(KeyError):
        db.transaction(keyed, work)
