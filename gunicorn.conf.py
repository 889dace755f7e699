"""gunicorn reads this file when started in the project's folder (or with `-c gunicorn.conf.py`).

It sets nothing but a start-up check: in production, gunicorn refuses to start several workers
whose rate-limit counters would each live in their own memory (see engagement/serving.py and
docs/deployment.md).
"""

import os


def on_starting(server):
    """Before any worker is forked: check the settings against the real worker count."""
    from engagement.serving import check_gunicorn

    check_gunicorn(
        server.cfg.workers, os.path.join(os.path.dirname(os.path.abspath(__file__)), "instance")
    )
