"""``parcours surveys create|import|report`` as scripts use them (stable shapes)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import home, parcours  # noqa: F401  (the fixture is used by name)


def test_a_survey_is_created_its_answers_imported_and_its_scores_reported(
    home: Path,  # noqa: F811
    tmp_path: Path,
):
    parcours(home, "surveys", "create", "sens-confort", "--question", "q1:nps:0-10",
             "--question", "q2:csat:1-5", "--question", "q3:ces:1-5")  # fmt: skip
    answers = tmp_path / "answers.csv"
    answers.write_text("question,score,count\nq1,10,6\nq1,8,2\nq1,5,2\nq2,5,3\nq2,2,1\n"
                       "q3,1,3\nq3,4,1\nq3,9,1\n", encoding="utf-8")  # fmt: skip

    imported = parcours(home, "surveys", "import", "sens-confort", str(answers))
    report = json.loads(
        parcours(home, "surveys", "report", "sens-confort", "--format", "json").stdout
    )
    unknown = parcours(home, "surveys", "report", "nope", check=False)

    assert "rejected" in imported.stdout and "Rejected lines and why" in imported.stdout
    assert (tmp_path / "answers.csv.rejects.csv").read_text(encoding="utf-8") == (
        "line,reason\n9,score 9 is outside q3's scale 1-5\n"
    )
    q1, q2, q3 = (report["questions"][key] for key in ("q1", "q2", "q3"))
    assert {key: q1[key] for key in ("kind", "n", "mean", "nps", "promoters_pct",
                                      "passives_pct", "detractors_pct")} == {
        "kind": "nps", "n": 10, "mean": 8.6, "nps": 40.0, "promoters_pct": 60.0,
        "passives_pct": 20.0, "detractors_pct": 20.0,
    }  # fmt: skip
    assert q1["ci95_low"] < 40.0 < q1["ci95_high"]
    assert (q2["kind"], q2["n"], q2["csat_pct"], q2["mean"]) == ("csat", 4, 75.0, 4.25)
    assert (q3["low_effort_pct"], q3["high_effort_pct"], q3["net"]) == (75.0, 25.0, 50.0)
    assert unknown.returncode == 1 and "no survey named 'nope'" in unknown.stderr


def test_months_are_compared_and_trends_shown_from_the_command_line(
    home: Path,  # noqa: F811
    tmp_path: Path,
):
    parcours(home, "surveys", "create", "mensuel", "--question", "q1:csat:1-5")
    answers = tmp_path / "answers.csv"
    lines = [f"{m}-{n},q1,{s},,store,visite showroom,{m}-10T10:00:00+02:00"
             for m, scores in (("2026-05", [5] * 10 + [1] * 30), ("2026-06", [5] * 30 + [1] * 10))
             for n, s in enumerate(scores)]  # fmt: skip
    header = "respondent,question,score,comment,channel,touchpoint,answered_at\n"
    answers.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    parcours(home, "surveys", "import", "mensuel", str(answers))

    compared = json.loads(parcours(home, "surveys", "compare", "mensuel", "--by", "month",
                                   "2026-05", "2026-06", "--format", "json").stdout)  # fmt: skip
    table = parcours(home, "surveys", "trend", "mensuel").stdout

    change = compared["questions"]["q1"]["differences"]["csat_pct"]
    assert (change["difference"], change["significant"]) == (50.0, True)
    assert "2026-06" in table and "+50.00" in table and "▲" in table


def test_a_consent_is_withdrawn_and_shown_from_the_command_line(home: Path):  # noqa: F811
    withdrawn = parcours(home, "consents", "set", "email", "Yann@Exemple.fr", "surveys",
                         "--withdraw", "--source", "phone call")  # fmt: skip
    shown = parcours(home, "consents", "show", "email", "yann@exemple.fr").stdout
    refused = parcours(home, "consents", "set", "email", "yann@", "surveys", "--grant",
                       check=False)  # fmt: skip

    assert withdrawn.stdout.strip() == "email yann@exemple.fr: surveys withdrawn"
    assert "surveys: refused (surveys withdrawn on email (phone call, " in shown
    assert "marketing: refused (no opt-in for marketing on email)" in shown
    assert refused.returncode == 2 and "email address 'yann@'" in refused.stderr


def test_irritants_and_comments_are_read_from_the_command_line(
    home: Path,  # noqa: F811
    tmp_path: Path,
):
    parcours(home, "surveys", "create", "avis", "--question", "q1:nps:0-10")
    answers = tmp_path / "answers.csv"
    answers.write_text("respondent,question,score,comment\n"
                       "r1,q1,2,Trop cher et vendeur désagréable\n"
                       "r2,q1,10,Vendeur très aimable\n", encoding="utf-8")  # fmt: skip
    parcours(home, "surveys", "import", "avis", str(answers))

    ranked = json.loads(parcours(home, "surveys", "irritants", "avis", "--format", "json").stdout)
    listed = parcours(home, "surveys", "comments", "avis", "--tone", "negative").stdout

    assert [i["theme"] for i in ranked["irritants"]] == ["price", "staff_courtesy"]
    assert "1 comment(s), page 1" in listed and "Trop cher" in listed
