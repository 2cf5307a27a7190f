"""gunicorn settings for the prod service (https://docs.gunicorn.org/en/stable/settings.html)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Threads share one process per worker; the defaults suit a small container.
workers = int(os.environ.get("GUNICORN_WORKERS") or min(os.cpu_count() or 1, 4) * 2)
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
# Inside Docker's stop grace period (stop_grace_period in docker-compose.yml).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 8)
keepalive = 5

# The root filesystem is read-only: heartbeat files go to memory.
worker_tmp_dir = "/dev/shm"  # noqa: S108

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

# Never in production: code reloading and the debugger belong to the dev service.
reload = False
