"""Customer scores: RFM, satisfaction, contact load, the 0–100 customer score and the tactical segment.

Pure rules (no Flask, no database, `now` passed in): rfm, satisfaction, contacts, scoring,
segments, with their inputs in facts and their settings in settings. The database side:
aggregates (the SQL), service (one customer, everyone, nightly) and cli (`flask scores`).
The rules are written out in README.md.
"""
