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

    def print(self, *objects, **kwargs) -> None:
        """Print; tables are first fitted to the width (see ``fit_table``)."""
        from rich.console import Group
        from rich.table import Table

        def fit(item) -> None:
            if isinstance(item, Table):
                fit_table(item, self, self.width)
            elif isinstance(item, Group):
                for part in item.renderables:
                    fit(part)

        for item in objects:
            fit(item)
        super().print(*objects, **kwargs)


#: Free text (a change's label, a reading) may wrap between words; every other cell stays on one line.
PROSE_MIN, PROSE_MAX = 12, 28


def prose(column) -> None:
    """Mark a table column as free text: it wraps between words instead of widening the table."""
    column._sv_prose = True


def keep(column) -> None:
    """Mark a table column that must stay when the terminal is too narrow for the whole table."""
    column._sv_keep = True


def fit_table(table, console: Console, width: int) -> None:
    """Make ``table`` fit ``width`` without splitting a number, date or name across lines.

    Every cell stays on one line; headers and prose columns (``prose``) wrap between words. When even
    that is too wide, columns are left out from the right — never the first one or a column marked with
    ``keep`` — and the caption says which. Column widths are set here, so Rich never folds a cell.
    """
    from rich.cells import cell_len

    def longest_word(text: str) -> int:
        return max((cell_len(w) for w in str(text).split()), default=0)

    def widest(texts: list[str]) -> int:
        return max((cell_len(line) for t in texts for line in (t.splitlines() or [""])), default=0)

    is_prose = [getattr(c, "_sv_prose", False) for c in table.columns]
    natural, least = [], []
    for column, free in zip(table.columns, is_prose, strict=True):
        cells = [c.plain if isinstance(c, Text) else str(c) for c in column._cells]
        header = column.header.plain if isinstance(column.header, Text) else str(column.header)
        if free:
            natural.append(max(widest(cells), longest_word(header)))
            least.append(min(natural[-1], max(PROSE_MIN, min(PROSE_MAX, max(map(longest_word, cells), default=0)))))
        else:
            natural.append(max(widest(cells), cell_len(header)))
            least.append(max(widest(cells), longest_word(header)))
        column.no_wrap = False  # the widths below hold every cell on one line; headers may wrap
        column.overflow = "fold"

    def frame(n: int) -> int:
        left, right = table.padding[3], table.padding[1]
        edges = (n + 1 if table.show_edge else n - 1) if table.box else 0
        return n * (left + right) + edges

    left_out = []
    while sum(least) + frame(len(least)) > width:
        droppable = [i for i, c in enumerate(table.columns) if i > 0 and not getattr(c, "_sv_keep", False)]
        if not droppable:
            break
        i = droppable[-1]
        left_out.append(str(table.columns.pop(i).header).replace("\n", " "))
        for values in (natural, least, is_prose):
            values.pop(i)
    room = width - frame(len(least))
    if sum(natural) <= room:
        widths = natural
    else:
        widths = list(least)
        spare = room - sum(widths)
        # Prose columns share the room a character at a time (kept columns first), then headers widen.
        order = sorted(
            range(len(widths)), key=lambda i: (not is_prose[i], not getattr(table.columns[i], "_sv_keep", False))
        )
        while spare > 0:
            growing = [i for i in order if widths[i] < natural[i]]
            if not growing:
                break
            rank = [i for i in growing if is_prose[i]] or growing[:1]
            for i in rank:
                if spare and widths[i] < natural[i]:
                    widths[i] += 1
                    spare -= 1
    for column, w in zip(table.columns, widths, strict=True):
        column.width = w
    table.expand = False
    if left_out:
        from salesvelocity.i18n import _

        shown = ", ".join(reversed(left_out))
        note = _(
            "left out at {width} columns: {columns} (a wider terminal or --format csv shows them)",
            width=width,
            columns=shown,
        )
        table.caption = f"{table.caption}\n{note}" if table.caption else note
        table.caption_justify = "left"
