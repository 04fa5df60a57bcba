# Sourced by the macro benchmarks after setup.sh: times a command $RUNS times and checks its answer.
# Needs WORK, RUNS and $WORK/expected.norm (the expected --uniq answer, normalised by norm).

# The --uniq answer without its count padding, sorted: comparable across formats.
norm() { sed -E 's/^ *([0-9]+) /\1 /' "$1" | sort; }

time_runs() { # name command check -> "median min max ok"; check: uniq (the expected answer) or a line count
  local name=$1 cmd=$2 check=$3 i ok=ok
  : >"$WORK/$name.times"
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f "%e" -o "$WORK/$name.t" bash -c "$cmd" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
    cat "$WORK/$name.t" >>"$WORK/$name.times"
    if [ "$check" = uniq ]; then norm "$WORK/$name.out" | cmp -s - "$WORK/expected.norm" || ok=WRONG
    else [ "$(wc -l <"$WORK/$name.out")" = "$check" ] || ok=WRONG; fi
  done
  echo "$(sort -n "$WORK/$name.times" | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f %.2f %.2f", m, a[1], a[NR]}') $ok"
}
