"""The demo's survey: Sens Confort's own satisfaction survey from the seeds — recommendation on
1–10, welcome and showroom atmosphere on 1–4, ease of navigating the website on 1–5 where 5 is
the most effort — with a comment, answered by 300 demo customers across channels and touchpoints
over six months (seeded: the same answers every time). Loading twice changes nothing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from parcours.customers.models import Customer
from parcours.db import Database
from parcours.experience import services

SURVEY = "sens-confort"
QUESTIONS = (
    "recommandation:nps:1-10",
    "accueil:csat:1-4",
    "navigation:ces:1-5",
    "commentaire:text",
)
#: touchpoint → (channel, how it usually goes: mean recommendation)
TOUCHPOINTS = {
    "visite showroom": ("store", 8.4),
    "installation": ("field", 8.8),
    "livraison": ("phone", 6.6),
    "appel SAV": ("phone", 6.9),
    "site web": ("web", 7.4),
    "devis par e-mail": ("email", 8.0),
}
COMMENTS = {
    "bad": ("Livraison en retard de trois jours", "Personne ne rappelle au SAV",
            "Le site ne montre pas les prix", "Trop d'attente au téléphone"),
    "good": ("Technicien très professionnel", "Accueil chaleureux au showroom",
             "Devis reçu le jour même, merci", "Installation propre et rapide"),
}  # fmt: skip
START = datetime(2026, 5, 1, tzinfo=UTC)


def load_demo_survey(database: Database, *, answers: int = 300) -> int:
    """Create the survey and its answers (once); how many respondents answered."""
    with database.transaction(write=True) as session:
        if session.scalar(select(services.Survey.id).where(services.Survey.name == SURVEY)):
            return 0
        survey = services.create_survey(session, SURVEY,
                                        [services.parse_question(q) for q in QUESTIONS],
                                        "Votre avis sur Sens Confort")  # fmt: skip
        questions = services.questions_of(session, survey)
        customers = list(session.scalars(
            select(Customer.id).where(Customer.merged_into_id.is_(None)).order_by(Customer.id)
            .limit(answers)
        ))  # fmt: skip
        generator = random.Random(2026)
        for number, customer_id in enumerate(customers, start=1):
            touchpoint = generator.choice(list(TOUCHPOINTS))
            channel, usual = TOUCHPOINTS[touchpoint]
            recommend = max(1, min(10, round(generator.gauss(usual, 1.9))))
            when = START + timedelta(minutes=generator.randrange(180 * 24 * 60))
            common: dict[str, Any] = {
                "respondent": f"demo-{number}", "channel": channel, "touchpoint": touchpoint,
                "answered_at": when, "customer_id": customer_id,
            }  # fmt: skip
            scores = {
                "recommandation": recommend,
                "accueil": max(1, min(4, round(recommend / 2.6 + generator.gauss(0, 0.5)))),
                "navigation": max(1, min(5, round(6 - recommend / 2 + generator.gauss(0, 0.8)))),
            }
            for key, score in scores.items():
                services.record_answer(session, survey, questions,
                                       services.AnswerIn(key, score, **common))  # fmt: skip
            if recommend <= 6 or generator.random() < 0.2:
                comment = generator.choice(COMMENTS["bad" if recommend <= 6 else "good"])
                services.record_answer(session, survey, questions,
                                       services.AnswerIn("commentaire", None, comment=comment,
                                                         **common))  # fmt: skip
        return len(customers)
