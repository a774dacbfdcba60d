#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh (the operations guide's "データベース復旧").
#
# Usage: deploy/restore.sh [--create] [--target URL] FILE
#   FILE          a db_backup_YYYYmmdd_HHMMSS.dump written by backup.sh (required)
#   --target URL  the database to restore into (default: DATABASE_URL, or ENV_FILE's)
#   --create      create that database first (it must not exist yet); without it the database
#                 must exist, and the tables in the dump are dropped and recreated in it
#
# Runs `pg_restore --clean --if-exists --no-owner --single-transaction`: either the whole
# dump is restored or, on any error, nothing changes (a database made by --create is dropped
# again). Stop the bot first (systemctl stop roombot-web roombot-socket roombot-scheduler),
# then run `python -m bot db upgrade` if the dump comes from an older version.
# Accepts the same URLs and PG_BIN_DIR / PG* variables as backup.sh; the password goes to the
# tools in PGPASSWORD and is never printed.
set -euo pipefail

readonly PROG=restore.sh
# shellcheck source-path=SCRIPTDIR source=pg_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg_common.sh"

usage() {
  printf 'usage: %s [--create] [--target URL] FILE\n' "$PROG" >&2
  exit 2
}

# Split a postgresql:// URL: export its password as PGPASSWORD; set CONN_URI (no password,
# no driver suffix), MAINT_URI (same server, database "postgres"), DBNAME and TARGET.
parse_url() {
  local query=""
  split_pg_url "$1" || die "the target must be a postgresql:// URL (got '${1%%:*}:...')"
  if [[ $URL_PATH == *\?* ]]; then
    query="?${URL_PATH#*\?}"
  fi
  DBNAME=${URL_PATH#/}
  DBNAME=$(url_decode "${DBNAME%%\?*}")
  [[ -n $DBNAME ]] || die "the target URL names no database"
  CONN_URI="postgresql://${URL_USER:+$URL_USER@}${URL_HOSTPORT}${URL_PATH}"
  MAINT_URI="postgresql://${URL_USER:+$URL_USER@}${URL_HOSTPORT}/postgres${query}"
  TARGET="database '$DBNAME' on ${URL_HOSTPORT:-the local socket}"
}

main() {
  local create=false file="" url=${DATABASE_URL:-} pg_restore createdb dropdb
  while [[ $# -gt 0 ]]; do
    case $1 in
      --create) create=true ;;
      --target)
        [[ $# -ge 2 ]] || usage
        url=$2
        shift
        ;;
      --target=*) url=${1#--target=} ;;
      -h | --help) usage ;;
      -*) die "unknown option $1 (usage: restore.sh [--create] [--target URL] FILE)" ;;
      *)
        [[ -z $file ]] || die "only one dump file, please (got '$file' and '$1')"
        file=$1
        ;;
    esac
    shift
  done
  [[ -n $file ]] || die "no dump file given: restore.sh [--create] [--target URL] FILE"
  [[ -f $file && -r $file ]] || die "$file is not a readable file"
  if [[ -z $url && -n ${ENV_FILE:-} ]]; then
    url=$(env_file_value DATABASE_URL "$ENV_FILE")
  fi
  [[ -n $url ]] || die "no target: pass --target URL or set DATABASE_URL"
  parse_url "$url"
  export PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-10}
  pg_restore=$(pg_tool pg_restore)

  "$pg_restore" --list "$file" >/dev/null || die "$file is not a pg_dump custom-format archive"
  if $create; then
    createdb=$(pg_tool createdb)
    dropdb=$(pg_tool dropdb)
    "$createdb" --no-password --maintenance-db="$MAINT_URI" "$DBNAME" ||
      die "cannot create $TARGET (does it exist already?)"
    log "created $TARGET"
  fi
  log "restoring $file into $TARGET"
  if ! "$pg_restore" --clean --if-exists --no-owner --single-transaction --exit-on-error \
    --no-password --dbname="$CONN_URI" "$file"; then
    if $create; then
      "$dropdb" --no-password --maintenance-db="$MAINT_URI" "$DBNAME" ||
        log "could not drop the half-made $TARGET; drop it before retrying"
    fi
    die "pg_restore into $TARGET failed; nothing was restored"
  fi
  log "restored $file into $TARGET"
}

main "$@"
