"""Benchmark: the console's pages on the demo data (target: no page slower than 300 ms).

A fresh home gets what ``make run`` loads (migrations, the Sens Confort demo, ``parcours
resolve``); an admin (and, for the inbox, Nolwenn the seller) signs in, then each page is asked
``--calls`` times through the app in process (ASGI, no network): median and maximum, server
time as a browser would wait for it minus the network. The anchor is the health check measured
the same way (the cost of a request that does nothing).

    .venv/bin/python bench/console_pages.py --calls 20
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from contact_stats import timings  # noqa: E402


def prepare(home: Path) -> None:
    env = {**os.environ, "PARCOURS_HOME": str(home)}
    for command in (["db", "upgrade"], ["demo", "load"], ["resolve"]):
        subprocess.run([str(ROOT / ".venv/bin/parcours"), *command], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        home = Path(directory)
        prepare(home)
        os.environ["PARCOURS_HOME"] = str(home)
        from fastapi.testclient import TestClient
        from sqlalchemy import select

        from parcours.accounts.services import create_user
        from parcours.app import create_app
        from parcours.cases.models import Case
        from parcours.config import Settings
        from parcours.customers.models import Customer
        from parcours.db import Database, create_db_engine

        settings = Settings(environment="test", home=home)
        database = Database(create_db_engine(f"sqlite:///{home / 'parcours.db'}"))
        with database.transaction(write=True) as session:
            password = create_user(session, "bench-manager", role="admin")
            seller = create_user(session, "bench-nolwenn", role="seller", display_name="Nolwenn")
            customer_id = session.scalars(
                select(Customer.id).where(Customer.owning_unit.is_(None),
                                          Customer.merged_into_id.is_(None)).limit(1)
            ).one()  # fmt: skip
            reference = session.scalars(select(Case.reference).limit(1)).one()
        app = create_app(settings, database)

        def signed_in(login: str, password: str) -> TestClient:
            client = TestClient(app)
            csrf = re.search(r'name="csrf" value="([^"]*)"', client.get("/sign-in").text)
            assert csrf is not None
            client.post("/sign-in", data={"csrf": csrf.group(1), "login": login,
                                          "password": password})  # fmt: skip
            return client

        client = signed_in("bench-manager", password)
        nolwenn = signed_in("bench-nolwenn", seller)
        behind = "/console/dashboard/cases?figure=channel&value=web&days=365"
        pages = {
            "health check (anchor)": "/health",
            "customer search, a name typed": "/console/customers?q=le+goff",
            "customer search, a phone typed differently": "/console/customers?q=06.12.34.56.78",
            "customer 360": f"/console/customers/{customer_id}",
            "requests": "/console/cases",
            "case view": f"/console/cases/{reference}",
            "duplicates review": "/console/matches",
            "dashboard, 30 days": "/console/dashboard",
            "dashboard, 365 days": "/console/dashboard?days=365",
            "cases behind a bar (web, 365 days)": behind,
            "the same as CSV": f"{behind}&format=csv",
            "chat desk": "/console/chat",
            "administration: users": "/console/admin/users",
            "administration: queues and routing rules": "/console/admin/routing",
            "administration: SLA policies": "/console/admin/slas",
        }
        print("| page | median ms | max ms |\n|---|---|---|")
        asked = [(name, client, path) for name, path in pages.items()]
        asked.insert(5, ("my inbox (Nolwenn, seller)", nolwenn, "/console/inbox"))
        asked.insert(6, ("my inbox, the live refresh (HTMX)", nolwenn, "/console/inbox"))
        for name, who, path in asked:
            headers = {"HX-Request": "true"} if "HTMX" in name else {}
            assert who.get(path, headers=headers).status_code == 200, path
            median, worst = timings(lambda who=who, path=path, headers=headers: who.get(
                path, headers=headers), args.calls)  # fmt: skip
            print(f"| {name} | {median * 1000:.1f} | {worst * 1000:.1f} |")


if __name__ == "__main__":
    main()
