#!/bin/sh
# The REPL on a terminal, driven through tmux on a private socket: line
# editing (Ctrl-A, arrows), Tab completion, Ctrl-C dropping the line, and
# history recalled in a second session. Every wait polls the screen with a
# bounded timeout (no fixed sleeps), so a loaded machine only makes it slower.
dgc=$(pwd)/${1:-./dgc}
root=$(pwd)
if ! command -v tmux >/dev/null; then echo "repl-tty: FAIL: tmux is not installed"; exit 1; fi
t=$(mktemp -d)
sock=dgc-test-$$
# The tmux server runs in the foreground (-D), started and stopped by this
# script: a daemonising server exits at once ("server exited unexpectedly")
# when it cannot daemonise - glibc's daemon() refuses a /dev/null that is
# not a character device, which a root `tcc -o /dev/null` leaves behind -
# and -D keeps the server up between the two sessions (no exit-empty race).
printf 'set -g history-limit 2000\n' >"$t/tmux.conf"
tm() { tmux -L "$sock" -f "$t/tmux.conf" "$@"; }
socket=${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock
server=
stop() {
    tm kill-server 2>/dev/null
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$t" "$socket"
}
trap stop EXIT
tmux -L "$sock" -f "$t/tmux.conf" -D <"$t/tmux.conf" >"$t/server.log" 2>&1 &
server=$!
i=0
until [ -S "$socket" ]; do
    i=$((i + 1))
    if [ $i -gt 600 ] || ! kill -0 "$server" 2>/dev/null; then
        echo "FAIL: repl-tty: the tmux server did not start:"; cat "$t/server.log"; exit 1
    fi
    sleep 0.05
done
sess=repl0
cp "$root"/models/demo.dg "$root"/models/demo.npz "$t"/
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    echo "FAIL: repl-tty: $*"
    fail=$((fail + 1))
    echo "---- screen:"; screen | grep -v '^$' | tail -15; echo "----"
}
screen() { tm capture-pane -p -J -S -300 -t "$sess" 2>/dev/null; }
# wait_for TEXT [SECONDS]: 0 once TEXT is on the screen.
wait_for() {
    i=0
    lim=$(( ${2:-30} * 20 ))
    while [ $i -lt $lim ]; do
        screen | grep -qF -- "$1" && return 0
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}
# wait_prompt TEXT: until the last prompt line, trailing blanks dropped,
# reads TEXT: what is being typed now. (A space Tab added shows when the
# next word is typed: 'show fc2' below.)
wait_prompt() {
    i=0
    while [ $i -lt 600 ]; do
        [ "$(screen | grep 'dgc>' | tail -1 | sed 's/ *$//')" = "$1" ] && return 0
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}
keys() { tm send-keys -t "$sess" "$@"; }
# idle: the REPL is back at an empty prompt, its terminal in edit mode, so
# control keys reach libedit (typed earlier, the kernel would act on them).
idle() { wait_prompt "dgc>" || bad "no prompt after the command"; }

# start: a session running the REPL; the pane stays after it exits (the
# shell waits) so its exit status can be read and the server cannot vanish
# under a late capture. tmux may fail to start under load: try again.
start() {
    old=$sess
    sess=repl$(( ${sess#repl} + 1 ))
    n=0
    until tm new-session -d -s "$sess" -x 150 -y 50 \
        "cd '$t' && HOME='$t' DGC_HISTORY='$t/hist' TERM=xterm '$dgc' repl ${1:-demo.dg}; echo \"[exit \$?]\"; exec sleep 600"
    do
        n=$((n + 1))
        [ $n -ge 5 ] && { echo "FAIL: repl-tty: tmux would not start"; exit 1; }
        sleep 1
    done
    tm kill-session -t "$old" 2>/dev/null
    wait_for "dgc> " 60 && ok || bad "no prompt"
    idle
}

start
# Ctrl-A goes to the start of the line.
keys -l "how fc1"
keys C-a
keys -l "s"
keys Enter
wait_for "layer fc1: dense 32" && ok || bad "Ctrl-A then typing did not give 'show fc1'"
idle
# Left arrow: "shw ln" mended to "show ln".
keys -l "shw ln"
keys Left Left Left Left
keys -l "o"
keys Enter
wait_for "layer ln: layernorm" && ok || bad "Left arrows did not let 'shw' become 'show'"
idle
# Tab: a unique command completes with a space; an ambiguous layer lists both.
keys -l "sh"
keys Tab
wait_prompt "dgc> show" && ok || bad "Tab did not complete 'sh' to 'show'"
keys -l "fc"
keys Tab
wait_for "fc1  fc2" && ok || bad "Tab did not list fc1 and fc2"
wait_prompt "dgc> show fc" && ok || bad "the line was not redrawn after the list"
keys -l "2"
keys Enter
wait_for "layer fc2: dense 16" && ok || bad "show fc2 after completion"
idle
keys -l "set fc1 thr"
keys Tab
wait_prompt "dgc> set fc1 threshold" && ok || bad "Tab did not complete a setting"
keys -l "0.7"
keys Enter
wait_for "rebuilt demo" && ok || bad "set after completion"
idle
# Ctrl-C drops the line being typed, and a declaration left open.
keys -l "eval random nonsense"
keys C-c
keys -l "layer x dense 2 {"
keys Enter
wait_for "...> " && ok || bad "no continuation prompt inside a block"
keys C-c
keys -l "show ln"
keys Enter
i=0
until [ "$(screen | grep -c 'layer ln: layernorm')" -ge 2 ] || [ $i -ge 600 ]; do
    sleep 0.05; i=$((i + 1))
done
[ "$(screen | grep -c 'layer ln: layernorm')" -ge 2 ] && ok || bad "show ln after Ctrl-C"
idle
screen | grep -q "usage: eval random" && bad "the dropped line ran" || ok
screen | grep -q "added layer x" && bad "the dropped declaration was kept" || ok
keys -l "quit"
keys Enter
wait_for "[exit 0]" && ok || bad "quit: exit status 0"
[ -f "$t/hist" ] && ok || bad "history file not written"
[ "$(stat -c %a "$t/hist" 2>/dev/null)" = 600 ] && ok || bad "history file mode is not 0600"
grep -q -e 'show fc1' -e 'show\\040fc1' "$t/hist" && ok || bad "history lacks 'show fc1'"

# A second session: Up four times is the set command of the first (after
# it: the opened block's first line, show ln, quit).
start
keys Up Up Up Up
wait_prompt "dgc> set fc1 threshold 0.7" && ok || bad "Up did not recall the first session's history"
keys Enter
wait_for "rebuilt demo" && ok || bad "the recalled line did not run"
idle
keys C-d
wait_for "[exit 0]" && ok || bad "Ctrl-D: exit status 0"

# A third: Ctrl-C stops a long accuracy run (784-512-256-10 over the
# Fashion-MNIST test set, seconds of work) once its progress bar shows, and
# the session goes on.
F=/usr/share/datasets/fashion-mnist
/usr/bin/python3 "$root/tools/make_big_model.py" "$t" || bad "make_big_model.py failed"
start big.dg
keys -l "accuracy $F/t10k-images-idx3-ubyte.gz $F/t10k-labels-idx1-ubyte.gz"
keys Enter
wait_for "/10000" 60 && ok || bad "no progress bar"
keys C-c
wait_for "interrupted after" && ok || bad "Ctrl-C did not stop accuracy"
idle
screen | grep -q "accuracy .* of 10000)" && bad "accuracy ran to the end" || ok
keys -l "show fc1"
keys Enter
wait_for "accuracy run on $F" && ok || bad "the session did not go on after Ctrl-C"
idle

echo "repl-tty: $pass passed, $fail failed"
[ $fail = 0 ]
