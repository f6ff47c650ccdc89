#!/usr/bin/env bash
# Start the local Redis, PostgreSQL and RabbitMQ the tests talk to, when they are not running already.
set -euo pipefail

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 100); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.1; done
fi
# The catalogue tests use database `test` with trust auth on 127.0.0.1, as on the CI machine.
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
    su postgres -c "psql -c \"create database test\"" >/dev/null 2>&1 || true
  fi
fi

# RabbitMQ (guest/guest on 127.0.0.1:5672): the pipeline must run on it by configuration alone.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! port_open 5672 && command -v rabbitmq-server >/dev/null; then
  rabbitmq-server -detached >/dev/null 2>&1 || true
  for _ in $(seq 120); do port_open 5672 && break; sleep 0.5; done
fi
