"""A signed-in member browsing their club, beside a bare Django view (see run.py, which starts this).

The session cookie and the club's paths come from the environment that run.py sets after seeding.
"""

import json
import os

from locust import FastHttpUser, constant, task

PAGES = json.loads(os.environ["LOAD_PAGES"])  # {"club home": "/clubs/x/home/", ...}
SESSION = os.environ["LOAD_SESSION"]


class Member(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next request as soon as one returns

    def on_start(self):
        self.headers = {"Cookie": f"sessionid={SESSION}"}

    def visit(self, name):
        with self.client.get(PAGES[name], name=name, headers=self.headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task
    def bare(self):
        self.visit("bare view")

    @task
    def club_home(self):
        self.visit("club home")

    @task
    def events(self):
        if "events" in PAGES:
            self.visit("events")

    @task
    def feed(self):
        if "feed" in PAGES:
            self.visit("feed")

    @task
    def offers(self):
        if "offers" in PAGES:
            self.visit("offers")
