"""Another franchise's cases, chats, merges and duplicates do not exist over the API either
(decision of 2026-11-25, :mod:`parcours.accounts.access`): a franchise's token gets 404 — the
answer for an unknown id — and changes nothing; lists leave them out. The console already
refused them; the API served them to any token of the right role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parcours.accounts.services import create_token
from parcours.app import create_app
from parcours.cases import services as cases
from parcours.cases import webchat
from parcours.cases.models import CaseNote, ChatConversation
from parcours.channels import accounts
from parcours.config import Settings
from parcours.customers.ingest import IncomingRecord, ingest_batch
from parcours.customers.merging import merge_customers
from parcours.customers.models import MatchReview, Merge, SourceRecord
from parcours.db import Database


@dataclass(frozen=True)
class Franchises:
    lannion: TestClient
    admin: TestClient
    brest_ids: tuple[int, int]
    lannion_id: int
    brest_case: str
    brest_review: int
    brest_merge: int
    brest_chat: int


def _brest(last_name: str, number: int) -> IncomingRecord:
    return IncomingRecord("brest", f"B{number}", {
        "first_name": "Brigitte", "last_name": last_name, "email": f"b{number}@exemple.fr",
        "owning_unit": "Franchise Brest"})  # fmt: skip


@pytest.fixture
def franchises(db: Database, tmp_path: Path) -> Franchises:
    with db.transaction(write=True) as session:
        lannion_token = create_token(session, "caisse-lannion", role="seller",
                                     unit="Franchise Lannion")  # fmt: skip
        admin_token = create_token(session, "integration")
        one, two, three, four, lannion = ingest_batch(session, [
            _brest("Kerbrat", 1), _brest("Kerbrat", 2), _brest("Morvan", 3), _brest("Morvan", 4),
            IncomingRecord("lannion", "L1", {"last_name": "Le Goff", "email": "l@exemple.fr",
                                             "owning_unit": "Franchise Lannion"}),
        ])  # fmt: skip
        ids = [o.customer_id or 0 for o in (one, two, three, four, lannion)]
        case = cases.open_case(session, customer_id=ids[0], case_type="quote", channel="email",
                               subject="Devis Brest", opened_by="brest")  # fmt: skip
        records = [
            session.scalars(select(SourceRecord.id).where(SourceRecord.customer_id == c)).one()
            for c in ids[:2]
        ]
        review = MatchReview(customer_a_id=ids[0], customer_b_id=ids[1], record_a_id=records[0],
                             record_b_id=records[1], probability=0.8, evidence=[])  # fmt: skip
        session.add(review)
        merge = merge_customers(session, [ids[2], ids[3]], decided_by="brest")
        accounts.save(session, "chat-site", "webchat", {"allowed_origins": ["https://x.example"]})
        chat = webchat.start(session, accounts.account_named(session, "chat-site"))
        chat.customer_id, chat.case_id = ids[0], case.id
        session.flush()
        built = (ids, case.reference, review.id, merge.id, chat.id)
    app = create_app(Settings(environment="test", home=tmp_path), db)
    ids, reference, review_id, merge_id, chat_id = built
    return Franchises(
        lannion=TestClient(app, headers={"Authorization": f"Bearer {lannion_token}"}),
        admin=TestClient(app, headers={"Authorization": f"Bearer {admin_token}"}),
        brest_ids=(ids[0], ids[1]), lannion_id=ids[4], brest_case=reference,
        brest_review=review_id, brest_merge=merge_id, brest_chat=chat_id,
    )  # fmt: skip


def test_another_franchises_case_is_not_found_and_left_out_of_the_list(
    franchises: Franchises, db: Database
):
    lannion, key = franchises.lannion, franchises.brest_case

    listed = lannion.get("/api/v1/cases").json()
    seen = lannion.get(f"/api/v1/cases/{key}")
    noted = lannion.post(f"/api/v1/cases/{key}/notes", json={"body": "vu"})
    unknown = lannion.get("/api/v1/cases/PAR-2026-999999")
    opened = lannion.post("/api/v1/cases", json={
        "customer_id": franchises.brest_ids[0], "type": "quote", "channel": "email",
        "subject": "Chez Brest"})  # fmt: skip

    assert (listed["total"], listed["items"]) == (0, [])
    assert (seen.status_code, seen.json()) == (404, {"detail": f"no case {key}"})
    assert unknown.json() == {"detail": "no case PAR-2026-999999"}
    assert (noted.status_code, noted.json()) == (404, {"detail": f"no case {key}"})
    assert (opened.status_code, opened.json()) == (
        404, {"detail": f"no customer with id {franchises.brest_ids[0]}"})  # fmt: skip
    assert franchises.admin.get(f"/api/v1/cases/{key}").status_code == 200
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_another_franchises_chat_is_not_found_and_left_out_of_the_list(
    franchises: Franchises, db: Database
):
    lannion, chat = franchises.lannion, franchises.brest_chat
    with db.transaction(write=True) as session:
        conversation = session.get(ChatConversation, chat)
        assert conversation is not None
        webchat.visitor_message(session, conversation, "Bonjour")

    listed = lannion.get("/api/v1/chat/conversations").json()
    seen = lannion.get(f"/api/v1/chat/conversations/{chat}")
    closed = lannion.post(f"/api/v1/chat/conversations/{chat}/close")
    listened = lannion.get(f"/api/v1/live?topic=conversation:{chat}&timeout=0.05")
    listened_by_admin = franchises.admin.get(f"/api/v1/live?topic=conversation:{chat}&timeout=0.05")

    assert listed == []
    assert [c["id"] for c in franchises.admin.get("/api/v1/chat/conversations").json()] == [chat]
    assert (seen.status_code, seen.json()) == (404, {"detail": f"no conversation {chat}"})
    assert (closed.status_code, closed.json()) == (404, {"detail": f"no conversation {chat}"})
    assert (listened.status_code, listened.json()) == (404, {"detail": f"no conversation {chat}"})
    assert listened_by_admin.status_code == 200
    assert listened_by_admin.text.startswith(": connected\n\n")
    with db.sessions() as session:
        assert session.get(ChatConversation, chat).status == "open"  # type: ignore[union-attr]


def test_another_franchises_customers_cannot_be_merged_nor_their_merges_read_or_undone(
    franchises: Franchises, db: Database
):
    lannion, two, merge = franchises.lannion, franchises.brest_ids[1], franchises.brest_merge

    merged = lannion.post(
        "/api/v1/customers/merges", json={"customer_ids": [franchises.lannion_id, two]}
    )
    seen = lannion.get(f"/api/v1/customers/merges/{merge}")
    undone = lannion.post(f"/api/v1/customers/merges/{merge}/undo")

    assert (merged.status_code, merged.json()) == (404, {"detail": f"no customer with id {two}"})
    assert (seen.status_code, seen.json()) == (404, {"detail": f"no merge with id {merge}"})
    assert (undone.status_code, undone.json()) == (404, {"detail": f"no merge with id {merge}"})
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Merge)) == 1
        assert session.scalars(select(Merge.undone_at)).one() is None


def test_another_franchises_duplicates_are_not_listed_and_cannot_be_decided(
    franchises: Franchises, db: Database
):
    lannion, review = franchises.lannion, franchises.brest_review

    listed = lannion.get("/api/v1/matches").json()
    accepted = lannion.post(f"/api/v1/matches/{review}/accept")
    rejected = lannion.post(f"/api/v1/matches/{review}/reject")

    assert listed == []
    assert [r["id"] for r in franchises.admin.get("/api/v1/matches").json()] == [review]
    refused = {"detail": f"no match review with id {review}"}
    assert (accepted.status_code, accepted.json()) == (404, refused)
    assert (rejected.status_code, rejected.json()) == (404, refused)
    with db.sessions() as session:
        assert session.scalars(select(MatchReview.status)).one() == "pending"


def test_another_franchises_customers_survey_answers_are_left_out(franchises: Franchises):
    admin, lannion = franchises.admin, franchises.lannion
    question = {"key": "q1", "kind": "nps", "min": 0, "max": 10}
    created = admin.post("/api/v1/surveys", json={"name": "avis", "questions": [question]})
    answers = [
        {"respondent": "brest-1", "question": "q1", "score": 2, "comment": "Livraison en retard",
         "customer_id": franchises.brest_ids[0]},
        {"respondent": "lannion-1", "question": "q1", "score": 9, "comment": "Parfait",
         "customer_id": franchises.lannion_id},
        {"respondent": "anonyme", "question": "q1", "score": 7, "comment": "Correct"},
    ]  # fmt: skip
    recorded = admin.post("/api/v1/surveys/avis/answers", json=answers)

    seen = lannion.get("/api/v1/surveys/avis/answers").json()
    every = admin.get("/api/v1/surveys/avis/answers").json()

    assert created.status_code == 201
    assert [result["status"] for result in recorded.json()] == ["recorded"] * 3
    assert sorted(item["comment"] for item in seen["items"]) == ["Correct", "Parfait"]
    assert seen["total"] == 2
    assert every["total"] == 3


def test_another_franchises_interaction_cannot_be_put_in_a_case(franchises: Franchises):
    admin, lannion = franchises.admin, franchises.lannion
    call = {"source": "standard", "external_id": "T-9", "channel": "phone", "type": "call",
            "occurred_at": "2026-11-20T10:00:00+01:00",
            "identifiers": {"email": "b1@exemple.fr"}}  # fmt: skip
    [theirs] = admin.post("/api/v1/interactions", json=[call]).json()["results"]
    ours = admin.post("/api/v1/cases", json={"customer_id": franchises.lannion_id,
                                             "type": "quote", "channel": "email",
                                             "subject": "Devis"}).json()["reference"]  # fmt: skip

    attached = lannion.post(f"/api/v1/cases/{ours}/interactions",
                            json={"interaction_id": theirs["interaction_id"]})  # fmt: skip
    unknown = lannion.post(f"/api/v1/cases/{ours}/interactions", json={"interaction_id": 999999})

    assert attached.status_code == 422 and unknown.status_code == 422
    assert attached.json() == {"detail": f"no interaction with id {theirs['interaction_id']}"}
    thread = admin.get(f"/api/v1/cases/{ours}").json()["thread"]
    assert [line for line in thread if line["kind"] == "interaction"] == []
