"""``parcours cases …`` as a user runs them (the open/show/list shapes are stable)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.test_cli import home, parcours  # noqa: F401  (the fixture is used by name)
from tests.e2e.test_cli_interactions import CUSTOMERS, customer_id

YEAR = datetime.now(UTC).year


def test_a_case_is_opened_moved_noted_shown_and_listed(home: Path, tmp_path: Path):  # noqa: F811
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS, encoding="utf-8")
    parcours(home, "import", "customers", str(customers), "--source", "store", "--id-column", "id")
    claire = customer_id(home)

    opened = parcours(home, "cases", "open", "--customer", str(claire), "--type", "quote",
                      "--channel", "web", "--subject", "Devis canapé Oslo")  # fmt: skip
    second = json.loads(parcours(
        home, "cases", "open", "--type", "complaint", "--channel", "phone", "--subject",
        "Livraison en retard", "--priority", "urgent", "--format", "json",
    ).stdout)  # fmt: skip
    parcours(home, "cases", "status", f"PAR-{YEAR}-000001", "waiting_customer", "--by", "léa")
    parcours(home, "cases", "note", "1", "Rappeler jeudi", "--author", "léa")
    shown = json.loads(parcours(home, "cases", "show", "1", "--format", "json").stdout)
    listed = json.loads(parcours(home, "cases", "list", "--format", "json").stdout)
    waiting = parcours(home, "cases", "list", "--status", "waiting_customer").stdout

    assert opened.stdout == f"1 PAR-{YEAR}-000001\n"
    assert (second["id"], second["reference"], second["customer_id"]) == (
        2,
        f"PAR-{YEAR}-000002",
        None,
    )
    assert (shown["status"], shown["customer_id"], shown["subject"]) == (
        "waiting_customer",
        claire,
        "Devis canapé Oslo",
    )
    assert [(line["kind"], line["event"] or line["body"]) for line in shown["thread"]] == [
        ("event", "opened"), ("event", "status"), ("note", "Rappeler jeudi"),
    ]  # fmt: skip
    assert [item["reference"] for item in listed["items"]] == [
        f"PAR-{YEAR}-000002",
        f"PAR-{YEAR}-000001",
    ]
    assert "1 case(s)" in waiting and f"PAR-{YEAR}-000001" in waiting


def test_wrong_commands_say_what_is_wrong(home: Path):  # noqa: F811
    bad_type = parcours(home, "cases", "open", "--type", "devis", "--channel", "web",
                        "--subject", "x", check=False)  # fmt: skip
    missing = parcours(home, "cases", "show", "PAR-2026-000042", check=False)
    bad_due = parcours(home, "cases", "open", "--type", "quote", "--channel", "web",
                       "--subject", "x", "--due", "2026-05-04 18:00", check=False)  # fmt: skip

    assert bad_type.returncode == 2
    assert "unknown case type 'devis'; known: quote" in bad_type.stderr
    assert (missing.returncode, "no case PAR-2026-000042" in missing.stderr) == (1, True)
    assert bad_due.returncode == 2
    assert "--due needs an offset" in bad_due.stderr


def test_people_queues_and_rules_are_set_up_and_cases_routed_from_the_command_line(home: Path):  # noqa: F811
    parcours(home, "teams", "add", "guingamp", "--kind", "store", "--location", "Guingamp")
    parcours(home, "agents", "add", "Nolwenn", "--team", "guingamp", "--channel", "phone:1",
             "--skill", "language:fr:4", "--presence", "available")  # fmt: skip
    parcours(home, "agents", "add", "Kévin", "--team", "guingamp", "--channel", "phone:1",
             "--skill", "language:fr:3")  # fmt: skip
    parcours(home, "queues", "add", "showroom", "--team", "guingamp", "--default")
    parcours(home, "queues", "rule", "1", "showroom", "--type", "complaint", "--priority", "high")

    first = parcours(home, "cases", "open", "--type", "complaint", "--channel", "phone",
                     "--subject", "Panne")  # fmt: skip
    second = parcours(home, "cases", "open", "--type", "quote", "--channel", "phone",
                      "--subject", "Devis")  # fmt: skip
    parcours(home, "agents", "presence", "Kévin", "available")
    taken = parcours(home, "cases", "next", "--agent", "Kévin")
    shown = json.loads(parcours(home, "cases", "show", "1", "--format", "json").stdout)
    bad = parcours(home, "agents", "add", "Loïc", "--team", "guingamp", "--channel", "phone",
                   check=False)  # fmt: skip
    agents = parcours(home, "agents", "list").stdout

    assert (first.stdout, second.stdout) == (f"1 PAR-{YEAR}-000001\n", f"2 PAR-{YEAR}-000002\n")
    assert (shown["owner"], shown["priority"], shown["routing"][0]) == (
        "Nolwenn",
        "high",
        "rule 1 → queue showroom",
    )
    assert taken.stdout == f"2 PAR-{YEAR}-000002\n"
    assert bad.returncode == 2 and "--channel expects NAME:NUMBER, got 'phone'" in bad.stderr
    assert "phone 1/1" in agents


def test_a_reply_without_a_mail_server_waits_in_the_outbox_and_a_call_back_is_tried_again(
    home: Path,  # noqa: F811
    tmp_path: Path,
):
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS, encoding="utf-8")
    parcours(home, "import", "customers", str(customers), "--source", "store", "--id-column", "id")
    claire = customer_id(home)
    parcours(home, "cases", "open", "--customer", str(claire), "--type", "callback",
             "--channel", "web", "--subject", "Rappel devis")  # fmt: skip

    replied = parcours(home, "cases", "reply", "1", "--channel", "email", "--body",
                       "Votre devis arrive.", "--by", "Kévin")  # fmt: skip
    waiting = parcours(home, "outbox", "list", "--status", "queued").stdout
    attempt = parcours(home, "cases", "callback", "1", "--outcome", "no_answer", "--agent", "Kévin")
    wrong = parcours(home, "cases", "callback", "1", "--outcome", "voicemail", check=False)

    assert replied.stdout.strip() == (
        f"PAR-{YEAR}-000001: reply to claire.legoff@exemple.fr queued in the outbox "
        "(no adapter configured for this channel)"
    )
    assert f"[PAR-{YEAR}-000001] Rappel devis" in waiting and "queued" in waiting
    assert attempt.stdout.startswith(f"PAR-{YEAR}-000001: open — no answer: new attempt at ")
    assert wrong.returncode == 2
    assert "unknown outcome 'voicemail'; known: reached, no_answer, busy, wrong_number" in (
        wrong.stderr
    )
