#!/bin/sh
# As the official image's: rabbitmq-server (and its tools) run as the
# rabbitmq user, which owns the data directory; setpriv (util-linux) for gosu.
set -e

if [ "${1#rabbitmq}" != "$1" ] && [ "$(id -u)" = '0' ]; then
	find /var/lib/rabbitmq \! -user rabbitmq -exec chown rabbitmq:rabbitmq '{}' +
	exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$0" "$@"
fi

exec "$@"
