"""The sign-in throttle on both engines: attempts are counted before their password is checked, under one
lock, so attempts racing each other (threads, or app processes on one PostgreSQL database) get no more
than the allowance."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from lib.app import users
from tests.conftest import ROOT

NAME, CLIENT = users.LIMITS


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def race(make_throttle, n: int, name: str = "Ann", client: str = "198.51.100.7") -> list[users.Admission]:
    """``n`` attempts released at the same instant, each on a thread (and a store connection) of its own."""
    gate = threading.Barrier(n)
    results: list[users.Admission] = [None] * n

    def attempt(i: int) -> None:
        throttle = make_throttle()
        gate.wait()
        results[i] = throttle.admit(name, client)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_racing_attempts_for_one_name_get_the_allowance(any_store):
    results = race(lambda: users.Throttle(any_store), 20)
    assert sum(r.admitted for r in results) == NAME.free == 3
    refused = [r for r in results if not r.admitted]
    assert {r.scope for r in refused} == {"name"} and all(0 < r.wait <= NAME.base for r in refused)
    rows = any_store.rows("SELECT scope, key, attempts FROM sign_in_throttle ORDER BY scope")
    assert rows == [("client", "198.51.100.7", 3), ("name", "ann", 3)]  # refused attempts are not counted


def test_attempts_from_two_app_processes_share_one_count(pg):
    """Two processes on one PostgreSQL database, ten attempts each at the same instant: three go through."""
    start = time.time() + 4.0  # both processes are connected and waiting by then
    script = (
        "import sys, threading, time\n"
        "from lib.app import users\n"
        "from lib.store.connection import connect\n"
        "url, start = sys.argv[1], float(sys.argv[2])\n"
        "stores = [connect(url) for _ in range(10)]\n"
        "users.Throttle(stores[0]).held()  # creates the table before the race\n"
        "out = []\n"
        "def go(s):\n"
        "    time.sleep(max(0.0, start - time.time()))\n"
        "    out.append(users.Throttle(s).admit('Ann', 'client-a').admitted)\n"
        "ts = [threading.Thread(target=go, args=(s,)) for s in stores]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(sum(out))\n"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, pg.url, str(start)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    admitted = [int(p.communicate(timeout=60)[0].strip()) for p in runs]
    assert sum(admitted) == NAME.free, admitted
    assert pg.scalar("SELECT attempts FROM sign_in_throttle WHERE scope = 'name' AND key = 'ann'") == NAME.free


def test_each_further_attempt_waits_twice_as_long(any_store):
    clock = Clock()
    throttle = users.Throttle(any_store, clock=clock)
    for _ in range(3):
        assert throttle.admit("ann", "c").admitted
    refused = throttle.admit("ANN ", "c")  # names count case-blind, spaces trimmed
    assert (refused.admitted, refused.wait, refused.scope) == (False, 10.0, "name")
    clock.now += 10.0
    assert throttle.admit("ann", "c").admitted
    clock.now += 20.0
    assert throttle.admit("ann", "c").admitted
    assert throttle.admit("ann", "c").wait == 40.0
    assert throttle.admit("bob", "c").admitted  # another name is not held up
    clock.now += NAME.window + 1  # forgotten after fifteen quiet minutes
    assert all(throttle.admit("ann", "c").admitted for _ in range(3))


def test_an_attempt_made_too_soon_starts_the_wait_again_without_lengthening_it(any_store):
    clock = Clock()
    throttle = users.Throttle(any_store, clock=clock)
    for _ in range(3):
        throttle.admit("ann", "c")
    for _ in range(5):  # a slow burst: one attempt every 9 s, each refused
        clock.now += 9.0
        assert throttle.admit("ann", "c") == users.Admission(False, 10.0, "name")
    clock.now += 10.0  # a pause as long as the wait
    assert throttle.admit("ann", "c").admitted
    assert any_store.scalar("SELECT attempts FROM sign_in_throttle WHERE scope = 'name'") == 4


def test_a_success_clears_the_name_and_does_not_count_for_the_client(any_store):
    clock = Clock()
    throttle = users.Throttle(any_store, clock=clock)
    for _ in range(3):
        assert throttle.admit("ann", "c").admitted
    throttle.succeeded("ann", "c")
    assert all(throttle.admit("ann", "c").admitted for _ in range(3))
    attempts = any_store.scalar("SELECT attempts FROM sign_in_throttle WHERE scope = 'client' AND key = 'c'")
    assert attempts == 5  # three failed, one right (taken off), three more


def test_spraying_names_from_one_client_is_slowed_too(any_store):
    clock = Clock()
    throttle = users.Throttle(any_store, clock=clock)
    for i in range(CLIENT.free):
        assert throttle.admit(f"name{i}", "203.0.113.9").admitted
    refused = throttle.admit("someone-new", "203.0.113.9")
    assert (refused.admitted, refused.scope, refused.wait) == (False, "client", 10.0)
    assert throttle.admit("someone-new", "203.0.113.10").admitted  # another address is not
    assert [(s, k) for s, k, _, _ in throttle.held()] == [("client", "203.0.113.9")]
    assert throttle.clear("203.0.113.9") == 1
    assert throttle.admit("someone-new", "203.0.113.9").admitted


def test_the_throttle_creates_its_table_in_a_store_that_lacks_it(any_store):
    assert "sign_in_throttle" not in any_store.tables()
    assert users.Throttle(any_store).admit("ann", "c").admitted
    assert "sign_in_throttle" in any_store.tables()


def test_an_admin_can_let_a_name_try_again(duck):
    throttle = users.Throttle(duck)
    for _ in range(3):
        throttle.admit("Ann", "c")
    assert not throttle.admit("ann", "c").admitted
    assert [(s, k, n) for s, k, n, _ in throttle.held()] == [("name", "ann", 3)]
    assert throttle.clear("ANN") == 1
    assert throttle.admit("ann", "c").admitted
