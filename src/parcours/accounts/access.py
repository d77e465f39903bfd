"""Who may do what, and see whom (pure). The same rules hold for a person in the console and a
program with an API token: both carry a role and, maybe, an organisation unit.

**Roles and what they may do** (:data:`PERMISSIONS`): a *seller* works with customers and their
requests in the store; an *agent* (contact centre) and the *back office* work cases; a
*manager* also steers (dashboards, staff, routing, SLAs); a *marketer* reads customers and
experience figures and manages consents, never cases; an *admin* does everything, users and
channels included.

**Which customers a person sees** (:func:`may_see`) — decision of 2026-11-25, from the seeds'
franchise case ("the customer belongs to the franchisee, not to the brand"):

* a customer with no owning unit is the brand's: every user sees them;
* a customer owned by a unit (a franchised store) is seen by the users of that unit only — not by
  other franchises, and not by the brand's users either — except admins (support and the data
  protection officer's duties);
* a user without a unit works for the brand: brand customers only (and everything if admin).

A customer someone may not see does not exist for them: 404 over the API and in the console, so
that the other franchise's customer base cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("seller", "agent", "back_office", "manager", "marketer", "admin")

PERMISSIONS: dict[str, frozenset[str]] = {
    "seller": frozenset({"customers.read", "customers.write", "cases.read", "cases.write",
                         "surveys.read"}),
    "agent": frozenset({"customers.read", "customers.write", "cases.read", "cases.write",
                        "surveys.read"}),
    "back_office": frozenset({"customers.read", "cases.read", "cases.write", "surveys.read"}),
    "manager": frozenset({"customers.read", "customers.write", "cases.read", "cases.write",
                          "surveys.read", "surveys.write", "staff.write", "reports.read"}),
    "marketer": frozenset({"customers.read", "surveys.read", "surveys.write", "consents.write",
                           "reports.read"}),
    "admin": frozenset({"*"}),
}  # fmt: skip


@dataclass(frozen=True)
class Principal:
    """Someone acting: a signed-in person or a program with a token."""

    actor: str
    role: str
    unit: str | None = None

    def may(self, permission: str) -> bool:
        granted = PERMISSIONS.get(self.role, frozenset())
        return "*" in granted or permission in granted


def may_see(principal: Principal, owning_unit: str | None) -> bool:
    """Whether this person may see a customer owned by ``owning_unit`` (None: the brand's)."""
    if principal.role == "admin":
        return True
    return owning_unit is None or owning_unit == principal.unit


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
    return role
