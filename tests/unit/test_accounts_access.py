"""Who may do what and see whom (parcours.accounts.access)."""

from __future__ import annotations

import pytest

from parcours.accounts.access import PERMISSIONS, ROLES, Principal, check_role, may_see


@pytest.mark.parametrize(
    ("role", "unit", "owning_unit", "seen"),
    [
        pytest.param("seller", "Franchise Lannion", None, True, id="brand-customer-seen-by-all"),
        pytest.param("seller", "Franchise Lannion", "Franchise Lannion", True, id="own-franchise"),
        pytest.param("seller", "Franchise Lannion", "Franchise Brest", False, id="other-franchise"),
        pytest.param("manager", None, "Franchise Brest", False,
                     id="the-customer-belongs-to-the-franchisee-not-to-the-brand"),
        pytest.param("marketer", None, None, True, id="brand-marketer-brand-customer"),
        pytest.param("admin", None, "Franchise Brest", True, id="admin-sees-all"),
    ],
)  # fmt: skip
def test_a_customer_is_seen_by_its_unit_and_brand_customers_by_everyone(
    role: str, unit: str | None, owning_unit: str | None, seen: bool
) -> None:
    assert may_see(Principal("user:x", role, unit), owning_unit) is seen


def test_each_role_may_do_its_own_work_only() -> None:
    seller, marketer = Principal("user:s", "seller"), Principal("user:m", "marketer")
    admin = Principal("user:a", "admin")
    assert (seller.may("cases.write"), seller.may("staff.write")) == (True, False)
    assert (marketer.may("consents.write"), marketer.may("cases.read")) == (True, False)
    assert admin.may("channels.write") and admin.may("anything.at.all")
    assert Principal("user:x", "intruder").may("customers.read") is False
    assert set(PERMISSIONS) == set(ROLES)


def test_an_unknown_role_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown role 'boss'; known: seller, agent, "):
        check_role("boss")
