"""HTML mail bodies as plain text, for the messages that carry no text/plain part.

An agent reads the text and :func:`~parcours.channels.quoting.strip_quoted_reply` cuts it, so a
small :class:`html.parser.HTMLParser` is enough: no rendering, no third-party sanitiser. Scripts
and styles go, blocks become lines, entities are unescaped, and a ``<blockquote>`` becomes ``>``
lines so that the quoted history of an HTML reply is recognised like a plain-text one.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements whose content is never text for a reader.
SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Elements that start and end a line.
BLOCKS = (
    {"address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset"}
    | {"figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol", "p"}
    | {"pre", "section", "table", "tr", "ul"}
    | HEADINGS
)
#: Blocks followed by a blank line, as a browser leaves a margin below them.
PARAGRAPHS = HEADINGS | {"p", "table"}
WHITESPACE = re.compile(r"\s+")


def html_to_text(html: str) -> str:
    """Readable text of an HTML body; never raises on broken markup (browsers don't either)."""
    try:
        return _convert(html)
    except AssertionError:  # html.parser before Python 3.13 asserts on some "<![" and "<!" junk
        return _convert(re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL).replace("<!", "&lt;!"))


def _convert(html: str) -> str:
    extractor = _TextExtractor()
    # An unterminated "<a b='" or "<!--" makes html.parser before Python 3.13 rescan the rest of
    # the input at each "<" (minutes for 100 kB, CVE-2025-6069); a closed comment at the end
    # ends every such construct and is ignored in a well-formed document.
    extractor.feed(html + "<!-- -->")
    extractor.close()
    return extractor.text()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skipped_depth = 0
        self.quote_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipped_depth += 1
        elif tag == "br":
            self._line_break()
        elif tag in BLOCKS:
            self._end_line(blank=False)
            self.quote_depth += tag == "blockquote"
            self.pre_depth += tag == "pre"
            if tag == "li":
                self.current.append("- ")
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipped_depth = max(0, self.skipped_depth - 1)
        elif tag in BLOCKS:
            self._end_line(blank=tag in PARAGRAPHS)
            if tag == "blockquote":
                self.quote_depth = max(0, self.quote_depth - 1)
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipped_depth:
            self.current.append(data if self.pre_depth else WHITESPACE.sub(" ", data))

    def text(self) -> str:
        self._end_line(blank=False)
        kept: list[str] = []
        for line in self.lines:
            if line.strip(">") or (kept and kept[-1].strip(">")):
                kept.append(line)
        while kept and not kept[-1].strip(">"):
            kept.pop()
        return "\n".join(kept)

    def _line_break(self) -> None:
        """A ``<br>`` ends the line, or makes a blank line when the line is empty."""
        if "".join(self.current).strip():
            self._end_line(blank=False)
        else:
            self.current = []
            self._append("")

    def _end_line(self, *, blank: bool) -> None:
        text, self.current = "".join(self.current), []
        if text.strip():
            for line in text.split("\n"):
                self._append(line.rstrip() if self.pre_depth else line.strip())
        if blank and self.lines and self.lines[-1].strip(">"):
            self._append("")

    def _append(self, line: str) -> None:
        marker = ">" * self.quote_depth
        self.lines.append(f"{marker} {line}" if marker and line else marker + line)
