#!/bin/sh
# First start of the postgres container: two roles besides the bootstrap superuser.
#   dressdb_owner  owns the database and its tables; runs migrations (the `migrate` service)
#   dressdb_app    owns nothing; web, worker and beat connect as it. After each migrate the
#                  owner grants it DML on ordinary tables and only SELECT + INSERT on the
#                  audit history and security log tables (dressdb/db_roles.py).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_pw="$DB_OWNER_PASSWORD" -v app_pw="$DB_APP_PASSWORD" -v db="$POSTGRES_DB" <<'EOSQL'
CREATE ROLE dressdb_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE dressdb_app LOGIN PASSWORD :'app_pw';
ALTER DATABASE :"db" OWNER TO dressdb_owner;
ALTER SCHEMA public OWNER TO dressdb_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO dressdb_app;
GRANT USAGE ON SCHEMA public TO dressdb_app;
EOSQL
