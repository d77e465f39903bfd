"""Live updates to open pages (server-sent events): a call ringing pops the caller's card on the
agent's screen, a chat message reaches the other side at once.

A small in-process hub: pages subscribe to topics (``agent:Kévin``, ``calls``,
``conversation:12``); use cases publish to them after commit (from any thread). It reaches the
pages served by this process — the embedded mode's single server; with several workers each one
only sees its own publications (a PostgreSQL LISTEN/NOTIFY bridge is the step beyond, not built
yet).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import StreamingResponse

#: A comment line every so often keeps proxies from closing a quiet stream.
HEARTBEAT_SECONDS = 15.0


@dataclass(eq=False)
class Subscription:
    topics: tuple[str, ...]
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)


class LiveHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)

    @contextmanager
    def subscribe(self, *topics: str) -> Iterator[Subscription]:
        """Receive what is published to these topics while the block runs (in an event loop)."""
        subscription = Subscription(topics, asyncio.get_running_loop())
        with self._lock:
            for topic in topics:
                self._subscribers[topic].add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                for topic in topics:
                    self._subscribers[topic].discard(subscription)

    def publish(self, topic: str, kind: str, **data: Any) -> int:
        """Send an event to the topic's subscribers, from any thread; how many got it."""
        event = {"event": kind, "topic": topic, **data}
        with self._lock:
            subscribers = list(self._subscribers.get(topic, ()))
        for subscription in subscribers:
            subscription.loop.call_soon_threadsafe(subscription.queue.put_nowait, event)
        return len(subscribers)

    def listeners(self, topic: str) -> int:
        with self._lock:
            return len(self._subscribers.get(topic, ()))


HUB = LiveHub()


async def event_stream(*topics: str, timeout: float | None = None,
                       hub: LiveHub = HUB) -> AsyncIterator[str]:  # fmt: skip
    """Server-sent events for these topics, a heartbeat comment when quiet; ends after
    ``timeout`` seconds if given (tests, long-polling clients)."""
    loop = asyncio.get_running_loop()
    deadline = None if timeout is None else loop.time() + timeout
    with hub.subscribe(*topics) as subscription:
        yield ": connected\n\n"
        while True:
            wait = HEARTBEAT_SECONDS
            if deadline is not None:
                wait = min(wait, deadline - loop.time())
                if wait <= 0:
                    return
            try:
                event = await asyncio.wait_for(subscription.queue.get(), wait)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            payload = json.dumps(event, ensure_ascii=False, default=str)
            yield f"event: {event['event']}\ndata: {payload}\n\n"


#: The longest a stream asked with a timeout stays open (seconds).
LONGEST_TIMEOUT = 3600.0


def stream_response(*topics: str, timeout: float | None = None) -> StreamingResponse:
    """These topics' events as an HTTP answer (``text/event-stream``, never cached); with a
    timeout (tests, long-polling clients), closed after it — an hour at most."""
    limit = min(timeout, LONGEST_TIMEOUT) if timeout else None
    return StreamingResponse(event_stream(*topics, timeout=limit), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})  # fmt: skip
