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


def test_two_months_are_compared_and_the_trend_read_over_http(client: TestClient):  # noqa: F811
    client.post("/api/v1/surveys", json={"name": "mensuel", "questions": [
        {"key": "q1", "kind": "nps", "min": 0, "max": 10}]})  # fmt: skip
    answers = [
        {"respondent": f"{month}-{number}", "question": "q1", "score": score,
         "answered_at": f"{month}-12T09:00:00+02:00", "touchpoint": "livraison"}
        for month, scores in (("2026-05", [10, 2, 2, 2]), ("2026-06", [10, 10, 10, 2]))
        for number, score in enumerate(scores)
    ]  # fmt: skip
    client.post("/api/v1/surveys/mensuel/answers", json=answers)

    compared = client.get("/api/v1/surveys/mensuel/compare",
                          params={"by": "month", "a": "2026-05", "b": "2026-06"})  # fmt: skip
    trend = client.get("/api/v1/surveys/mensuel/trend", params={"period": "quarter"})
    by_phase = client.get("/api/v1/surveys/mensuel/report", params={"by": "phase"})
    unknown = client.get("/api/v1/surveys/mensuel/compare",
                         params={"by": "month", "a": "2026-01", "b": "2026-06"})  # fmt: skip

    q1 = compared.json()["questions"]["q1"]
    assert (q1["a"]["nps"], q1["b"]["nps"], q1["differences"]["nps"]["difference"]) == (
        -50.0, 50.0, 100.0,
    )  # fmt: skip
    # Four answers a month are too few to tell: the interval straddles 0.
    assert q1["differences"]["nps"]["significant"] is False
    assert [(p["period"], p["n"], p["nps"]) for p in trend.json()["questions"]["q1"]["points"]] == [
        ("2026-Q2", 8, 0.0)
    ]
    assert [(g["phase"], g["questions"]["q1"]["n"]) for g in by_phase.json()["groups"]] == [
        ("after", 8)
    ]
    assert unknown.status_code == 422
    assert (
        unknown.json()["detail"] == "no answers with month '2026-01'; there are: 2026-05, 2026-06"
    )


def test_answers_are_listed_and_irritants_ranked_over_http(client: TestClient):  # noqa: F811
    client.post("/api/v1/surveys", json={"name": "verbatims", "questions": [
        {"key": "q1", "kind": "csat", "min": 1, "max": 5}]})  # fmt: skip
    client.post("/api/v1/surveys/verbatims/answers", json=[
        {"respondent": "r1", "question": "q1", "score": 1,
         "comment": "Colis jamais livré, service client injoignable"},
        {"respondent": "r2", "question": "q1", "score": 5, "comment": "Parfait, merci"},
        {"respondent": "r3", "question": "q1", "score": 4},
    ])  # fmt: skip

    listed = client.get("/api/v1/surveys/verbatims/answers", params={"page_size": 2}).json()
    negative = client.get("/api/v1/surveys/verbatims/answers",
                          params={"tone": "negative"}).json()  # fmt: skip
    irritants = client.get("/api/v1/surveys/verbatims/irritants", params={"lang": "en"}).json()
    bad_tone = client.get("/api/v1/surveys/verbatims/answers", params={"tone": "angry"})

    assert (listed["total"], [a["respondent"] for a in listed["items"]]) == (3, ["r3", "r2"])
    assert [(a["respondent"], a["polarity"]) for a in negative["items"]] == [("r1", "negative")]
    assert negative["items"][0]["themes"] == ["delivery", "reachability"]
    assert irritants["tones"] == {"negative": 1, "neutral": 0, "positive": 1}
    assert [(i["theme"], i["label"], i["detractor_mentions"]) for i in irritants["irritants"]] == [
        ("delivery", "Delivery", 1), ("reachability", "Reachability", 1),
    ]  # fmt: skip
    assert bad_tone.status_code == 422
