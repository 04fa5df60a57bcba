#!/usr/bin/env bash
# The headline query in grep's modes, in one run on one fleet: the headline (its pattern read as a
# regular expression, the default, prefiltered by its required text), -F (literal), -i, -E, a class
# pattern with no required text, -w, -c and -n; and, with BASELINE_REV=<commit>, the headline with the CLI built from that commit
# (the before/after figure of a change on the hot path). Every answer is checked.
#   BASELINE_REV=abc123 bench/macro/grep-modes.sh [HOSTS=24000] [RUNS=5] [OUT=perf-results/<date>-grep-modes-<hosts>.md]
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
RUNS=${2:-5}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-grep-modes-${HOSTS}.md}
PORT=${MACRO_PORT:-6503}
. bench/macro/setup.sh

if [ -n "${BASELINE_REV:-}" ]; then
  rm -rf "$WORK/baseline-src"
  git worktree add --detach "$WORK/baseline-src" "$BASELINE_REV" >/dev/null 2>&1
  dotnet publish "$WORK/baseline-src/src/SysopsFast.Cli" -c Release -r linux-x64 -v q -nologo -o "$WORK/baseline-bin" >/dev/null
  git worktree remove --force "$WORK/baseline-src"
fi

S="--server 127.0.0.1:$PORT/0"
"$CLI" fleet generate --hosts "$HOSTS" --seed 1 --server "127.0.0.1:$PORT/0" --ttl 0 --expected "$WORK/expected.txt" 2>"$WORK/generate.log"
. bench/macro/timing.sh
norm "$WORK/expected.txt" >"$WORK/expected.norm"

lines=$(awk '{s+=$1} END{print s}' "$WORK/expected.txt")
rows=()
row() { rows+=("| $1 | \`$2\` | $3 | $4–$5 | $(awk -v a="$3" -v b="$h_med" 'BEGIN{printf "%.2f", a/b}') | $6 |"); }
read -r h_med h_min h_max h_ok <<<"$(time_runs headline "$CLI grep sysctl-a net.core.netdev_budget --uniq $S" uniq)"
row "headline (regex by default)" "grep sysctl-a net.core.netdev_budget --uniq" "$h_med" "$h_min" "$h_max" "$h_ok"
read -r f_med f_min f_max f_ok <<<"$(time_runs fixed "$CLI grep sysctl-a -F net.core.netdev_budget --uniq $S" uniq)"
row "-F (literal)" "grep sysctl-a -F net.core.netdev_budget --uniq" "$f_med" "$f_min" "$f_max" "$f_ok"
if [ -n "${BASELINE_REV:-}" ]; then
  read -r b_med b_min b_max b_ok <<<"$(time_runs before "$WORK/baseline-bin/sysops-fast grep sysctl-a net.core.netdev_budget --uniq $S" uniq)"
  row "headline, CLI of $BASELINE_REV (before)" "grep sysctl-a net.core.netdev_budget --uniq" "$b_med" "$b_min" "$b_max" "$b_ok"
fi
read -r i_med i_min i_max i_ok <<<"$(time_runs ignorecase "$CLI grep sysctl-a NET.CORE.NETDEV_BUDGET -i --uniq $S" uniq)"
row "-i" "grep sysctl-a NET.CORE.NETDEV_BUDGET -i --uniq" "$i_med" "$i_min" "$i_max" "$i_ok"
read -r e_med e_min e_max e_ok <<<"$(time_runs regex "$CLI grep sysctl-a -E 'net\\.core\\.netdev_budget(_usecs)? = [0-9]+' --uniq $S" uniq)"
row "-E" "grep sysctl-a -E 'net\\.core\\.netdev_budget(_usecs)? = [0-9]+' --uniq" "$e_med" "$e_min" "$e_max" "$e_ok"
read -r d_med d_min d_max d_ok <<<"$(time_runs digits "$CLI grep sysctl-a '[[:digit:]]{5}\$' -c $S" "$HOSTS")"
row "class, no required text" "grep sysctl-a '[[:digit:]]{5}\$' -c" "$d_med" "$d_min" "$d_max" "$d_ok"
read -r w_med w_min w_max w_ok <<<"$(time_runs word "$CLI grep sysctl-a -w -o net.core.netdev_budget --uniq $S" 1)"
row "-w -o --uniq" "grep sysctl-a -w -o net.core.netdev_budget --uniq" "$w_med" "$w_min" "$w_max" "$w_ok"
read -r c_med c_min c_max c_ok <<<"$(time_runs count "$CLI grep sysctl-a net.core.netdev_budget -c $S" "$HOSTS")"
row "-c" "grep sysctl-a net.core.netdev_budget -c" "$c_med" "$c_min" "$c_max" "$c_ok"
read -r n_med n_min n_max n_ok <<<"$(time_runs numbered "$CLI grep sysctl-a net.core.netdev_budget -n -H $S" "$lines")"
row "-n -H (every line printed)" "grep sysctl-a net.core.netdev_budget -n -H" "$n_med" "$n_min" "$n_max" "$n_ok"

mkdir -p "$(dirname "$OUT")"
{
  echo "# grep modes on the headline's records, $HOSTS hosts"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: nproc $(nproc); $(uname -r)"
  echo "- redis: $(redis-server --version | cut -d' ' -f3), loopback port $PORT, no persistence"
  echo "- command: \`BASELINE_REV=${BASELINE_REV:-} bench/macro/grep-modes.sh $HOSTS $RUNS\`; the AOT-published CLI; median of $RUNS runs, wall time from process start to exit"
  echo "- fleet: \`sysops-fast fleet generate --hosts $HOSTS --seed 1\` (codec zstddictionary)"
  echo
  echo "| mode | command | median s | min–max s | vs headline | answer |"
  echo "|---|---|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Answer checks: the --uniq rows equal the generator's expected answer (count padding removed, sorted);"
  echo "-c prints one line per host ($HOSTS); -n -H prints one line per selected line ($lines)."
  echo "The baseline CLI (before) read the pattern as literal text; the headline now goes through the"
  echo "regex matcher, prefiltered by 'netdev_budget'."
} >"$OUT"
cat "$OUT"
