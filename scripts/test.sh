#!/usr/bin/env bash
# The test command behind `make test`: lint and type-check (mypy src), then pytest on SQLite
# and PostgreSQL.
# Starts the throwaway PostgreSQL server itself unless FRONTLENS_TEST_PG_URL is already set
# (as .ci/run does); without one (no root to install it), the PostgreSQL tests are skipped
# with a warning, unless FRONTLENS_REQUIRE_PG=1 turns that into a failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${VENV:-.venv}/bin"

# Browser tests drive Debian's Chromium; install it when we can (root with apt), else they skip.
if [[ ! -x /usr/bin/chromium && "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing Debian chromium for the browser tests" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 \
        || echo "warning: could not install chromium; browser tests will be skipped" >&2
fi

started=0
if [[ -z "${FRONTLENS_TEST_PG_URL:-}" ]]; then
    if line="$(bash scripts/pg-test-server.sh | tail -n 1)" \
            && [[ "$line" == FRONTLENS_TEST_PG_URL=* ]]; then
        export "${line?}"
        started=1
    else
        echo "warning: no PostgreSQL test server; PostgreSQL tests will be skipped" >&2
    fi
fi
cleanup() {
    local rc=$?
    if [[ $started == 1 ]]; then bash scripts/pg-test-server.sh stop || true; fi
    exit "$rc"
}
trap cleanup EXIT

"$BIN/ruff" check src tests bench scripts
"$BIN/mypy" src
set +e
"$BIN/python" -m pytest "$@"
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
    echo "error: pytest collected no tests" >&2
fi
exit "$rc"
