"""1:1 coaching prompts: a short agenda for one person, phrased as questions, each with its reason.

Sources: the person's deals past their stage's P85, wins nobody recognised, open obstacles, a recent
signal in their own velocity, and one rotating support question. Never a score, never a ranking —
the prompts are about helping, and every one ends with a question mark.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from salesvelocity.empowerment.obstacles import open_obstacles
from salesvelocity.empowerment.recognition import unrecognised_wins
from salesvelocity.empowerment.signals_person import recent_signals
from salesvelocity.errors import SalesVelocityError
from salesvelocity.i18n import N_, _, day
from salesvelocity.metrics import Window, aging_deals
from salesvelocity.results import Result
from salesvelocity.store import Store

PER_SOURCE = 3
RECENT_WIN_DAYS = 60
SUPPORT_QUESTIONS = (
    N_("What can I do to help you succeed in your role?"),
    N_("What is one thing I could stop doing that would make your work easier?"),
    N_("Is anything getting in your way that we have not talked about yet?"),
    N_("Where would you like to grow over the next quarter, and how can I help?"),
    N_("How sustainable does your workload feel right now?"),
    N_("What part of your work gives you the most energy at the moment?"),
)


class Prompt(Result):
    """One agenda item: a question to ask, and the reason behind it."""

    question: str
    reason: str
    source: str  # "stuck deal" | "unrecognised win" | "open obstacle" | "velocity signal" | "support"


def coaching_prompts(store: Store, person_id: str, as_of: date) -> list[Prompt]:
    """The agenda for ``person_id`` as of ``as_of`` (see the module docstring); only for a person the
    store's actor may see one by one."""
    store = store.detail()
    people = store.table("people")
    if not store.value(people.filter(people.person_id == person_id).count()):
        raise SalesVelocityError(
            f"unknown person {person_id!r}", hint="use the id of a person you coach (from the people table)"
        )
    moment = datetime.combine(as_of, time.min)
    prompts: list[Prompt] = []

    deals = aging_deals(store, moment)
    deals = deals.filter(deals.owner_id == person_id, deals.flag.isin(["at risk", "stuck"]))
    owned = store.table("deals")
    owned = owned.filter(owned.owner_id == person_id)
    accounts = {
        r["deal_id"]: r["account"]
        for r in store.execute(owned.select("deal_id", account=owned.account.fill_null(owned.deal_id))).to_pylist()
    }
    for d in store.execute(deals.limit(PER_SOURCE)).to_pylist():
        name = accounts.get(d["deal_id"], d["deal_id"])
        prompts.append(
            Prompt.of(
                _("What would help move {deal} past {stage}?", deal=_deal(name, d["deal_id"]), stage=d["stage"]),
                _(
                    "{days} days in {stage}; most deals move on within {p85} days",
                    days=f"{d['age_days']:.0f}",
                    stage=d["stage"],
                    p85=f"{d['p85_days']:.0f}",
                ),
                "stuck deal",
            )
        )

    wins = unrecognised_wins(store, Window(moment - timedelta(days=RECENT_WIN_DAYS), moment), moment)
    for w in store.execute(wins.filter(wins.owner_id == person_id).limit(PER_SOURCE)).to_pylist():
        name = accounts.get(w["deal_id"], w["deal_id"])
        prompts.append(
            Prompt.of(
                _("Which part of winning {deal} are you proudest of?", deal=_deal(name, w["deal_id"])),
                _(
                    "won on {date} and no recognition followed within a week — a chance to say thank you",
                    date=day(w["closed_at"]),
                ),
                "unrecognised win",
            )
        )

    obstacles = store.execute(
        open_obstacles(store, moment).filter(lambda t: t.raised_by == person_id).limit(PER_SOURCE)
    )
    for o in obstacles.to_pylist():
        answered = _("you responded") if o["responded"] else _("no response yet")
        prompts.append(
            Prompt.of(
                _("What is still in the way on “{title}”, and what can I do about it this week?", title=o["title"]),
                _("raised {days} days ago ({answered})", days=f"{o['age_days']:.0f}", answered=answered),
                "open obstacle",
            )
        )

    signal = recent_signals(store, as_of).get(person_id)
    if signal is not None:
        question = (
            _("What has made the last weeks go so well, and how can we keep it going?")
            if signal.direction == "up"
            else _("How are you doing — is something making the last weeks harder?")
        )
        prompts.append(Prompt.of(question, signal.sentence, "velocity signal"))

    week = as_of.isocalendar().week
    prompts.append(
        Prompt.of(
            _(SUPPORT_QUESTIONS[week % len(SUPPORT_QUESTIONS)]), _("a standing question for every 1:1"), "support"
        )
    )
    return prompts


def _deal(account: str, deal_id: str) -> str:
    return deal_id if account == deal_id else f"{account} ({deal_id})"
