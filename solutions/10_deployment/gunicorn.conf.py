"""Gunicorn settings for kata 10: Uvicorn workers, sized and configured from the environment."""

import os

from uvicorn_worker import UvicornWorker


class KataWorker(UvicornWorker):
    # uvicorn-worker passes CONFIG_KWARGS to uvicorn.Config: the prefix the proxy strips.
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "root_path": os.environ.get("ROOT_PATH", "")}


worker_class = KataWorker
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
