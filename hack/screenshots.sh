#!/usr/bin/env bash
# screenshots.sh makes the README's pictures of the wizard from the real
# program: it builds harbor-installer and harbor-installer-demo, opens the
# wizard on the demo's simulated world in a detached tmux at 100x30, drives
# it with send-keys, waits for each screen's text, captures the pane with its
# colours, and renders each capture to PNG offline with charmbracelet/freeze
# (pinned in hack/build-tools.sh). No browser, no network beyond loopback.
#
#   hack/screenshots.sh [out-dir]        (default: screenshots/; `make screenshots`)
#
# The demo opens the wizard because tmux gives it a terminal.
# SHOTS_BIN_DIR=dir uses harbor-installer and harbor-installer-demo already
# built there instead of building them. SHOTS_KEEP=1 keeps the work directory
# (the raw captures) for a look.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/screenshots}" && cd "${1:-$ROOT/screenshots}" && pwd)"
COLS=100 ROWS=30
FREEZE_VERSION="${FREEZE_VERSION:-v0.2.2}"
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
# The screen matching below reads UTF-8 (marks, spinners).
export LC_ALL=C.UTF-8
# A private server of our own even when run from inside tmux.
unset TMUX

log() { printf 'screenshots: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

command -v tmux >/dev/null || die "tmux is missing: apt-get install tmux"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/harbor-shots.XXXXXX")"
# A private tmux server: nothing of the user's tmux (config, sessions) leaks
# in, and the cleanup cannot touch their sessions.
TMUX_SOCK="harbor-shots-$$"
tm() { tmux -L "$TMUX_SOCK" "$@"; }

cleanup() {
  local pid
  # The demo stops its world (control plane, slapd, MinIO, files) on
  # SIGTERM; killing the tmux server would leave them running.
  if pid="$(tm display-message -p -t shots '#{pane_pid}' 2>/dev/null)" && [ "$(tm display-message -p -t shots '#{pane_dead}' 2>/dev/null)" != 1 ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  tm kill-server 2>/dev/null || true
  if [ "${SHOTS_KEEP:-}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- build ------------------------------------------------------------------
# The project's test build flags: the pictures do not depend on the
# optimiser, and sharing the test builds' cache keeps this to seconds on a
# machine that ran the tests.
# shellcheck source=buildflags.sh
. "$ROOT/hack/buildflags.sh"
(cd "$ROOT" && go build "${TEST_BUILD_FLAGS[@]}" -o "$WORK/ansi2freeze" ./hack/ansi2freeze &&
  go build "${TEST_BUILD_FLAGS[@]}" -o "$WORK/pngshrink" ./hack/pngshrink)
if [ -n "${SHOTS_BIN_DIR:-}" ]; then
  BIN_DIR="$(cd "$SHOTS_BIN_DIR" && pwd)"
else
  BIN_DIR="$WORK/bin"
  log "building harbor-installer and harbor-installer-demo"
  (cd "$ROOT" && go build "${TEST_BUILD_FLAGS[@]}" -o "$BIN_DIR/harbor-installer" . &&
    go build "${TEST_BUILD_FLAGS[@]}" -o "$BIN_DIR/harbor-installer-demo" ./cmd/harbor-installer-demo)
fi
FREEZE="$(FREEZE_VERSION="$FREEZE_VERSION" "$ROOT/hack/build-tools.sh" freeze | tail -n1)/freeze-$FREEZE_VERSION"
[ -x "$FREEZE" ] || die "freeze $FREEZE_VERSION was not built"
# The demo needs the test world's binaries and Debian packages: `make
# screenshots` gets them first (make tools, make deps).

# --- drive ------------------------------------------------------------------
cat >"$WORK/tmux.conf" <<'EOF'
set -g status off
set -g remain-on-exit on
set -g default-terminal tmux-256color
set -g history-limit 0
EOF
mkdir -p "$WORK/run"
# A dark 256-colour UTF-8 terminal, as most admins have; NO_COLOR and the
# user's locale must not leak into the pictures.
tm -f "$WORK/tmux.conf" new-session -d -s shots -x "$COLS" -y "$ROWS" \
  "cd '$WORK/run' && exec env -u NO_COLOR -u LC_ALL -u LC_CTYPE LANG=C.UTF-8 COLORFGBG='15;0' \
    '$BIN_DIR/harbor-installer-demo' -bin '$BIN_DIR/harbor-installer'"

screen() { tm capture-pane -p -t shots; }

# wait_for waits until every marker is on screen, bounded by $timeout
# seconds (default 30); on a timeout it shows the screen and fails.
wait_for() { # [-t seconds] marker...
  local timeout=30
  if [ "$1" = -t ]; then timeout="$2"; shift 2; fi
  local deadline=$((SECONDS + timeout)) s m ok
  while :; do
    s="$(screen)"
    ok=1
    for m in "$@"; do
      grep -qF -- "$m" <<<"$s" || { ok=0; break; }
    done
    [ "$ok" = 1 ] && return 0
    if [ "$(tm display-message -p -t shots '#{pane_dead}')" = 1 ] || ((SECONDS > deadline)); then
      printf '%s\n' "$s" >&2
      die "waited ${timeout}s for: $*"
    fi
    sleep 0.2
  done
}

# wait_gone waits until marker has left the screen (a check stopped running).
wait_gone() { # marker
  local deadline=$((SECONDS + 30))
  while grep -qF -- "$1" <<<"$(screen)"; do
    ((SECONDS > deadline)) && { screen >&2; die "waited 30s for \"$1\" to go"; }
    sleep 0.2
  done
}

keys() { tm send-keys -t shots "$@"; }

# type_text types like a person: one key at a time.
type_text() { local i; for ((i = 0; i < ${#1}; i++)); do keys -l "${1:i:1}"; sleep 0.05; done; }

# focus_field tabs until the field named label has the focus mark.
focus_field() { # label
  for _ in $(seq 20); do
    grep -qE "› +$1 " <<<"$(screen)" && return 0
    keys Tab
    sleep 0.2
  done
  screen >&2
  die "could not focus the field \"$1\""
}

# set_field focuses the text field named label and types value over it.
set_field() { # label value
  focus_field "$1"
  keys End
  for _ in $(seq 16); do keys BSpace; done
  type_text "$2"
}

# shot captures the pane as ANSI text and renders it to $OUT/name.png.
shot() { # name
  sleep 0.3 # the frame that matched may still be followed by its last paint
  capture >"$WORK/$1.ansi"
  render "$WORK/$1.ansi" "$OUT/$1.png"
  log "$1.png"
}

# capture keeps trailing blanks (-N): a text field's cursor is one.
capture() { tm capture-pane -e -N -p -t shots; }

# The picture: JetBrains Mono (embedded in freeze) at 24 px, whose cells are
# 0.6 em wide, on VS Code's dark background (the palette ansi2freeze uses).
FONT=24 LINE_HEIGHT=1.25 PAD=32
WIDTH=$((COLS * FONT * 6 / 10 + 2 * PAD + FONT))
HEIGHT=$((ROWS * FONT * 125 / 100 + 2 * PAD + FONT / 2))

# render turns a capture into a PNG. tmux ends a colour with ESC[39m and
# carries styles over line ends; freeze reads each line alone and only
# ESC[0m as a reset, so ansi2freeze rewrites the escapes first. PATH is
# emptied for freeze so it never hands the SVG to an rsvg-convert that
# happens to be installed (other fonts, other sizes).
render() { # in.ansi out.png
  "$WORK/ansi2freeze" <"$1" >"$1.freeze"
  env PATH=/var/empty "$FREEZE" "$1.freeze" --language ansi --output "$2" \
    --width "$WIDTH" --height "$HEIGHT" --font.size "$FONT" --line-height "$LINE_HEIGHT" \
    --padding "$PAD" --margin 0 --background "#1e1e1e" --border.radius 10 --window=false >/dev/null
  # freeze writes 32-bit RGBA; 256 colours are plenty and a sixth the size.
  "$WORK/pngshrink" "$2"
  chmod 644 "$2"
}

log "starting the simulated world and the wizard (about 30 s)"
wait_for -t 240 "Start from" "Kubernetes v"
shot welcome

keys Enter # load the demo's answers file
wait_for "Cluster DNS domain"
wait_gone "checking against"

# settle waits until the screen stops changing for a second (bounded): a
# result may land after the last marker.
settle() {
  local prev="" cur deadline=$((SECONDS + 30)) same=0
  while ((SECONDS < deadline)); do
    cur="$(screen)"
    if [ "$cur" = "$prev" ]; then
      same=$((same + 1))
      ((same >= 5)) && return 0
    else
      same=0
    fi
    prev="$cur"
    sleep 0.2
  done
}

# next_step continues to the screen titled $1, accepting warnings on the
# way, and waits for its live checks to finish (and for marker, if given).
next_step() { # title [marker]
  for _ in $(seq 6); do
    keys Enter
    sleep 0.5
    wait_gone "checks are running"
    # The step's title ends the screen's third row, right of the step list.
    if grep -qE " $1 *\$" <<<"$(screen | sed -n 3p)"; then
      wait_gone "checking against"
      [ $# -lt 2 ] || wait_for "$2"
      settle
      return 0
    fi
    if grep -qF "accept the warnings" <<<"$(screen)"; then keys C-a; sleep 0.3; fi
  done
  screen >&2
  die "did not reach the step \"$1\""
}

next_step "Object storage"
# One pool of four nodes with two drives each, spread over the three zones:
# whatever the demo's answers say, the picture shows a layout that passes.
set_field "Pools" 1
set_field "Nodes per pool" 4
set_field "Drives per node" 2
sleep 0.6 # the pause after typing that starts the live checks
wait_gone "checking against"
settle
# The layout and what it tolerates sit under the last of the numbers; with
# the focus there, the form scrolls them into view.
focus_field "Spread over zones"
settle
shot minio

next_step "LDAP"
# A typo in the test login: the live check fails under the field after the
# pause, and passes once it is fixed.
focus_field "Test login"
keys End BSpace BSpace BSpace BSpace BSpace
type_text "alcie"
wait_for "finds no entry"
wait_gone "checking"
shot check-fail
keys BSpace BSpace BSpace BSpace BSpace
type_text "alice"
wait_for "finds exactly one"
shot check-pass

next_step "Review" "replay later"
shot review

keys i
wait_for "Installing"
# Poll while the install runs: the picture is the first frame with one
# release ready and another still going (or, failing that, the last frame).
best="" last="$(capture)"
deadline=$((SECONDS + 300))
while ((SECONDS < deadline)); do
  s="$(capture)"
  plain="$(sed 's/\x1b\[[0-9;:]*m//g' <<<"$s")"
  grep -qF "Installing" <<<"$plain" || break
  last="$s"
  if grep -qE '^ ✓ +[a-z]+ +[a-z-]+ [0-9]' <<<"$plain" && grep -qE '^ (⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏|[|/\\-]) +[a-z]' <<<"$plain"; then
    best="$s"
    break
  fi
  sleep 0.2
done
printf '%s\n' "${best:-$last}" >"$WORK/progress.ansi"
render "$WORK/progress.ansi" "$OUT/progress.png"
log "progress.png"

wait_for -t 300 "replay"
if grep -qF "Install failed" <<<"$(screen)"; then
  # A README picture of a failed install would be a lie about the demo.
  screen >&2
  die "the demo install failed: no done picture"
fi
shot done

keys Enter # leave the wizard; the demo then stops its world
for _ in $(seq 120); do
  [ "$(tm display-message -p -t shots '#{pane_dead}')" = 1 ] && break
  sleep 0.5
done
log "pictures in $OUT"
