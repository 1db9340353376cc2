"""The terminal console for data: kept light (only Rich), so that `--help` and `--version` start fast."""

from __future__ import annotations

import re

from rich.console import Console
from rich.text import Text

#: Control characters (C0 but tab and newline, DEL, C1): an escape sequence in a name must not reach the terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` without control characters; each becomes a visible U+FFFD so nothing vanishes silently."""
    return _CONTROL.sub("\ufffd", text)


class SafeConsole(Console):
    """A Rich console for data: markup off unless asked for (a `[/]` or `[link=…]` in a name is shown as
    typed) and control characters replaced in every string it renders, tables and Text included."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(**kwargs)

    def render_str(self, text: str, **kwargs: object) -> Text:
        return super().render_str(printable(text), **kwargs)

    def render(self, renderable, options=None):
        if isinstance(renderable, Text) and _CONTROL.search(renderable.plain):
            renderable = renderable.copy()
            renderable.plain = printable(renderable.plain)
        return super().render(renderable, options)
