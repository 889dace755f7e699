"""Rounds closed by the clock are counted by the outbox worker, not by the pages that show them.

`GET /topics` and `GET /newsroom/rounds` only read; each round of the worker's loop counts
every round whose close has passed (`curation.tally_due_rounds`: one light query when none is
due), so the results appear within WORKER_POLL_INTERVAL of the close. A round closed early by an
editor is counted at once by that action.
"""

from __future__ import annotations

from engagement.notifications import jobs
from engagement.voting import curation
from engagement.voting.blueprints import public

jobs.register_job(public, "voting: count closed rounds", curation.tally_due_rounds)
