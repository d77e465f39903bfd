"""Surveys after the moments of truth: a case resolved (``case.resolved``), a purchase, a
delivery, a click & collect pick-up or a store visit (``interaction.recorded``, recent ones
only). Each trigger of that moment invites the customer — after its delay, to its sample, never
more than once per customer in ``fatigue_days`` — on their preferred channel where they allow
surveys (e-mail, or SMS to a mobile number), with a link to the public survey page
(``PARCOURS_PUBLIC_URL/s/TOKEN``), through the outbox (sent after commit, consent checked
again there). Every invitation offers the way out (``/s/TOKEN/stop``, or STOP by SMS).

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
from parcours.channels import consents
from parcours.channels.outbox import queue_message
from parcours.config import get_settings
from parcours.customers.models import Customer
from parcours.customers.normalise import is_mobile
from parcours.customers.profiles import chunks
from parcours.db import utcnow
from parcours.events import Event
from parcours.experience import services
from parcours.experience.loop import close_the_loop
from parcours.experience.models import Survey, SurveyInvitation, SurveyTrigger
from parcours.interactions.ingest import record_interactions
from parcours.interactions.models import Interaction

MOMENTS = ("case_resolved", "purchase", "delivery", "click_collect", "store_visit")
#: The moments of truth an interaction of the same type is (a purchase at the till, a delivery
#: made, a click & collect order picked up, a visit to the store).
INTERACTION_MOMENTS = frozenset(MOMENTS) - {"case_resolved"}
#: An interaction older than this when it arrives is history (an import of last year's sales):
#: it is not surveyed.
MOMENT_WINDOW = timedelta(days=7)
LABELS = {"case_resolved": "votre demande", "purchase": "votre achat",
          "delivery": "votre livraison", "click_collect": "votre retrait en magasin",
          "store_visit": "votre visite en magasin"}  # fmt: skip


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
    """A stable draw: the same moment is always in or out of a sample."""
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
        invite(session, trigger, case.customer_id, f"case-{case.id}", now, case_id=case.id)


def on_interaction_recorded(session: Session, event: Event) -> None:
    """Subscriber of ``interaction.recorded``: a recent purchase, delivery, click & collect
    pick-up or store visit of a known customer invites them as the triggers of that moment
    say; nothing is read when no trigger waits for these moments."""
    found = list(session.scalars(
        select(SurveyTrigger).where(SurveyTrigger.moment.in_(sorted(INTERACTION_MOMENTS)))
    ))  # fmt: skip
    ids = [int(i) for i in event.payload.get("interaction_ids", ())]
    if not found or not ids:
        return
    now = utcnow()
    moments = {trigger.moment for trigger in found}
    for chunk in chunks(sorted(ids)):
        for interaction in session.scalars(
            select(Interaction).where(
                Interaction.id.in_(chunk), Interaction.type.in_(sorted(moments)),
                Interaction.customer_id.is_not(None),
                Interaction.occurred_at >= now - MOMENT_WINDOW,
            )
        ):  # fmt: skip
            assert interaction.customer_id is not None
            for trigger in found:
                if trigger.moment != interaction.type or session.scalar(
                    select(SurveyInvitation.id).where(
                        SurveyInvitation.survey_id == trigger.survey_id,
                        SurveyInvitation.interaction_id == interaction.id,
                    )
                ) is not None:  # fmt: skip
                    continue
                invite(session, trigger, interaction.customer_id, f"interaction-{interaction.id}",
                       now, interaction_id=interaction.id)  # fmt: skip


def invite(session: Session, trigger: SurveyTrigger, customer_id: int, key: str, now: datetime,
           *, case_id: int | None = None,
           interaction_id: int | None = None) -> SurveyInvitation | None:  # fmt: skip
    """An invitation if the moment is in the sample, the customer was not surveyed within the
    fatigue period and can be reached on a channel they allow surveys on."""
    if not sampled(f"{trigger.id}:{key}", trigger.sample_pct):
        return None
    recent = session.scalar(
        select(SurveyInvitation.id)
        .where(
            SurveyInvitation.customer_id == customer_id,
            SurveyInvitation.created_at >= now - timedelta(days=trigger.fatigue_days),
        )
        .limit(1)
    )
    customer = session.get(Customer, customer_id)
    channel = (
        None if recent is not None or customer is None else reachable_channel(session, customer)
    )
    if channel is None:
        return None
    invitation = SurveyInvitation(
        survey_id=trigger.survey_id, token=secrets.token_urlsafe(24), customer_id=customer_id,
        case_id=case_id, interaction_id=interaction_id, moment=trigger.moment, channel=channel,
        send_after=now + timedelta(minutes=trigger.delay_minutes), created_at=now,
    )  # fmt: skip
    session.add(invitation)
    session.flush()
    if trigger.delay_minutes == 0:
        send(session, invitation, now)
    return invitation


def reachable_channel(session: Session, customer: Customer) -> str | None:
    """E-mail or SMS: the customer's preferred one first, then e-mail, then SMS to a mobile
    number — each only with an address and surveys not refused on it."""
    order = ["email", "sms"]
    if customer.preferred_channel == "sms":
        order.reverse()
    for channel in order:
        address = _address(customer, channel)
        if address and consents.is_allowed(session, channel, address, "surveys"):
            return channel
    return None


def _address(customer: Customer, channel: str) -> str | None:
    if channel == "email":
        return customer.email
    return customer.phone if customer.phone and is_mobile(customer.phone) else None


def send(session: Session, invitation: SurveyInvitation, now: datetime) -> bool:
    """Queue the invitation on its channel (the outbox checks consent again); False when the
    customer has no address on it any more."""
    customer = session.get(Customer, invitation.customer_id)
    survey = session.get(Survey, invitation.survey_id)
    assert survey is not None
    address = None if customer is None else _address(customer, invitation.channel)
    if address is None:
        return False
    case = session.get(Case, invitation.case_id) if invitation.case_id else None
    link = f"{get_settings().public_url.rstrip('/')}/s/{invitation.token}"
    about = f"{LABELS.get(invitation.moment, 'votre expérience')}"
    if case is not None:
        about = f"votre demande {case.reference}"
    if invitation.channel == "sms":
        queue_message(
            session, channel="sms", recipient=address, purpose="surveys",
            body=f"Votre avis sur {about} ? 2 min : {link} (STOP pour ne plus recevoir)",
            case_ref=case.reference if case else None,
        )  # fmt: skip
    else:
        queue_message(
            session, channel="email", recipient=address, purpose="surveys",
            subject=f"{survey.title or 'Votre avis'}{' — ' + case.reference if case else ''}",
            body=(f"Bonjour,\n\nVotre avis sur {about} nous aide à mieux vous servir. "
                  f"Deux minutes suffisent :\n{link}\n\nMerci !\n\n"
                  f"Ne plus recevoir nos enquêtes : {link}/stop"),
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


def stop_surveys(session: Session, token: str, now: datetime | None = None) -> str:
    """The customer behind this link wants no more surveys on the channel it reached them on;
    the address, for the confirmation page."""
    invitation = invitation_for(session, token)
    customer = session.get(Customer, invitation.customer_id)
    address = None if customer is None else _address(customer, invitation.channel)
    if address is None:
        raise InvitationError("this survey link is not valid")
    consents.record(session, channel=invitation.channel, address=address, purpose="surveys",
                    is_granted=False, source="survey link", now=now)  # fmt: skip
    return address


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
            touchpoint=invitation.moment, answered_at=now,
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
