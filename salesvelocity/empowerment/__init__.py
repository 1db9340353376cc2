"""Empowerment: recognition, anonymous pulse, obstacles and time-to-help, 1:1 prompts, retention early
warning and the velocity–empowerment balance (design.md §4–5). The trust rules are requirements here:
pulse results only as aggregates over ≥ k respondents; no rankings; coaching prompts are questions."""
