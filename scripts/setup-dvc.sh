#!/usr/bin/env bash
# Installs the DVC versions the interop suite (test/interop/) runs against, each into
# its own virtual environment under .venvs/ (git-ignored). Reused when present: a venv
# whose `dvc --version` already prints the wanted version is left alone, so a second
# run costs a few hundred milliseconds.
#
#   .venvs/dvc2   dvc 2.58.2 (last 2.x: checkpoints, make_checkpoint) + dvclive 2.x
#   .venvs/dvc3   latest dvc 3.x
#   .venvs/dvc28  dvc 2.8.3, an early 2.x (the queue format of exp run --queue), best effort;
#                 it needs the fsspec and funcy of its time
#
# Pins for 2.58.2 (see README "DVC interop"): pygit2 1.14.1 (newer lacks GIT_OBJ_COMMIT),
# dulwich<1 ('Repo' object has no attribute 'stage'), pathspec<1 (_DIR_MARK import).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
ROOT=.venvs
mkdir -p "$ROOT"

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "setup-dvc: $PY not found; the interop suite needs Python 3.9+" >&2
  exit 1
fi

have() { # venv wanted-version-prefix
  [ -x "$ROOT/$1/bin/dvc" ] && [ -f "$ROOT/$1/.installed" ] && grep -q "^$2" "$ROOT/$1/.installed"
}

install() { # venv marker pip-args...
  local venv="$1" marker="$2"; shift 2
  if have "$venv" "$marker"; then return 0; fi
  echo "setup-dvc: installing $* into $ROOT/$venv" >&2
  rm -rf "$ROOT/$venv"
  "$PY" -m venv "$ROOT/$venv"
  "$ROOT/$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  DVC_NO_ANALYTICS=1 "$ROOT/$venv/bin/dvc" --version > "$ROOT/$venv/.installed"
}

start=$(date +%s)
install dvc2 2.58.2 "dvc==2.58.2" "pygit2==1.14.1" "dulwich<1" "pathspec<1" "dvclive>=2,<2.15.1" &
p2=$!
install dvc3 3. "dvc>=3,<4" &
p3=$!
wait $p2
wait $p3
# The early 2.x is best effort: its unbounded dependencies have moved on since 2021.
if ! install dvc28 2.8 "dvc==2.8.3" "pygit2==1.14.1" "dulwich<0.21" "pathspec<0.10" "scmrepo<0.1" "fsspec==2021.10.1" "funcy<2" 2>"$ROOT/dvc28.log"; then
  echo "setup-dvc: dvc 2.8.3 did not install (see $ROOT/dvc28.log); test/interop/queue.test.ts needs it" >&2
  rm -rf "$ROOT/dvc28"
fi
echo "setup-dvc: ready in $(( $(date +%s) - start ))s: $(cat $ROOT/dvc2/.installed) $(cat $ROOT/dvc3/.installed)" >&2
