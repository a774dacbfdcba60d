# Shared by backup.sh and restore.sh (sourced; PROG is set by the caller).
# shellcheck shell=bash

log() { printf '%s: %s\n' "$PROG" "$*"; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

# Print the path of a PostgreSQL client program, from PG_BIN_DIR when set.
pg_tool() {
  local name=$1 path
  if [[ -n ${PG_BIN_DIR:-} ]]; then
    path="$PG_BIN_DIR/$name"
    [[ -x $path ]] || die "$name not found in PG_BIN_DIR=$PG_BIN_DIR"
  else
    path=$(command -v "$name") || die "$name not found: install postgresql-client or set PG_BIN_DIR"
  fi
  printf '%s\n' "$path"
}

# Decode %XX escapes; backslashes stay literal.
url_decode() {
  local value=${1//\\/\\\\}
  printf '%b' "${value//%/\\x}"
}

# The value of NAME in an env file (last assignment wins; quotes and " # comments" removed).
env_file_value() {
  local name=$1 file=$2 value
  [[ -r $file ]] || die "ENV_FILE $file is not readable"
  value=$(sed -n -E "s/^[[:space:]]*(export[[:space:]]+)?${name}[[:space:]]*=[[:space:]]*//p" "$file" | tail -n 1)
  case $value in
    \"*\"*) value=${value#\"} && value=${value%%\"*} ;;
    \'*\'*) value=${value#\'} && value=${value%%\'*} ;;
    *) value=${value%%[[:space:]]#*} ;;
  esac
  printf '%s\n' "$value"
}

# Split a postgres(ql)[+driver]:// URL into URL_USER, URL_HOSTPORT and URL_PATH (path and query),
# exporting its decoded password as PGPASSWORD. Returns 1 when it is not such a URL.
split_pg_url() {
  local url=$1 rest authority userinfo=""
  [[ $url =~ ^(postgres|postgresql)(\+[A-Za-z0-9_]+)?://(.*)$ ]] || return 1
  rest=${BASH_REMATCH[3]}
  authority=${rest%%[/?]*}
  URL_PATH=${rest:${#authority}}
  URL_HOSTPORT=$authority
  if [[ $authority == *@* ]]; then
    userinfo=${authority%@*}
    URL_HOSTPORT=${authority##*@}
  fi
  URL_USER=${userinfo%%:*}
  if [[ $userinfo == *:* ]]; then
    PGPASSWORD=$(url_decode "${userinfo#*:}")
    export PGPASSWORD
  fi
}
