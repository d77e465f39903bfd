"""Use cases of the single customer view: search, show, export links, record intake.

They take a session or a :class:`~parcours.db.Database` and plain values, and return plain data
(Pydantic schemas), so that the API, the CLI and the web pages share them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session, selectinload

from parcours.customers import normalise as n
from parcours.customers.ingest import IncomingRecord, MatchSettings, Outcome, ingest_batch
from parcours.customers.merging import merge_history
from parcours.customers.models import Customer, Identifier, SourceRecord
from parcours.customers.schemas import (
    CustomerDetail,
    CustomerPage,
    CustomerSummary,
    IdentifierOut,
    MergeOut,
    SourceRecordOut,
)

MAX_PAGE_SIZE = 200


class CustomerNotFound(LookupError):
    def __init__(self, customer_id: int) -> None:
        super().__init__(f"no customer with id {customer_id}")
        self.customer_id = customer_id


@dataclass(frozen=True)
class SearchPlan:
    """How a free-text query is searched: by identifiers it could be, and by name words."""

    identifiers: tuple[tuple[str, str], ...]
    name_words: tuple[str, ...]


def plan_search(query: str, region: str = "FR") -> SearchPlan:
    """Read a query the way a seller types it: an e-mail, a phone in any format, a card, a name."""
    text = query.strip()
    identifiers: list[tuple[str, str]] = []
    if "@" in text:
        try:
            identifiers.append(("email", n.normalise_email(text)))
        except n.InvalidValue:
            identifiers.append(("email", text.casefold()))
        return SearchPlan(tuple(identifiers), ())
    digits = sum(char.isdigit() for char in text)
    if digits >= 6:
        with contextlib.suppress(n.InvalidValue):
            identifiers.append(("phone", n.normalise_phone(text, region)))
        for kind, normaliser in (
            ("loyalty_card", n.normalise_loyalty_card),
            ("siret", n.normalise_siret),
            ("national_id", n.normalise_national_id),
        ):
            try:
                identifiers.append((kind, normaliser(text)))
            except n.InvalidValue:
                continue
    if text:
        identifiers.append(("web_account", n.normalise_web_account(text)))
    words = tuple(word for word in n.fold(text).split(" ") if word and digits < len(text) / 2)
    return SearchPlan(tuple(identifiers), words)


@dataclass(frozen=True)
class Visibility:
    """Which customers someone may see (decided by :mod:`parcours.accounts.access`): everyone,
    or the brand's customers and those of one organisation unit."""

    sees_all: bool = True
    unit: str | None = None

    def condition(
        self, owning_unit: QueryableAttribute[str | None] = Customer.owning_unit
    ) -> ColumnElement[bool] | None:
        """The SQL condition on ``owning_unit`` (a column of Customer or of an alias of it)."""
        if self.sees_all:
            return None
        if self.unit is None:
            return owning_unit.is_(None)
        return or_(owning_unit.is_(None), owning_unit == self.unit)

    def allows(self, owning_unit: str | None) -> bool:
        return self.sees_all or owning_unit is None or owning_unit == self.unit


EVERYONE = Visibility()


def _page(
    session: Session,
    condition: ColumnElement[bool] | None,
    order: Sequence[Any],
    page: int,
    size: int,
    visibility: Visibility = EVERYONE,
) -> CustomerPage:
    """One page of customers matching ``condition``, with the total count; sizes are clamped."""
    page = max(page, 1)
    size = min(max(size, 1), MAX_PAGE_SIZE)
    live = Customer.merged_into_id.is_(None)
    condition = live if condition is None else and_(live, condition)
    seen = visibility.condition()
    if seen is not None:
        condition = and_(condition, seen)
    counted = select(func.count()).select_from(Customer)
    listed = select(Customer)
    if condition is not None:
        counted, listed = counted.where(condition), listed.where(condition)
    total = session.scalar(counted) or 0
    rows = session.scalars(listed.order_by(*order).offset((page - 1) * size).limit(size)).all()
    return CustomerPage(
        items=[CustomerSummary.model_validate(row) for row in rows],
        total=total,
        page=page,
        page_size=size,
    )


def search_customers(
    session: Session,
    query: str,
    *,
    region: str = "FR",
    page: int = 1,
    page_size: int = 20,
    visibility: Visibility = EVERYONE,
) -> CustomerPage:
    """Customers whose identifiers or names match ``query``, identifier matches first."""
    plan = plan_search(query, region)
    by_identifier = (
        select(Identifier.customer_id)
        .where(
            or_(*(and_(Identifier.kind == k, Identifier.value == v) for k, v in plan.identifiers))
        )
        .distinct()
        if plan.identifiers
        else None
    )
    conditions: list[ColumnElement[bool]] = []
    if by_identifier is not None:
        conditions.append(Customer.id.in_(by_identifier))
    if plan.name_words:
        conditions.append(and_(*(Customer.search_name.contains(word) for word in plan.name_words)))
    if not conditions:
        return CustomerPage(items=[], total=0, page=max(page, 1), page_size=page_size)
    identifier_first = (
        Customer.id.in_(by_identifier) if by_identifier is not None else Customer.id.is_(None)
    )
    order = [identifier_first.desc(), Customer.search_name, Customer.id]
    return _page(session, or_(*conditions), order, page, page_size, visibility)


def list_customers(session: Session, *, page: int = 1, page_size: int = 20,
                   visibility: Visibility = EVERYONE) -> CustomerPage:  # fmt: skip
    return _page(session, None, [Customer.id], page, page_size, visibility)


def get_customer(session: Session, customer_id: int,
                 visibility: Visibility = EVERYONE) -> CustomerDetail:  # fmt: skip
    """A customer with identifiers, records and merges; :class:`CustomerNotFound` as well when
    the customer exists but is not visible (another franchise's cannot be probed)."""
    customer = session.scalar(
        select(Customer)
        .where(Customer.id == customer_id)
        .options(selectinload(Customer.source_records), selectinload(Customer.identifiers))
    )
    if customer is None or not visibility.allows(customer.owning_unit):
        raise CustomerNotFound(customer_id)
    summary = CustomerSummary.model_validate(customer)
    return CustomerDetail(
        **summary.model_dump(),
        identifiers=[IdentifierOut.model_validate(i) for i in _merged(customer.identifiers)],
        source_records=[SourceRecordOut.model_validate(r) for r in customer.source_records],
        merges=[MergeOut.model_validate(m) for m in merge_history(session, customer_id)],
    )


def _merged(identifiers: Sequence[Identifier]) -> list[IdentifierOut]:
    """One line per identifier value, however many records carry it (first/last seen overall)."""
    merged: dict[tuple[str, str], IdentifierOut] = {}
    for identifier in identifiers:
        key = (identifier.kind, identifier.value)
        current = merged.get(key)
        if current is None:
            merged[key] = IdentifierOut(
                kind=identifier.kind,
                value=identifier.value,
                is_verified=identifier.is_verified,
                first_seen=identifier.first_seen,
                last_seen=identifier.last_seen,
                records=1,
            )
            continue
        current.is_verified = current.is_verified or identifier.is_verified
        current.first_seen = min(current.first_seen, identifier.first_seen)
        current.last_seen = max(current.last_seen, identifier.last_seen)
        current.records += 1
    return list(merged.values())


def source_links(session: Session, source: str) -> Iterator[tuple[str, int]]:
    """(external id, customer id) for every record of ``source``, streamed in id order."""
    rows = session.execute(
        select(SourceRecord.external_id, SourceRecord.customer_id)
        .where(SourceRecord.source == source)
        .order_by(SourceRecord.id)
        .execution_options(yield_per=5000)
    )
    for external_id, customer_id in rows:
        yield str(external_id), int(customer_id)


def receive_records(
    session: Session,
    records: Sequence[IncomingRecord],
    *,
    region: str = "FR",
    trust: Mapping[str, int] | None = None,
    match: MatchSettings | None = None,
) -> list[Outcome]:
    """Records sent by a channel through the API: the same path as a file import."""
    return ingest_batch(session, records, region=region, trust=trust, match=match)


@dataclass(frozen=True)
class BaseOverview:
    customers: int
    records: int
    by_source: list[tuple[str, int]]


def base_overview(session: Session) -> BaseOverview:
    """Counts for the welcome page: customers, source records, records per source."""
    customers = (
        session.scalar(
            select(func.count()).select_from(Customer).where(Customer.merged_into_id.is_(None))
        )
        or 0
    )
    by_source = [
        (str(source), int(count))
        for source, count in session.execute(
            select(SourceRecord.source, func.count())
            .group_by(SourceRecord.source)
            .order_by(func.count().desc(), SourceRecord.source)
        )
    ]
    return BaseOverview(customers, sum(count for _, count in by_source), by_source)


def ensure_visible(session: Session, customer_id: int, visibility: Visibility) -> None:
    """:class:`CustomerNotFound` unless the customer exists and may be seen."""
    owning = session.execute(
        select(Customer.owning_unit).where(Customer.id == customer_id)
    ).first()  # fmt: skip
    if owning is None or not visibility.allows(owning[0]):
        raise CustomerNotFound(customer_id)
