"""The patience guard: judgment dates by hand, "too early to tell", and the demo's real change found."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

import salesvelocity as sv
from salesvelocity.demo import generate, load_demo
from salesvelocity.demo.generator import COACHING_DAYS_BEFORE
from salesvelocity.errors import SalesVelocityError
from salesvelocity.ingest import import_paths
from salesvelocity.patience import add_annotation, judge, judge_all

AS_OF = date(2026, 12, 1)


def test_judgment_date_and_equal_windows_by_hand(store, small_files):
    import_paths(store, [small_files])
    at = datetime(2026, 2, 2)
    # P85 cycle of deals won in the 180 days before: d1 10 d, d5 35.5 d → 10 + 0.85 × 25.5 = 31.675 → 32 days
    # (2026-03-06); six full weeks after Monday 2026-02-02 end on 2026-03-16 → the later of the two.
    # Before: the 9 full weeks from the first deal's week (2025-12-01) to the change; after: the 9 weeks
    # from 2026-03-16, complete on 2026-05-18 — never "everything since".
    early = judge(store, "a", at, "new routine", "company", None, as_of=date(2026, 3, 10))
    assert early.judgment_date == date(2026, 3, 16)
    assert early.status == "too early to tell" and "a verdict from 2026-05-18" in early.summary
    assert early.before == (date(2025, 12, 1), date(2026, 2, 2)) and early.after == (
        date(2026, 3, 16),
        date(2026, 5, 18),
    )
    assert judge(store, "a", at, "new routine", "company", None, as_of=date(2026, 5, 17)).status == "too early to tell"
    later = judge(store, "a", at, "new routine", "company", None, as_of=date(2026, 6, 1))
    # Throughput per week, before: 0 0 0 0 0 1 0 1 0 (d5, d1) → centre 2/9, mR̄ 4/8 = 0.5, limits 0 – 1.55;
    # after: one win (d6, week of 2026-03-30) → mean 1/9, no run, no point beyond a limit: noise. The ratios
    # have fewer than 6 weeks with a value on each side and are not judged.
    assert later.status == "judged"
    (won,) = later.verdicts
    assert won.metric == "won" and not won.signal and won.improved is None
    assert (won.before_mean, won.after_mean) == (pytest.approx(2 / 9), pytest.approx(1 / 9))
    assert (won.lower, won.upper) == (0.0, pytest.approx(2 / 9 + 2.66 * 0.5))
    assert later.summary == "no real change — within normal variation: throughput"
    assert (
        won.reading
        == "throughput: no real change — within normal variation (0.2 before, 0.1 after won a week; limits 0.0 – 1.6)"
    )


def test_values_that_print_the_same_are_never_better_or_worse():
    from salesvelocity.patience import MetricVerdict

    same = MetricVerdict.of("win_rate", 0.4401, 0.4399, True, True, 0.3, 0.6)
    assert same.show(same.before_mean) == same.show(same.after_mean) == "44.0\u00a0%"
    assert "no real change" in same.reading


@pytest.fixture(scope="module")
def demo():
    con = sv.connect(":memory:")
    load_demo(con, generate(6000, 7, AS_OF))
    yield con
    con.close()


def test_the_demo_coaching_change_is_found_as_a_signal(demo):
    judgments = {j.label: j for j in judge_all(demo, AS_OF)}
    coaching = next(j for label, j in judgments.items() if "coaching" in label)
    assert coaching.status == "judged"
    assert coaching.judgment_date < AS_OF
    assert coaching.scope_name == "Nordics"
    cycle = next(v for v in coaching.verdicts if v.metric == "cycle_days")
    assert cycle.signal and cycle.improved and cycle.after_mean < 0.85 * cycle.before_mean
    assert "cycle time improved" in coaching.summary and "\u00a0%)" in coaching.summary  # with its size
    # equal windows: as many weeks after the judgment date as before the change
    weeks = lambda span: (span[1] - span[0]).days // 7  # noqa: E731
    assert weeks(coaching.before) == weeks(coaching.after) == 12


def test_a_fresh_change_is_too_early_to_tell(demo):
    annotation_id = add_annotation(
        demo, "new pricing page", datetime.combine(AS_OF - timedelta(days=10), datetime.min.time())
    )
    fresh = next(j for j in judge_all(demo, AS_OF) if j.annotation_id == annotation_id)
    assert fresh.status == "too early to tell" and fresh.verdicts == []
    assert fresh.judgment_date >= AS_OF - timedelta(days=10) + timedelta(weeks=6)
    assert COACHING_DAYS_BEFORE > 60


def test_annotation_needs_a_label_and_a_known_team(demo):
    with pytest.raises(SalesVelocityError, match="needs a label"):
        add_annotation(demo, "  ", datetime(2026, 1, 1))
    with pytest.raises(SalesVelocityError, match="unknown team"):
        add_annotation(demo, "x", datetime(2026, 1, 1), team="nope")
