"""Surveys over HTTP: create, answer (one result per answer), report."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.e2e.test_api_interactions import client  # noqa: F401  (the fixture is used by name)


def test_surveys_are_created_answered_and_reported_over_http(client: TestClient):  # noqa: F811
    questions = [{"key": "q1", "kind": "nps", "min": 0, "max": 10}, {"key": "q2", "kind": "text"}]
    created = client.post("/api/v1/surveys", json={"name": "sav", "questions": questions})
    answered = client.post("/api/v1/surveys/sav/answers", json=[
        {"respondent": "r1", "question": "q1", "score": 10},
        {"respondent": "r2", "question": "q1", "score": 3},
        {"respondent": "r2", "question": "q2", "comment": "Trop d'attente"},
        {"respondent": "r3", "question": "q1", "score": 12},
    ])  # fmt: skip
    report = client.get("/api/v1/surveys/sav/report").json()

    assert created.status_code == 201
    assert [(r["status"], r["reason"]) for r in answered.json()] == [
        ("recorded", None), ("recorded", None), ("recorded", None),
        ("rejected", "score 12 is outside q1's scale 0-10"),
    ]  # fmt: skip
    assert (report["questions"]["q1"]["nps"], report["questions"]["q2"]["n"]) == (0.0, 1)
    assert client.get("/api/v1/surveys/nope/report").status_code == 404
