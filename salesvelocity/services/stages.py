"""The stage catalogue as an admin keeps it: each pipeline's stages in order with their kind and probability,
declared in the ``stages`` table or inferred from the data (``metrics.stages``); declaring a pipeline's
stages replaces what was inferred for it."""

from __future__ import annotations

from salesvelocity.context import Context
from salesvelocity.errors import SalesVelocityError
from salesvelocity.metrics.stages import stage_catalog
from salesvelocity.results import Result
from salesvelocity.services._writes import writer

KINDS = ("open", "won", "lost")


class Pipeline(Result):
    pipeline: str
    declared: bool  # False: inferred from the data (saving declares it)
    stages: list[dict]  # stage, position, kind, probability (0–1 or None)


class Catalog(Result):
    pipelines: list[Pipeline]


def catalog(ctx: Context) -> Catalog:
    """Every pipeline's stages in their order, and whether the order was declared or inferred."""
    store = ctx.store
    rows = store.execute(stage_catalog(store).order_by(["pipeline", "position", "stage"])).to_pylist()
    declared = set(store.execute(store.table("stages").select("pipeline").distinct())["pipeline"].to_pylist())
    pipelines: dict[str, list[dict]] = {}
    for row in rows:
        pipelines.setdefault(row.pop("pipeline"), []).append(row)
    return Catalog(pipelines=[Pipeline(pipeline=p, declared=p in declared, stages=s) for p, s in pipelines.items()])


def declare(ctx: Context, pipeline: str, stages: list[dict]) -> int:
    """Declare ``pipeline``'s stages (stage, position, kind, probability 0–1): they replace what the stages
    table held for it, or what was inferred. Checked whole before anything is written."""
    if ctx.actor.person_id is not None:
        raise SalesVelocityError("only an admin declares the stages", hint="ask your admin")
    if not stages:
        raise SalesVelocityError(f"pipeline {pipeline!r} needs at least one stage")
    seen: dict[int, str] = {}
    for row in stages:
        name, position, kind = row["stage"], row["position"], row["kind"]
        if position in seen:
            raise SalesVelocityError(
                f"stages {seen[position]!r} and {name!r} both have position {position}",
                hint="give each stage of a pipeline its own position",
            )
        seen[position] = name
        if kind not in KINDS:
            raise SalesVelocityError(f"stage {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}")
        probability = row.get("probability")
        if probability is not None and not 0 <= probability <= 1:
            raise SalesVelocityError(f"stage {name!r}: a probability is between 0 % and 100 %, not {probability:.0%}")
    store = writer(ctx)
    with store.transaction():
        store.sql("DELETE FROM stages WHERE pipeline = ?", [pipeline])
        for row in sorted(stages, key=lambda r: r["position"]):
            store.sql(
                "INSERT INTO stages (pipeline, stage, position, kind, probability) VALUES (?, ?, ?, ?, ?)",
                [pipeline, row["stage"], row["position"], row["kind"], row.get("probability")],
            )
    return len(stages)
