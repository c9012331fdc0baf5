#!/bin/sh
# postgres:15 init script (docker-compose.yml): let the replica stream.
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >>"$PGDATA/pg_hba.conf"
