"""Files customers send (e-mail attachments, chat uploads) kept under
``PARCOURS_HOME/attachments``, named by their SHA-256: the same file sent twice is stored once,
and a name chosen by a sender never becomes a path on our disk."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any


def store(home: Path, content: bytes) -> str:
    """Write the file once; its path relative to ``home`` (``attachments/ab/ab12…``)."""
    digest = hashlib.sha256(content).hexdigest()
    relative = Path("attachments") / digest[:2] / digest
    path = home / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(content)
        os.replace(partial, path)  # never a half-written file under the final name
    return relative.as_posix()


def described(filename: str, content_type: str, size: int, sha256: str, *,
              stored_as: str | None, refused: str | None) -> dict[str, Any]:  # fmt: skip
    """The metadata kept on the interaction (the file itself stays on disk)."""
    found: dict[str, Any] = {"filename": filename, "content_type": content_type, "size": size,
                             "sha256": sha256}  # fmt: skip
    if stored_as:
        found["stored_as"] = stored_as
    if refused:
        found["refused"] = refused
    return found
