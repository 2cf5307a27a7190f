"""gunicorn settings of the prod service.

Every setting: https://docs.gunicorn.org/en/stable/settings.html. The
environment variables below tune it from .env or compose/prod.env.
"""

import math
import os
import sys

from gunicorn.glogging import Logger

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"


def cgroup_cpu_quota() -> float | None:
    """CPUs allowed by the container's CPU limit (cgroup v2 or v1), if any."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as cpu_max:
            quota, period = cpu_max.read().split()
    except OSError:
        try:
            with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as cpu_quota:
                quota = cpu_quota.read().strip()
            with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as cpu_period:
                period = cpu_period.read().strip()
        except OSError:
            return None
    if quota in ("max", "-1"):
        return None
    return int(quota) / int(period)


def available_cpus() -> int:
    """CPUs this container may use: its CPU limit, else its CPU affinity."""
    cpus = len(os.sched_getaffinity(0))
    quota = cgroup_cpu_quota()
    if quota:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return cpus


workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * available_cpus() + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
# In-flight requests get this long to finish on `docker compose stop`;
# it must stay below stop_grace_period (10s) in docker-compose.yml.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 8)
keepalive = 5

# Load the app once, in the master, before any worker starts: workers
# share its memory, and a refused configuration (see production.py) stops
# gunicorn at once, with one line per problem and exit code 1.
preload_app = True

# The root filesystem is read-only: heartbeat files go to memory.
worker_tmp_dir = "/dev/shm"  # noqa: S108

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Probes (the healthcheck every 10 s, an orchestrator's every few seconds)
# would drown the requests that matter: not logged when they succeed.
PROBE_PATHS = ("/healthz", "/readyz")


class ProbesLeftOutLogger(Logger):
    def access(self, resp, req, environ, request_time) -> None:
        probe = environ.get("PATH_INFO") in PROBE_PATHS
        if probe and (resp.status_code or 500) < 400:
            return
        super().access(resp, req, environ, request_time)


logger_class = ProbesLeftOutLogger

# gunicornc's control socket: unused here, and its default place is not
# writable on a read-only root filesystem (an error at every start).
control_socket_disable = True

# X-Forwarded-* headers are trusted from these addresses only. Behind a
# reverse proxy, set FORWARDED_ALLOW_IPS to its address, and PROXY_COUNT
# (production.py) to the number of proxies, so that Flask sees the client's
# address and scheme.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Never in production: code reloading belongs to the dev service.
reload = False


def when_ready(server):
    """Where to open it: gunicorn says where it listens in the container."""
    if url := os.environ.get("PROD_URL"):
        server.log.info("Serving on %s", url)


def on_starting(server):
    """Refuse to serve what is unsafe, whatever the command line or env said."""
    if server.cfg.reload:
        sys.exit("Refusing to start: gunicorn --reload is for development only.")
    from {{ cookiecutter.project_slug }} import production

    # What wsgi.py serves, wrappers included; a refusal exits, saying why.
    production.check_wsgi_stack(server.app.wsgi())
