#!/usr/bin/env bash
# Event Workbench developer entry point: the script behind the README's two commands.
#
#   bash scripts/dev.sh run  [ARGS]          set up if needed, then start the workbench
#   bash scripts/dev.sh test [PYTEST ARGS]   set up if needed, then ruff, mypy and pytest
#
# Works on a fresh Debian machine with Python >= 3.11 and is idempotent: once set up, a
# re-run only checks (no apt, no pip) unless pyproject.toml changed.
#
# Setup: Graphviz `dot` (apt-get as root; otherwise a hint, and we carry on without it),
# .venv (python3 -m venv; as root, installs Debian's python3-venv if that is missing),
# and `pip install -e '.[dev]'` whenever pyproject.toml is newer than the stamp file
# .venv/.workbench-dev-install-stamp.
#
# Environment:
#   PYTHON=/path/to/python3.X   interpreter for a new .venv (default: first python3 >= 3.11)
#   CI=true                     `test` also installs Debian's chromium when root and missing
#                               (browser tests); failing to install it is only a warning.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=.venv
STAMP=$VENV/.workbench-dev-install-stamp
MIN_PY="3.11"

header() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

usage() {
    cat <<'EOF'
usage: bash scripts/dev.sh run  [ARGS]         start the workbench (sets up .venv if needed)
       bash scripts/dev.sh test [PYTEST ARGS]  ruff, mypy, pytest (sets up .venv if needed)
EOF
}

# Run a check; on failure say which one and exit with its status.
step() {
    local name=$1 rc=0
    shift
    "$@" || rc=$?
    if [ "$rc" -ne 0 ]; then
        printf '\nFAILED: %s (exit code %s)\n' "$name" "$rc" >&2
        exit "$rc"
    fi
}

# ---------------------------------------------------------------- system packages

APT_UPDATED=0
# apt_install PKG...: non-interactive; `apt-get update` at most once per run.
apt_install() {
    have apt-get || return 1
    if [ "$APT_UPDATED" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Use-Pty=0 "$@"
}

# ensure_dot run|test: Graphviz is optional for both commands, so a non-root user
# only gets a hint; as root on Debian we install it (and a failed install is an error).
ensure_dot() {
    have dot && return 0
    if is_root && have apt-get; then
        header "installing Graphviz (dot): apt-get install graphviz"
        apt_install graphviz || die "apt-get install graphviz failed (see above)"
        have dot || die "graphviz was installed but 'dot' is still not on PATH"
        return 0
    fi
    warn "Graphviz 'dot' was not found on PATH."
    if have apt-get; then
        warn "  install it with: sudo apt-get install graphviz"
    else
        warn "  install Graphviz with your package manager (https://graphviz.org/download/)"
    fi
    if [ "$1" = test ]; then
        warn "  continuing without it: tests that need dot will be SKIPPED."
    else
        warn "  continuing without it: diagrams cannot be rendered."
    fi
}

# With CI=true, `test` installs chromium (docs-site browser test) when root and missing.
# Best effort: any failure is a warning, never an abort.
ensure_chromium() {
    case "${CI:-}" in
        true | TRUE | True | 1) ;;
        *) return 0 ;;
    esac
    if have chromium || have chromium-browser; then return 0; fi
    if ! is_root || ! have apt-get; then
        warn "CI=true but chromium is missing and cannot be installed here (needs root and apt-get);"
        warn "  browser tests will be skipped. Install it with: sudo apt-get install chromium"
        return 0
    fi
    header "installing chromium (CI=true): apt-get install chromium"
    if ! apt_install chromium; then
        warn "apt-get install chromium failed; browser tests will be skipped."
    fi
}

# ------------------------------------------------------------------------- python

# True if $1 runs and is Python >= MIN_PY.
python_ok() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

# Print the first python3 >= MIN_PY on PATH.
find_python() {
    local candidate
    for candidate in python3 python3.13 python3.12 python3.11 python3.14; do
        if have "$candidate" && python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

# Create .venv unless a working one (Python >= MIN_PY, with pip) is there.
ensure_venv() {
    if [ -x "$VENV/bin/python" ]; then
        local state
        state=$("$VENV/bin/python" -c 'import importlib.util as u, sys
if sys.version_info < (3, 11): print("old " + sys.version.split()[0])
elif u.find_spec("pip") is None: print("nopip")
else: print("ok")' 2>/dev/null) || state="broken"
        case "$state" in
            ok) return 0 ;;
            old*) die "$VENV uses Python ${state#old }, but Event Workbench needs >= $MIN_PY. Remove it (rm -rf $VENV) and re-run." ;;
            *) warn "$VENV is incomplete or broken ($state), probably from an earlier failed setup; re-creating it." ;;
        esac
    fi

    local py version
    if [ -n "${PYTHON:-}" ]; then
        python_ok "$PYTHON" || die "PYTHON=$PYTHON is not a working Python >= $MIN_PY"
        py=$(command -v "$PYTHON")
    else
        py=$(find_python) || die "no Python >= $MIN_PY found on PATH (tried python3, python3.11 ... python3.14).
  On Debian 12 or newer: sudo apt-get install python3 python3-venv
  Or point PYTHON at one: PYTHON=/path/to/python3.12 bash scripts/dev.sh ..."
    fi
    version=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    header "creating $VENV with $py (Python $version)"
    if ! "$py" -m venv --clear "$VENV"; then
        if is_root && have apt-get; then
            note "venv support (ensurepip) is missing; installing python${version}-venv"
            apt_install "python${version}-venv" || apt_install python3-venv ||
                die "could not install python${version}-venv / python3-venv"
            "$py" -m venv --clear "$VENV" || die "'$py -m venv $VENV' failed even after installing python3-venv"
        else
            die "'$py -m venv $VENV' failed. On Debian/Ubuntu install the venv module first:
  sudo apt-get install python${version}-venv   (or python3-venv)"
        fi
    fi
    rm -f "$STAMP"
}

# pip install -e '.[dev]' when pyproject.toml is newer than the stamp (or never done).
ensure_installed() {
    if [ -f "$STAMP" ] && [ ! pyproject.toml -nt "$STAMP" ] && [ -x "$VENV/bin/workbench" ]; then
        return 0
    fi
    header "installing: pip install -e '.[dev]'"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q -e '.[dev]' ||
        die "pip install -e '.[dev]' failed (see above)"
    touch "$STAMP"
}

setup() {
    ensure_venv
    ensure_installed
}

# ----------------------------------------------------------------------- commands

# models/*.yaml, one a line, sorted bytewise (independent of the locale).
list_models() (
    LC_ALL=C
    shopt -s nullglob
    for f in models/*.yaml; do printf '%s\n' "$f"; done
)

cmd_run() {
    ensure_dot run
    setup
    local wb=$VENV/bin/workbench models=() model
    mapfile -t models < <(list_models)
    [ "${#models[@]}" -gt 0 ] || die "no example models found (models/*.yaml)"
    model=models/library.yaml
    [ -f "$model" ] || model=${models[0]}

    if "$wb" tui --help >/dev/null 2>&1; then
        header "workbench tui $model $*"
        exec "$wb" tui "$model" "$@"
    fi
    header "workbench validate ${models[*]}   (the tui command is not available yet)"
    if [ "$#" -gt 0 ]; then warn "ignoring ARGS ($*): they are meant for the tui command"; fi
    step "workbench validate" "$wb" validate "${models[@]}"
    # ...and show that the models run: their scenarios, then a dry run kept for a look.
    header "workbench test ${models[*]}"
    step "workbench test" "$wb" test "${models[@]}"
    local db
    db=$(mktemp -d)/library.sim.db
    header "workbench simulate $model --commands 2000 --db $db"
    step "workbench simulate" "$wb" simulate "$model" --commands 2000 --db "$db"
    echo "look inside: $wb store streams $db"
}

cmd_test() {
    ensure_dot test
    ensure_chromium
    setup
    local targets=() dir rc=0
    for dir in workbench tests benchmarks; do
        if [ -e "$dir" ]; then targets+=("$dir"); fi
    done
    header "ruff check ${targets[*]}"
    step "ruff check" "$VENV/bin/ruff" check "${targets[@]}"
    header "mypy"
    step "mypy" "$VENV/bin/mypy"
    header "pytest -q $*"
    "$VENV/bin/python" -m pytest -q "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        printf '\nFAILED: pytest collected no tests (exit code 5), which counts as a failure\n' >&2
        exit 5
    elif [ "$rc" -ne 0 ]; then
        printf '\nFAILED: pytest (exit code %s)\n' "$rc" >&2
        exit "$rc"
    fi
    header "all checks passed"
}

case "${1:-}" in
    run)
        shift
        cmd_run "$@"
        ;;
    test)
        shift
        cmd_test "$@"
        ;;
    -h | --help | help)
        usage
        ;;
    *)
        usage >&2
        exit 2
        ;;
esac
