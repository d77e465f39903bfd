"""The services behind the administration pages, on SQLite and PostgreSQL: users listed a page
at a time, a user's role, unit and access changed (never one's own role), an agent's skills
replaced."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from parcours.accounts import services as accounts
from parcours.accounts.models import User
from parcours.cases import staff
from parcours.cases.models import AgentSkill
from parcours.cases.services import CaseError
from parcours.db import Database


def test_given_thirty_users_when_listing_then_pages_of_ten_by_login(db: Database):
    with db.transaction(write=True) as session:
        session.add_all(User(login=f"user{n:02}", password_hash="-") for n in range(30))

    with db.sessions() as session:
        first = accounts.users(session, page=1, page_size=10)
        last = accounts.users(session, page=3, page_size=10)

    assert (first.total, first.pages) == (30, 3)
    assert [u.login for u in first.items] == [f"user{n:02}" for n in range(10)]
    assert [u.login for u in last.items] == [f"user{n:02}" for n in range(20, 30)]


def test_given_an_agent_when_an_admin_changes_role_unit_and_access_then_the_changes_are_told(
    db: Database,
):
    with db.transaction(write=True) as session:
        accounts.create_user(session, "erwan", role="agent", display_name="Erwan")

    with db.transaction(write=True) as session:
        changes = accounts.update_user(
            session, "erwan", role="manager", unit=" Franchise Brest ", display_name="Erwan",
            language="fr", is_active=False, acting_login="admin",
        )  # fmt: skip

    with db.sessions() as session:
        user = session.scalars(select(User).where(User.login == "erwan")).one()
        assert (user.role, user.unit, user.is_active) == ("manager", "Franchise Brest", False)
    assert changes == [
        "role 'agent' → 'manager'",
        "unit None → 'Franchise Brest'",
        "is_active True → False",
    ]


@pytest.mark.parametrize(
    ("role", "is_active"),
    [pytest.param("agent", True, id="demoting"), pytest.param("admin", False, id="deactivating")],
)
def test_an_admin_cannot_demote_or_deactivate_themselves(db: Database, role: str, is_active: bool):
    with db.transaction(write=True) as session:
        accounts.create_user(session, "root", role="admin")

    with db.transaction(write=True) as session, pytest.raises(accounts.UserError) as refused:
        accounts.update_user(session, "root", role=role, unit=None, display_name=None,
                             language="fr", is_active=is_active, acting_login="root")  # fmt: skip

    assert str(refused.value) == "you cannot change your own role or deactivate yourself"
    with db.sessions() as session:
        user = session.scalars(select(User).where(User.login == "root")).one()
        assert (user.role, user.is_active) == ("admin", True)


def test_given_an_agent_with_skills_when_setting_new_ones_then_they_replace_the_old(db: Database):
    with db.transaction(write=True) as session:
        staff.add_team(session, "Centre de contact", "contact_centre")
        agent_id = staff.add_agent(session, "Léa", "Centre de contact", channels={"chat": 3},
                                   skills={"language:fr": 5, "type:quote": 2}).id  # fmt: skip

    with db.transaction(write=True) as session:
        staff.set_skills(session, staff.agent_named(session, agent_id),
                         {"language:en": 3, "type:quote": 4})  # fmt: skip
    with db.transaction(write=True) as session, pytest.raises(CaseError) as refused:
        staff.set_skills(session, staff.agent_named(session, agent_id), {"language:de": 6})

    assert str(refused.value) == "level of language:de must be 1 to 5, not 6"
    with db.sessions() as session:
        skills = session.execute(
            select(AgentSkill.skill, AgentSkill.level).where(AgentSkill.agent_id == agent_id)
        ).all()
    assert sorted(skills) == [("language:en", 3), ("type:quote", 4)]
