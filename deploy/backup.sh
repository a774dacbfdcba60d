#!/usr/bin/env bash
# Back up the room bot's PostgreSQL database (the operations guide's "データベースバックアップ").
#
# Writes BACKUP_DIR/db_backup_YYYYmmdd_HHMMSS.dump with `pg_dump --format=custom` (restore it
# with deploy/restore.sh), then deletes db_backup_*.dump files older than RETENTION_DAYS.
# The dump goes to a hidden temporary name first and is renamed only once pg_dump succeeded
# and pg_restore can read it back, so a failed run leaves no partial file and deletes nothing.
#
# Environment:
#   DATABASE_URL    postgresql://meeting_user:secure_password@localhost/meeting_rooms, as in the
#                   app's .env (postgres:// and a +psycopg2 driver suffix are accepted). Unset:
#                   libpq's PGHOST/PGPORT/PGUSER/PGDATABASE/PGPASSWORD (or ~/.pgpass), with the
#                   guide's defaults localhost / meeting_user / meeting_rooms.
#   ENV_FILE        read DATABASE_URL from this file when it is not in the environment (cron)
#   BACKUP_DIR      where dumps go (default /var/backups/meeting-room)
#   RETENTION_DAYS  keep this many days of dumps (default 30); other files are never touched
#   PG_BIN_DIR      directory of pg_dump/pg_restore (default: PATH); they must be at least
#                   the server's major version
#
# The password is handed to pg_dump in PGPASSWORD, never on its command line, and is never
# printed. Exit status is non-zero, with one line saying why, on any failure.
#
# systemd: deploy/systemd/roombot-backup.timer runs this daily at 02:00 JST. cron, as the guide:
#   0 2 * * * ENV_FILE=/var/www/meeting-room/.env /var/www/meeting-room/deploy/backup.sh
set -euo pipefail
umask 077

readonly PROG=backup.sh
# shellcheck source-path=SCRIPTDIR source=pg_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg_common.sh"

# Split a postgresql:// URL: export its (decoded) password as PGPASSWORD, and set CONN_URI to
# the URL without password or driver suffix, TARGET to "database on host" for messages.
parse_url() {
  local url=$1 dbname
  if ! split_pg_url "$url"; then
    [[ $url == sqlite* ]] && die "DATABASE_URL is SQLite; this script backs up PostgreSQL" \
      "(copy the SQLite file with: sqlite3 var/roombot.db '.backup backup.db')"
    die "DATABASE_URL must start with postgresql:// (got '${url%%:*}:...')"
  fi
  CONN_URI="postgresql://${URL_USER:+$URL_USER@}${URL_HOSTPORT}${URL_PATH}"
  dbname=${URL_PATH#/}
  dbname=${dbname%%\?*}
  TARGET="database '$(url_decode "${dbname:-?}")' on ${URL_HOSTPORT:-the local socket}"
}

# Set CONN_ARGS and TARGET from DATABASE_URL (or ENV_FILE), else from libpq's PG* variables.
connection() {
  local url=${DATABASE_URL:-}
  if [[ -z $url && -n ${ENV_FILE:-} ]]; then
    url=$(env_file_value DATABASE_URL "$ENV_FILE")
  fi
  if [[ -n $url ]]; then
    parse_url "$url"
    CONN_ARGS=("--dbname=$CONN_URI")
  else
    export PGHOST=${PGHOST:-localhost} PGUSER=${PGUSER:-meeting_user}
    export PGDATABASE=${PGDATABASE:-meeting_rooms}
    CONN_ARGS=()
    TARGET="database '$PGDATABASE' on $PGHOST${PGPORT:+:$PGPORT}"
  fi
  export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}
}

# Delete db_backup_*.dump files (and nothing else) older than the retention.
prune() {
  local dir=$1 days=$2 old
  while IFS= read -r -d '' old; do
    rm -f -- "$old"
    log "deleted backup older than $days days: $old"
  done < <(find "$dir" -maxdepth 1 -type f -name 'db_backup_*.dump' -mtime "+$days" -print0)
}

main() {
  local backup_dir=${BACKUP_DIR:-/var/backups/meeting-room} days=${RETENTION_DAYS:-30}
  local pg_dump pg_restore stamp final
  [[ $# -eq 0 ]] || die "no arguments expected (configure with environment variables; see the header)"
  [[ $days =~ ^[0-9]+$ ]] || die "RETENTION_DAYS must be a whole number of days, got '$days'"
  connection
  pg_dump=$(pg_tool pg_dump)
  pg_restore=$(pg_tool pg_restore)
  mkdir -p -- "$backup_dir" || die "cannot create BACKUP_DIR $backup_dir"
  stamp=$(date +%Y%m%d_%H%M%S)
  final="$backup_dir/db_backup_$stamp.dump"
  [[ ! -e $final ]] || die "$final already exists; not overwriting it"
  PARTIAL=$(mktemp "$backup_dir/.db_backup_$stamp.XXXXXX.partial") ||
    die "cannot write to BACKUP_DIR $backup_dir"
  trap 'rm -f -- "$PARTIAL"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  log "dumping $TARGET"
  "$pg_dump" --format=custom --no-password --file="$PARTIAL" "${CONN_ARGS[@]}" ||
    die "pg_dump of $TARGET failed; no backup written, old backups kept"
  "$pg_restore" --list "$PARTIAL" >/dev/null ||
    die "the dump of $TARGET cannot be read back; no backup written, old backups kept"
  mv -- "$PARTIAL" "$final" || die "cannot rename the dump to $final"
  log "backup written: $final ($(du -h -- "$final" | cut -f1))"
  prune "$backup_dir" "$days"
}

main "$@"
