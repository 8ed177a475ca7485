"""Gunicorn for the kata: Uvicorn workers with the proxy's prefix, one per core by default."""

import multiprocessing
import os

from uvicorn_worker import UvicornWorker


class PrefixedWorker(UvicornWorker):
    CONFIG_KWARGS = {"loop": "asyncio", "http": "h11", "root_path": os.getenv("ROOT_PATH", "")}


worker_class = PrefixedWorker
workers = int(os.getenv("WEB_CONCURRENCY", "0")) or multiprocessing.cpu_count()
bind = "0.0.0.0:8000"
# forwarded_allow_ips is left to Gunicorn: it reads FORWARDED_ALLOW_IPS, else trusts only loopback.
