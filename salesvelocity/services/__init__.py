"""Use cases: one module each, taking a ``Context`` and returning typed results (``salesvelocity.results``).

funnel (the report), trend, forecast, changes (the patience guard), health (team balance and early
warnings), pulse, obstacles, recognition, coaching. Every interface — the CLI, the HTML pages, the JSON and
CSV outputs, notebooks and the web app — calls these and renders what they return; none of them reads
the database itself. Reads go through the context's scoped store; writes name the actor's limits.
"""
