"""One command's or one request's context, resolved once: who asks, what they may see, and when.

The CLI makes one per command (``salesvelocity.cli``), the web app one per request, a notebook one per
session (``Context.open``). Services (``salesvelocity.services``) take it and read only through its
scoped store, so every interface shows the same figures to the same person — and nothing more.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from salesvelocity import clock

if TYPE_CHECKING:
    from collections.abc import Iterator

    from salesvelocity.config import Settings
    from salesvelocity.scope import Actor, ScopedStore
    from salesvelocity.store import Store


@dataclass(frozen=True)
class Context:
    """The scoped store (the actor and their reach), the settings, and the period asked about.

    ``start``/``end`` are the window ``[start, end)`` a person asked for (None: the use case's default);
    ``as_of`` is the day a snapshot is taken at (None: today, or the day after the data ends); ``today``
    is fixed for tests and reruns, otherwise the reporting zone's today. ``locale`` is the language of
    every word a result carries.
    """

    store: ScopedStore
    settings: Settings
    start: date | None = None
    end: date | None = None
    as_of: date | None = None
    today: date | None = None
    locale: str = "en"
    #: e-mail and chat messages the services made, sent after the interface commits (``send_outbox``)
    outbox: list = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def open(
        cls, settings: Settings | None = None, person: str | None = None, role: str | None = None, **period: date | None
    ) -> Context:
        """A read-only context on the configured database (notebooks, scripts): as ``person`` (id or name)
        sees it, or as the admin. Close it (or use ``with``) when done."""
        from salesvelocity.config import load_settings
        from salesvelocity.store import connect

        settings = settings or load_settings()
        store = connect(
            settings.db,
            create=False,
            timezone=settings.timezone,
            read_only=True,
            wait=settings.lock_wait_seconds,
            memory_limit=settings.memory_limit,
        )
        try:
            return cls.of(store, settings, person, role, **period)
        except BaseException:
            store.close()
            raise

    @classmethod
    def of(
        cls, store: Store, settings: Settings, person: str | None = None, role: str | None = None, **period: date | None
    ) -> Context:
        """The context of ``person`` (id or name; the admin when None) on an open store; ``role`` overrides the
        role the people table gives (an account's role in the web app)."""
        from salesvelocity.i18n import set_language
        from salesvelocity.scope import ADMIN, ScopedStore, actor_for

        actor = actor_for(store, person, role) if person else ADMIN
        return cls(ScopedStore.of(store, actor), settings, locale=set_language(settings.language), **period)

    # -- derived, never stored twice ---------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        return self.store.actor

    @property
    def zone(self) -> str:
        """The reporting time zone: days, periods and "today" are cut in it."""
        return self.store.zone

    @property
    def k(self) -> int:
        """The fewest pulse respondents a result may rest on (design §5)."""
        return self.settings.pulse_min_respondents

    def day(self) -> date:
        """The snapshot day: ``as_of``, or today (or the day after the data ends, when the data is older)."""
        if self.as_of is not None:
            return self.as_of
        from salesvelocity.report.build import default_window

        return default_window(self.store, self.today)[1]

    def moment(self) -> datetime:
        """The instant a snapshot is taken at, as the reporting zone's wall clock: the start of ``as_of``; without
        one, this very moment when the data reaches today (what someone just recorded shows at once), else
        the start of the day after the data ends."""
        day = self.day()
        if self.as_of is None and self.today is None and day >= clock.today(self.zone):
            return clock.local_now(self.zone)
        return datetime.combine(day, time.min)

    def current_day(self) -> date:
        """Today in the reporting zone (or the fixed ``today``)."""
        return self.today or clock.today(self.zone)

    def team(self, given: str | None) -> str | None:
        """The team_id for a team id or name among those the actor may see (None stays None)."""
        if given is None:
            return None
        from salesvelocity.report.build import resolve_team

        return resolve_team(self.store, given)

    def sliced(self, **slices: str | None) -> Context:
        """This context narrowed to the deals of a pipeline, segment, product and/or source (``scope.SLICES``;
        None and empty values are no filter)."""
        from salesvelocity.scope import SlicedStore

        given = {k: v for k, v in slices.items() if v}
        return replace(self, store=SlicedStore(self.store, given)) if given else self

    def own(self) -> Context:
        """This context narrowed to the actor's own rows (a manager's "my week" is their own, not their team's)."""
        from salesvelocity.metrics.scope import Reach
        from salesvelocity.scope import ScopedStore

        if self.actor.person_id is None:
            return self
        mine = Reach.of([self.actor.person_id], [])
        return replace(self, store=ScopedStore(self.store.store, self.actor, mine, mine))

    def asking(self, **period: date | None) -> Context:
        """This context for another period (``start``, ``end``, ``as_of``)."""
        return replace(self, **period)

    @contextmanager
    def speaking(self) -> Iterator[Context]:
        """Words made inside are in this context's language (each request or thread its own)."""
        from salesvelocity.i18n import speaking

        with speaking(self.locale):
            yield self

    def send_outbox(self, wait: bool = True) -> list[str]:
        """Send the e-mail and chat messages made so far (settings ``smtp_*``, ``webhook_url``); ``wait=False``
        sends them in the background. Returns what could not be sent."""
        from salesvelocity.notify import send, send_later

        messages, self.outbox[:] = list(self.outbox), []
        if not wait:
            send_later(self.settings, messages)
            return []
        return send(self.settings, messages) if messages else []

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
