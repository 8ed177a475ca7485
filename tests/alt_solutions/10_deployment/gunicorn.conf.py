"""Gunicorn settings: Uvicorn workers with a root_path from ROOT_PATH."""

import multiprocessing
import os

from uvicorn_worker import UvicornWorker


class PrefixedUvicornWorker(UvicornWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.config.root_path = os.environ.get("ROOT_PATH", "")


worker_class = PrefixedUvicornWorker
workers = int(os.getenv("WEB_CONCURRENCY", multiprocessing.cpu_count()))
bind = "0.0.0.0:8000"
# forwarded_allow_ips: Gunicorn's default already reads FORWARDED_ALLOW_IPS (127.0.0.1 when unset).
