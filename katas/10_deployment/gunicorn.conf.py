"""Gunicorn settings for kata 10. Gunicorn reads this file: gunicorn -c gunicorn.conf.py stub:app

Each setting is a module-level name (workers, worker_class, ...). See README.md for the task.
"""

import os

# TODO: Gunicorn's default "sync" workers speak WSGI; FastAPI is an ASGI app. Run Uvicorn
#   workers from the uvicorn-worker package instead.

# TODO: not a fixed number: WEB_CONCURRENCY when it is set, else one worker per CPU core.
workers = 4

# TODO: trust X-Forwarded-Proto / X-Forwarded-For only from the addresses in the
#   FORWARDED_ALLOW_IPS environment variable (127.0.0.1 when it is unset), never from everyone.
forwarded_allow_ips = "*"

# TODO: ROOT_PATH (a path prefix such as /api that the proxy strips) becomes the Uvicorn
#   workers' root_path.
