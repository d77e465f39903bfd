"""The customer 360: what every context knows of one customer, gathered for the console in one
place so that its routes stay thin — profile and identifiers, open cases, the timeline one page
at a time, consents per address and purpose, client book notes, survey answers, the merge
history with its unmerge, and whether the reader follows the customer.

It sits above every context (customers, interactions, cases, channels, experience), as
:mod:`parcours.wiring` does; none of them imports it. Every function takes the reader's
:class:`~parcours.customers.services.Visibility`: a customer they may not see is
:class:`~parcours.customers.services.CustomerNotFound`, whatever they ask to do with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.cases import workflow
from parcours.cases.models import Case
from parcours.channels import consents
from parcours.channels.models import Consent
from parcours.customers import merging
from parcours.customers import services as customers
from parcours.customers.models import Customer, Merge
from parcours.customers.schemas import CustomerDetail, CustomerSummary, MergeOut
from parcours.customers.services import Visibility
from parcours.experience import verbatims
from parcours.experience.models import Survey, SurveyAnswer, SurveyQuestion
from parcours.interactions import clientbook
from parcours.interactions import services as interactions
from parcours.interactions.models import CustomerNote
from parcours.interactions.schemas import TimelinePage

TIMELINE_PAGE_SIZE = 20
NOTES_SHOWN = 50
ANSWERS_SHOWN = 20
#: The channels whose consents an identifier's address carries (more when some were recorded).
CONSENT_CHANNELS = {"email": ("email",), "phone": ("sms",)}
#: What a message is sent for; "all" (a STOP) weighs on each of them through ``decide``.
PURPOSES = tuple(consents.ALLOWED_WITHOUT_ANSWER)


class MergeNotOnCustomer(LookupError):
    """The merge is not in this customer's history (or does not exist)."""


@dataclass(frozen=True)
class AddressConsents:
    channel: str
    address: str
    #: purpose → allowed now, and why.
    decisions: dict[str, consents.Decision]


@dataclass(frozen=True)
class AnswerLine:
    survey: str
    question: str
    score: int | None
    low: int | None
    high: int | None
    comment: str | None
    #: negative, neutral or positive, for a comment.
    tone: str | None
    channel: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class MergeLine:
    merge: MergeOut
    #: The customers whose records the merge moved into its target.
    sources: list[int]
    #: Undone from the target's 360 only, and only once.
    is_undoable: bool


@dataclass(frozen=True)
class Notes:
    total: int
    items: list[CustomerNote]


@dataclass(frozen=True)
class Customer360:
    customer: CustomerDetail
    cases: list[Case]
    timeline: TimelinePage
    notes: Notes
    consents: list[AddressConsents]
    answers: list[AnswerLine]
    merges: list[MergeLine]
    is_followed: bool


def gather(session: Session, customer_id: int, visibility: Visibility, *, follower: str,
           page: int = 1, language: str = "fr") -> Customer360:  # fmt: skip
    """The whole 360 of a live customer (a merged one: ask :func:`live_id` first)."""
    detail = customers.get_customer(session, customer_id, visibility)
    return Customer360(
        customer=detail,
        cases=open_cases(session, customer_id),
        timeline=timeline(session, customer_id, page=page, language=language),
        notes=notes_of(session, customer_id),
        consents=consents_of(session, detail),
        answers=answers_of(session, customer_id),
        merges=merges_of(detail),
        is_followed=is_followed(session, customer_id, follower),
    )


def live_id(session: Session, customer_id: int, visibility: Visibility) -> int:
    """The customer now holding ``customer_id``'s records (itself unless merged), if visible."""
    customers.ensure_visible(session, customer_id, visibility)
    return merging.current_customer(session, customer_id)


def open_cases(session: Session, customer_id: int) -> list[Case]:
    return list(session.scalars(
        select(Case).where(Case.customer_id == customer_id,
                           Case.status.in_(sorted(workflow.ACTIVE))).order_by(Case.id.desc())
    ))  # fmt: skip


def timeline(session: Session, customer_id: int, *, page: int = 1,
             language: str = "fr") -> TimelinePage:  # fmt: skip
    """A page of the timeline; past the last page, an empty one (its total still says how many)."""
    return interactions.timeline(session, customer_id, page=max(page, 1),
                                 page_size=TIMELINE_PAGE_SIZE, language=language)  # fmt: skip


def notes_of(session: Session, customer_id: int) -> Notes:
    total, items = clientbook.notes(session, customer_id, limit=NOTES_SHOWN)
    return Notes(total, items)


def add_note(session: Session, customer_id: int, visibility: Visibility, *, author: str,
             body: str) -> CustomerNote:  # fmt: skip
    """A client book note (:class:`~parcours.interactions.clientbook.ClientBookError` if empty
    or too long)."""
    customers.ensure_visible(session, customer_id, visibility)
    return clientbook.add_note(session, customer_id, author, body)


def _addresses(detail: CustomerDetail) -> list[tuple[str, str]]:
    return sorted({(identifier.kind, identifier.value) for identifier in detail.identifiers
                   if identifier.kind in CONSENT_CHANNELS})  # fmt: skip


def consents_of(session: Session, detail: CustomerDetail) -> list[AddressConsents]:
    """For each e-mail address and phone number of the customer, on each channel it serves
    (e-mail; SMS, and any other channel a decision was recorded on), what each purpose allows."""
    pairs = {(channel, value) for kind, value in _addresses(detail)
             for channel in CONSENT_CHANNELS[kind]}  # fmt: skip
    values = sorted({value for _, value in pairs})
    if values:
        pairs |= {(str(channel), str(address)) for channel, address in session.execute(
            select(Consent.channel, Consent.address).where(Consent.address.in_(values)).distinct()
        )}  # fmt: skip
    return [
        AddressConsents(channel, address, {purpose: consents.decide(session, channel, address,
                                                                    purpose)
                                           for purpose in PURPOSES})
        for channel, address in sorted(pairs, key=lambda pair: (pair[1], pair[0]))
    ]  # fmt: skip


def consents_for(session: Session, customer_id: int,
                 visibility: Visibility) -> list[AddressConsents]:  # fmt: skip
    return consents_of(session, customers.get_customer(session, customer_id, visibility))


def record_consent(session: Session, customer_id: int, visibility: Visibility, *, channel: str,
                   address: str, purpose: str, is_granted: bool,
                   source: str) -> Consent:  # fmt: skip
    """A decision on one of the customer's own addresses (never on any address through them)."""
    known = {(line.channel, line.address)
             for line in consents_for(session, customer_id, visibility)}  # fmt: skip
    if (channel, address) not in known:
        raise consents.ConsentError(f"{channel} {address!r} is not an address of this customer")
    return consents.record(session, channel=channel, address=address, purpose=purpose,
                           is_granted=is_granted, source=source)  # fmt: skip


def answers_of(session: Session, customer_id: int, limit: int = ANSWERS_SHOWN) -> list[AnswerLine]:
    """The customer's survey answers (and those of customers merged into them), newest first."""
    family = clientbook.merged_family(session, customer_id)
    rows = session.execute(
        select(SurveyAnswer, SurveyQuestion, Survey)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(Survey, Survey.id == SurveyAnswer.survey_id)
        .where(SurveyAnswer.customer_id.in_(family))
        .order_by(SurveyAnswer.answered_at.desc().nulls_last(), SurveyAnswer.id.desc())
        .limit(limit)
    )
    return [
        AnswerLine(
            survey=survey.title or survey.name, question=question.label or question.key,
            score=answer.score, low=question.low, high=question.high, comment=answer.comment,
            tone=verbatims.polarity(answer.sentiment or 0.0) if answer.comment else None,
            channel=answer.channel, answered_at=answer.answered_at,
        )
        for answer, question, survey in rows
    ]  # fmt: skip


def merges_of(detail: CustomerDetail) -> list[MergeLine]:
    return [
        MergeLine(merge, sorted({move.from_customer_id for move in merge.moves}),
                  merge.undone_at is None and merge.target_customer_id == detail.id)
        for merge in detail.merges
    ]  # fmt: skip


def unmerge(session: Session, customer_id: int, merge_id: int, visibility: Visibility, *,
            decided_by: str, trust: Mapping[str, int] | None = None) -> list[int]:  # fmt: skip
    """Undo a merge of this customer's history; the customers it concerns, which must all be
    visible to the reader (:class:`~parcours.customers.merging.MergeError` if it cannot be
    undone, e.g. already undone or merged again since)."""
    customers.ensure_visible(session, customer_id, visibility)
    merge = session.get(Merge, merge_id)
    history = {m.id for m in merging.merge_history(session, customer_id)}
    if merge is None or merge_id not in history:
        raise MergeNotOnCustomer(merge_id)
    concerned = sorted({merge.target_customer_id, *(m.from_customer_id for m in merge.moves)})
    for other in concerned:
        customers.ensure_visible(session, other, visibility)
    merging.unmerge(session, merge_id, decided_by=decided_by, trust=trust)
    return concerned


def is_followed(session: Session, customer_id: int, follower: str) -> bool:
    """Followed directly or through a customer since merged into this one."""
    return customer_id in clientbook.followed(session, follower)


def follow(session: Session, customer_id: int, visibility: Visibility, follower: str) -> bool:
    """Follow the customer; False when already followed."""
    customers.ensure_visible(session, customer_id, visibility)
    if is_followed(session, customer_id, follower):
        return False
    return clientbook.follow(session, follower, customer_id)


def unfollow(session: Session, customer_id: int, visibility: Visibility, follower: str) -> bool:
    """Stop following the customer, including through the customers merged into it."""
    customers.ensure_visible(session, customer_id, visibility)
    stopped = [clientbook.unfollow(session, follower, member)
               for member in clientbook.merged_family(session, customer_id)]  # fmt: skip
    return any(stopped)


def followed_customers(session: Session, follower: str,
                       visibility: Visibility) -> list[CustomerSummary]:  # fmt: skip
    """The live customers the user follows and may still see, by name."""
    ids = clientbook.followed(session, follower)
    if not ids:
        return []
    rows = session.scalars(
        select(Customer).where(Customer.id.in_(ids)).order_by(Customer.search_name, Customer.id)
    )
    return [CustomerSummary.model_validate(row) for row in rows
            if visibility.allows(row.owning_unit)]  # fmt: skip
