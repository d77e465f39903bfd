"""The agents' side of the web chat: open conversations, their messages, answering and closing
(live updates: ``GET /api/v1/live?topic=chats`` and ``topic=conversation:ID``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from parcours.cases import webchat
from parcours.cases.models import ChatConversation
from parcours.deps import ApiSessionDep, VisibilityDep

router = APIRouter(tags=["chat"])


def _conversation(session: ApiSessionDep, conversation_id: int) -> ChatConversation:
    found = session.get(ChatConversation, conversation_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    return found


@router.get("/chat/conversations")
def get_conversations(session: ApiSessionDep, visibility: VisibilityDep) -> list[dict[str, Any]]:
    """Open conversations with at least one message, most recent first."""
    shown = webchat.open_conversations(session, visibility=visibility)
    return [webchat.conversation_view(session, c) for c in shown]


@router.get("/chat/conversations/{conversation_id}")
def get_conversation(session: ApiSessionDep, conversation_id: int) -> dict[str, Any]:
    conversation = _conversation(session, conversation_id)
    found = webchat.conversation_view(session, conversation)
    return {**found, "messages": webchat.messages(session, conversation)}


class AgentMessageIn(BaseModel):
    agent: str = Field(min_length=1, max_length=120)
    text: str = Field(max_length=webchat.MAX_TEXT)


@router.post("/chat/conversations/{conversation_id}/messages", status_code=201)
def post_message(session: ApiSessionDep, conversation_id: int,
                 body: AgentMessageIn) -> dict[str, Any]:  # fmt: skip
    """An agent's answer: shown at once in the visitor's widget, kept in the case's thread."""
    conversation = _conversation(session, conversation_id)
    try:
        interaction = webchat.agent_message(session, conversation, body.agent, body.text)
    except webchat.ChatError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    return webchat.message_view(interaction, "agent")


@router.post("/chat/conversations/{conversation_id}/close")
def close(session: ApiSessionDep, conversation_id: int) -> dict[str, Any]:
    conversation = _conversation(session, conversation_id)
    webchat.close(session, conversation)
    return webchat.conversation_view(session, conversation)
