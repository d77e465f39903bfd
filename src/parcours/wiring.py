"""Who listens to which domain event: the one explicit list (see :mod:`parcours.events`).

Higher contexts react to lower ones here, so that no lower context imports a higher one.
"""

from __future__ import annotations

from parcours.cases.continuity import on_interaction_recorded
from parcours.cases.inbox_calls import on_call_event
from parcours.cases.webchat import on_chat_message
from parcours.cases.worklist import on_cases_touched
from parcours.channels.outbox import on_message_queued
from parcours.events import subscribe
from parcours.experience import triggers as surveys
from parcours.interactions.attribution import on_customers_changed

subscribe("customers.changed", on_customers_changed)
subscribe("interaction.recorded", on_interaction_recorded)
subscribe("message.queued", on_message_queued)
subscribe("case.resolved", surveys.on_case_resolved)
subscribe("interaction.recorded", surveys.on_interaction_recorded)
subscribe("call.event", on_call_event)
subscribe("chat.message", on_chat_message)
subscribe("cases.touched", on_cases_touched)
