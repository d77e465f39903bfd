"""Call events from the telephony: one interaction per call updated as it goes, attached to the
customer's case, a missed call turned into a call-back case, the caller's card popped live on
the agents' screens; forged, replayed or late events change nothing they should not."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from parcours import live
from parcours.app import create_app
from parcours.cases.models import Case, CaseInteraction
from parcours.channels import accounts
from parcours.channels.telephony import sign_generic
from parcours.config import Settings
from parcours.db import Database
from parcours.interactions.models import Interaction
from tests.integration.test_cases import open_case
from tests.integration.test_interactions import CLAIRE, given_customers

TOKEN = "aircall-webhook-token"


def given_telephony(db: Database) -> None:
    with db.transaction(write=True) as session:
        accounts.save(session, "aircall", "telephony_aircall", {}, {"token": TOKEN})
        accounts.save(session, "pbx", "telephony_generic", {}, {"secret": "pbx-secret"})


def aircall(event: str, *, call_id: int = 1843, answered: bool = True, ended: bool = False,
            **data: Any) -> dict[str, Any]:  # fmt: skip
    started = int(datetime.now(UTC).timestamp()) - 120
    return {"resource": "call", "event": event, "timestamp": started + 60, "token": TOKEN,
            "data": {"id": call_id, "direction": "inbound",
                     "status": "done" if ended else "initial",
                     "started_at": started, "answered_at": started + 10 if answered else None,
                     "ended_at": started + 70 if ended else None, "duration": 70 if ended else 0,
                     "raw_digits": "+33 6 12 34 56 78", "missed_call_reason": None,
                     "recording": None, "voicemail": None,
                     "user": {"id": 7, "name": "Kévin", "email": "kevin@sens-confort.example"},
                     "number": {"id": 1, "digits": "+33 2 96 00 00 00", "name": "SAV"},
                     **data}}  # fmt: skip


def test_a_call_is_one_interaction_that_goes_on_and_joins_the_customers_case(
    db: Database, tmp_path: Path
):
    customers = given_customers(db, CLAIRE)
    given_telephony(db)
    case_id, reference = open_case(db, customer_id=customers["MAG-1"], case_type="after_sales",
                                   channel="email", subject="Poêle en panne")  # fmt: skip
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))

    ringing = client.post("/api/v1/webhooks/calls/aircall",
                          json=aircall("call.created", answered=False))  # fmt: skip
    ended = client.post("/api/v1/webhooks/calls/aircall", json=aircall("call.ended", ended=True))
    again = client.post("/api/v1/webhooks/calls/aircall", json=aircall("call.ended", ended=True))
    late = client.post("/api/v1/webhooks/calls/aircall",
                       json=aircall("call.ringing_on_agent", answered=False))  # fmt: skip
    tagged = client.post("/api/v1/webhooks/calls/aircall", json=aircall("call.tagged"))

    assert [r.json()["status"] for r in (ringing, ended, again, late)] == [
        "recorded", "updated", "unchanged", "updated",
    ]  # fmt: skip
    assert tagged.json()["status"] == "ignored"
    assert ringing.json()["case_reference"] == reference
    with db.sessions() as session:
        [call] = session.scalars(select(Interaction).where(Interaction.type == "call")).all()
        linked = session.scalars(
            select(CaseInteraction.case_id).where(CaseInteraction.interaction_id == call.id)
        ).all()
    assert (call.customer_id, call.agent, call.duration_seconds, call.payload["state"]) == (
        customers["MAG-1"], "kevin@sens-confort.example", 70, "ended",
    )  # fmt: skip
    assert linked == [case_id]


def test_a_missed_call_opens_a_call_back_case(db: Database, tmp_path: Path):
    customers = given_customers(db, CLAIRE)
    given_telephony(db)
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))

    event = aircall("call.ended", answered=False, ended=True,
                    missed_call_reason="no_available_agent")  # fmt: skip
    missed = client.post("/api/v1/webhooks/calls/aircall", json=event)

    with db.sessions() as session:
        [case] = session.scalars(select(Case)).all()
    assert (case.type, case.channel, case.customer_id, case.subject) == (
        "callback", "phone", customers["MAG-1"], "Appel manqué : rappeler",
    )  # fmt: skip
    assert missed.json()["case_reference"] == case.reference


def test_forged_and_replayed_call_events_are_refused(db: Database, tmp_path: Path):
    given_telephony(db)
    client = TestClient(create_app(Settings(environment="test", home=tmp_path), db))
    body = json.dumps({"call_id": "c-1", "event": "ringing", "direction": "inbound",
                       "occurred_at": datetime.now(UTC).isoformat(), "from": "0612345678",
                       "to": "0296000000"}).encode()  # fmt: skip
    now = int(time.time())

    def generic(signature: str, timestamp: int):  # type: ignore[no-untyped-def]
        return client.post("/api/v1/webhooks/calls/pbx", content=body, headers={
            "X-Parcours-Signature": signature, "X-Parcours-Timestamp": str(timestamp)})  # fmt: skip

    good = generic(sign_generic(body, "pbx-secret", now), now)
    forged = generic(sign_generic(body, "guess", now), now)
    replayed = generic(sign_generic(body, "pbx-secret", now - 3600), now - 3600)
    bad_token = client.post("/api/v1/webhooks/calls/aircall",
                            json={**aircall("call.created"), "token": "guess"})  # fmt: skip

    assert good.status_code == 200 and good.json()["status"] == "recorded"
    assert (forged.status_code, replayed.status_code, bad_token.status_code) == (403, 403, 403)
    assert TOKEN not in bad_token.text and "pbx-secret" not in forged.text


def test_ringing_pops_the_callers_card_on_the_agents_screen(db: Database):
    customers = given_customers(db, CLAIRE)
    given_telephony(db)
    app = create_app(Settings(environment="test"), db)

    async def listen_while_it_rings() -> list[str]:
        async def collect() -> list[str]:
            return [chunk async for chunk in live.event_stream("agent:kevin@sens-confort.example",
                                                               timeout=3.0)]  # fmt: skip

        listening = asyncio.create_task(collect())
        while not live.HUB.listeners("agent:kevin@sens-confort.example"):
            await asyncio.sleep(0.01)
        ringing = aircall("call.created", answered=False)
        await asyncio.to_thread(
            lambda: TestClient(app).post("/api/v1/webhooks/calls/aircall", json=ringing)
        )
        return await listening

    chunks = asyncio.run(listen_while_it_rings())

    [popped] = [chunk for chunk in chunks if chunk.startswith("event: call")]
    card = json.loads(popped.split("data: ", 1)[1])
    assert (card["call"], card["number"]) == ("ringing", "+33612345678")
    assert card["customer"]["id"] == customers["MAG-1"]
    assert card["customer"]["name"] == "Claire Le Goff"
