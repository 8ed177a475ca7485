"""Gunicorn settings: Uvicorn workers, sized from the environment, trusting only our proxy."""

import os

from uvicorn_worker import UvicornWorker


class RootPathUvicornWorker(UvicornWorker):
    """Uvicorn worker that serves the app under the proxy's path prefix (ROOT_PATH)."""

    CONFIG_KWARGS = {
        **UvicornWorker.CONFIG_KWARGS,
        "root_path": os.environ.get("ROOT_PATH", ""),
    }


worker_class = RootPathUvicornWorker

# Async workers: one per core unless the platform says otherwise.
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)

# Believe X-Forwarded-* only from the proxy's addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout/stderr, where the container runtime collects them.
accesslog = "-"
errorlog = "-"

# Finish in-flight requests on SIGTERM, well inside a typical 30 s grace period.
graceful_timeout = 20
timeout = 60
keepalive = 5
