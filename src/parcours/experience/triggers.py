"""Surveys after the moments of truth: when a case is resolved (``case.resolved``), each trigger
of that moment invites the customer — after its delay, to its sample, and never more than once
per customer in ``fatigue_days`` — by e-mail with a link to the public survey page
(``PARCOURS_PUBLIC_URL/s/TOKEN``), through the outbox (sent after commit).

An invitation due later waits for ``parcours surveys send-due`` (every few minutes). Answering
the page records the answers on the survey with the customer and the case, a ``survey_response``
interaction on the customer's timeline (quoting the case, so it joins the case's thread), and
closes the loop (:mod:`parcours.experience.loop`).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours.cases.models import Case
from parcours.channels.outbox import queue_message
from parcours.config import get_settings
from parcours.customers.models import Customer
from parcours.db import utcnow
from parcours.events import Event
from parcours.experience import services
from parcours.experience.loop import close_the_loop
from parcours.experience.models import Survey, SurveyInvitation, SurveyTrigger
from parcours.interactions.ingest import record_interactions

MOMENTS = ("case_resolved",)


def add_trigger(session: Session, survey_name: str, moment: str, *, delay_minutes: int = 0,
                sample_pct: int = 100, fatigue_days: int = 30) -> SurveyTrigger:  # fmt: skip
    survey = services.survey_named(session, survey_name)
    if moment not in MOMENTS:
        raise services.SurveyError(f"unknown moment {moment!r}; known: {', '.join(MOMENTS)}")
    if not 0 <= sample_pct <= 100 or delay_minutes < 0 or fatigue_days < 0:
        raise services.SurveyError("sample is 0 to 100 %, delay and fatigue are 0 or more")
    trigger = SurveyTrigger(survey_id=survey.id, moment=moment, delay_minutes=delay_minutes,
                            sample_pct=sample_pct, fatigue_days=fatigue_days)  # fmt: skip
    session.add(trigger)
    session.flush()
    return trigger


def sampled(key: str, pct: int) -> bool:
    """A stable draw: the same case is always in or out of a sample."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100 < pct


def on_case_resolved(session: Session, event: Event) -> None:
    """Subscriber of ``case.resolved``: invite the customer as the triggers say."""
    case = session.get(Case, int(event.payload["case_id"]))
    if case is None or case.customer_id is None:
        return
    now = utcnow()
    for trigger in session.scalars(
        select(SurveyTrigger).where(SurveyTrigger.moment == "case_resolved")
    ):
        if not sampled(f"{trigger.id}:{case.id}", trigger.sample_pct):
            continue
        recent = session.scalar(
            select(SurveyInvitation.id)
            .where(
                SurveyInvitation.customer_id == case.customer_id,
                SurveyInvitation.created_at >= now - timedelta(days=trigger.fatigue_days),
            )
            .limit(1)
        )
        if recent is not None:
            continue
        invitation = SurveyInvitation(
            survey_id=trigger.survey_id, token=secrets.token_urlsafe(24),
            customer_id=case.customer_id, case_id=case.id, channel="email",
            send_after=now + timedelta(minutes=trigger.delay_minutes), created_at=now,
        )  # fmt: skip
        session.add(invitation)
        session.flush()
        if trigger.delay_minutes == 0:
            send(session, invitation, now)


def send(session: Session, invitation: SurveyInvitation, now: datetime) -> bool:
    """Queue the invitation's e-mail; False when the customer has no address."""
    customer = session.get(Customer, invitation.customer_id)
    survey = session.get(Survey, invitation.survey_id)
    assert survey is not None
    if customer is None or not customer.email:
        return False
    case = session.get(Case, invitation.case_id) if invitation.case_id else None
    link = f"{get_settings().public_url.rstrip('/')}/s/{invitation.token}"
    about = f" au sujet de votre demande {case.reference}" if case else ""
    queue_message(
        session, channel="email", recipient=customer.email,
        subject=f"{survey.title or 'Votre avis'}{' — ' + case.reference if case else ''}",
        body=(f"Bonjour,\n\nVotre avis{about} nous aide à mieux vous servir. "
              f"Deux minutes suffisent :\n{link}\n\nMerci !"),
        case_ref=case.reference if case else None,
    )  # fmt: skip
    invitation.sent_at = now
    return True


def send_due(session: Session, now: datetime | None = None) -> int:
    """Send the invitations whose delay has passed; how many left."""
    now = now or utcnow()
    count = 0
    for invitation in session.scalars(
        select(SurveyInvitation).where(SurveyInvitation.sent_at.is_(None),
                                       SurveyInvitation.send_after <= now)
    ):  # fmt: skip
        count += send(session, invitation, now)
    return count


class InvitationError(services.SurveyError):
    """An unknown or already answered link."""


def invitation_for(session: Session, token: str) -> SurveyInvitation:
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.token == token))
    if invitation is None:
        raise InvitationError("this survey link is not valid")
    return invitation


def answer(
    session: Session, token: str, values: dict[str, Any], now: datetime | None = None
) -> int:
    """Record the answers given on the public page; the number of answers recorded."""
    now = now or utcnow()
    invitation = invitation_for(session, token)
    if invitation.answered_at is not None:
        raise InvitationError("this survey has already been answered, thank you")
    survey = session.get(Survey, invitation.survey_id)
    assert survey is not None
    questions = services.questions_of(session, survey)
    case = session.get(Case, invitation.case_id) if invitation.case_id else None
    respondent = f"invitation-{invitation.id}"
    comment = next((str(values[k]).strip() for k, q in questions.items()
                    if q.kind == "text" and str(values.get(k) or "").strip()), None)  # fmt: skip
    recorded = 0
    for key, question in questions.items():
        raw = values.get(key)
        if raw is None or str(raw).strip() == "":
            continue
        services.record_answer(session, survey, questions, services.AnswerIn(
            key, None if question.kind == "text" else raw, respondent=respondent,
            comment=str(raw) if question.kind == "text" else None, channel=invitation.channel,
            touchpoint="case_resolved" if case else None, answered_at=now,
            customer_id=invitation.customer_id, case_id=invitation.case_id,
        ))  # fmt: skip
        recorded += 1
    if not recorded:
        raise services.SurveyError("answer at least one question")
    invitation.answered_at = now
    item = {
        "external_id": f"survey-{uuid.uuid4().hex}", "occurred_at": now.isoformat(),
        "channel": "web", "type": "survey_response", "direction": "inbound",
        "identifiers": {"customer_id": str(invitation.customer_id)},
        "case_ref": case.reference if case else None,
        "payload": {"survey": survey.name, "answers": {k: values.get(k) for k in questions},
                    **({"text": comment} if comment else {})},
    }  # fmt: skip
    record_interactions(session, [(1, "parcours-surveys", item)])
    close_the_loop(session, survey, [respondent])
    return recorded
