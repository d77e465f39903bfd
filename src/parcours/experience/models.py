"""Tables of the customer-experience surveys: questions with their kind and scale, answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parcours.customers.models import BigId
from parcours.db import Base, JSONType, UTCDateTime, utcnow


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    key: Mapped[str] = mapped_column(String(40))
    #: nps, csat, ces, ces_ease, rating, choice, text.
    kind: Mapped[str] = mapped_column(String(10))
    low: Mapped[int | None] = mapped_column()
    high: Mapped[int | None] = mapped_column()
    label: Mapped[str | None] = mapped_column(String(300))
    #: A choice question's options; its answers' scores are their numbers (1 to n).
    options: Mapped[list[str] | None] = mapped_column(JSONType)


class SurveyAnswer(Base):
    """One answer (``count`` 1, with its respondent) or one line of a distribution from a paper
    survey (``count`` n, no respondent, ``source`` the file it came from)."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("question_id", "respondent"),
        # Every score by channel × touchpoint × month reads this index alone, in group order
        # (1M answers: 0.17 s against 0.89 s grouping on the date; bench/survey_scores.py).
        Index(
            "ix_survey_answers_breakdown",
            "survey_id", "question_id", "channel", "touchpoint", "month", "score", "count",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id"))
    respondent: Mapped[str | None] = mapped_column(String(120))
    score: Mapped[int | None] = mapped_column()
    count: Mapped[int] = mapped_column(default=1)
    comment: Mapped[str | None] = mapped_column(Text)
    #: What the comment says (:mod:`parcours.experience.verbatims`), kept with it: its
    #: sentiment (−1 to 1) and its themes with the sentiment of each, ``[["delivery", -0.36]]``.
    sentiment: Mapped[float | None] = mapped_column(Float)
    themes: Mapped[list[Any] | None] = mapped_column(JSONType)
    channel: Mapped[str | None] = mapped_column(String(32))
    touchpoint: Mapped[str | None] = mapped_column(String(80))
    #: before, during or after the purchase: given, or read from the touchpoint
    #: (:mod:`parcours.experience.touchpoints`).
    phase: Mapped[str | None] = mapped_column(String(8))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "2026-05" (UTC) of ``answered_at``: the period of the breakdowns, indexed.
    month: Mapped[str | None] = mapped_column(String(7))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    #: The case the answer is about (a survey after a resolved case).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: The follow-up case this answer opened ("closing the loop" with a detractor).
    follow_up_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: The file a distribution came from (importing it again replaces it).
    source: Mapped[str | None] = mapped_column(String(200))


class SurveyTrigger(Base):
    """When a survey goes out: after a moment of truth, with a delay, to a sample, and never
    more than once per customer in ``fatigue_days``."""

    __tablename__ = "survey_triggers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    #: A moment of truth of :data:`parcours.experience.triggers.MOMENTS`.
    moment: Mapped[str] = mapped_column(String(32))
    delay_minutes: Mapped[int] = mapped_column(default=0)
    sample_pct: Mapped[int] = mapped_column(default=100)
    fatigue_days: Mapped[int] = mapped_column(default=30)


class SurveyInvitation(Base):
    """A survey sent to one customer: the link's token, what it is about, whether answered."""

    __tablename__ = "survey_invitations"
    __table_args__ = (Index("ix_survey_invitations_customer_created", "customer_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    #: The moment of truth it follows, and the interaction that was it (a purchase, a delivery).
    moment: Mapped[str] = mapped_column(String(32))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"), index=True)
    #: email or sms: the customer's preferred channel where allowed.
    channel: Mapped[str] = mapped_column(String(32))
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
