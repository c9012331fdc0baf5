"""Locust users of the console load test (run by bench/console_load.py).

- ``Dispatcher`` (500 by default): polls what the desk's htmx polls: the
  queue, the side panels and the technicians panel every 15 s and the
  navigation counts every 30 s, sending ``If-None-Match`` with the last ETag
  when the server gave one (a ``304`` is a success).
- ``HotlineAgent``: 10 customer lookups a minute each (5 agents: the
  issue's 50 a minute).
- ``Crm``: idle until ``BURST_START`` seconds into the run, then posts orders
  at ``BURST_RATE`` per second (all Crm users together) for ``BURST_SECONDS``.

Requests made during the burst are named "<name> (burst)", so the figures
while the CRM posts stand apart from the quiet minutes.

Settings come from the environment (console_load.py sets them): the session
cookies of the dispatchers and agents (``SESSIONS_FILE``), the CRM token,
the package-area codes and phones to use.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time

from locust import FastHttpUser, between, constant, constant_throughput, task

SESSIONS = json.loads(open(os.environ["SESSIONS_FILE"]).read())  # noqa: SIM115
BURST_START = float(os.environ.get("BURST_START", "120"))
BURST_SECONDS = float(os.environ.get("BURST_SECONDS", "120"))
BURST_RATE = float(os.environ.get("BURST_RATE", "100"))
CRM_USERS = int(os.environ.get("CRM_USERS", "25"))
T0 = time.time()
_numbers = itertools.count(1)


def in_burst() -> bool:
    return BURST_START <= time.time() - T0 < BURST_START + BURST_SECONDS


def phased(name: str) -> str:
    """The request's name, marked " (burst)" while the CRM burst runs, so
    Locust reports the polls during the burst apart from the quiet ones."""
    return f"{name} (burst)" if in_burst() else name


class _Polling(FastHttpUser):
    abstract = True

    def get_polled(self, url: str, name: str) -> None:
        headers = {"Cookie": self.cookie}
        etag = self.etags.get(url)
        if etag:
            headers["If-None-Match"] = etag
        with self.client.get(
            url, headers=headers, name=phased(name), catch_response=True
        ) as response:
            if response.status_code in (200, 304):
                if response.headers.get("ETag"):
                    self.etags[url] = response.headers["ETag"]
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")


class Dispatcher(_Polling):
    fixed_count = int(os.environ.get("DISPATCHERS", "500"))
    wait_time = constant(15)

    def on_start(self):
        self.cookie = f"sessionid={random.choice(SESSIONS['dispatcher'])}"
        self.etags: dict[str, str] = {}
        self.polls = 0
        time.sleep(random.random() * 15)  # spread the polls over the period

    @task
    def poll(self):
        self.get_polled("/console/dispatch/queue/", "queue")
        self.get_polled("/console/dispatch/side/", "side")
        self.get_polled("/console/dispatch/technicians/", "technicians")
        if self.polls % 2 == 0:  # the navigation counts: every 30 s
            self.get_polled("/console/dispatch/counts/", "counts")
        self.polls += 1


class HotlineAgent(FastHttpUser):
    fixed_count = int(os.environ.get("HOTLINE_USERS", "5"))
    abstract = fixed_count == 0  # no agents at all (Locust reads 0 as "by weight")
    wait_time = constant_throughput(10 / 60)  # 10 lookups a minute each

    def on_start(self):
        self.cookie = f"sessionid={random.choice(SESSIONS['agent'])}"

    @task
    def lookup(self):
        phone = random.choice(SESSIONS["phones"])
        self.client.get(
            f"/console/hotline/?q={phone}",
            headers={"Cookie": self.cookie},
            name=phased("hotline lookup"),
        )


class Crm(FastHttpUser):
    fixed_count = CRM_USERS
    wait_time = between(0, 0)

    def on_start(self):
        self.auth = {"Authorization": f"Token {SESSIONS['crm_token']}"}
        self.rng = random.Random()

    @task
    def burst(self):
        if not in_burst():
            time.sleep(1)
            return
        started = time.time()
        n = next(_numbers)
        body = {
            "crm_order_id": f"LOAD-{os.getpid()}-{n}-{self.rng.randrange(10**9)}",
            "source": "crm",
            "kind": self.rng.choice(["install", "repair"]),
            "product": "ftth_broadband",
            "customer": {
                "name": "王女士",
                "phone": self.rng.choice(SESSIONS["phones"]),
            },
            "address": "通灌北路 1 号",
            "package_area": self.rng.choice(SESSIONS["package_areas"]),
        }
        self.client.post(
            "/api/v1/work-orders/", json=body, headers=self.auth, name="crm create"
        )
        # each Crm user paces itself to BURST_RATE / CRM_USERS a second
        pause = CRM_USERS / BURST_RATE - (time.time() - started)
        if pause > 0:
            time.sleep(pause)
