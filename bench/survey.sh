#!/usr/bin/env bash
# bench/survey.sh — how much faster is Trygg's survey statistics than R's
# survey package, on the same data in the same run, with the same numbers?
#
#   bash bench/survey.sh            100,000 answers × 60 items (as issue 6 asks)
#   BENCH_SURVEY_N=20000 BENCH_SURVEY_ITEMS=12 bash bench/survey.sh   a quick run
#
# bench/survey.R generates the answers (margins age group × sex, area and
# housing; unequal response; missing answers) and times R: rake(), then every
# item's figure for everyone and per area, age group and sex (svymean for
# problem indices, svyciprop(method = "logit") for shares, through svyby).
# tests/survey/survey_cli answers the same spec with Trygg's C and reports its
# own times (reading the file is not counted on either side). The script
# prints both times, the ratio (target: at least 20×) and whether every weight,
# estimate, SE and interval end agrees with R to 1e-6. Nothing is asserted
# about time; the exit status is 1 only when the numbers disagree or a step
# fails. R takes many minutes at full size (about 1 s per svyciprop domain).
# Files live in a temporary folder, removed on exit (BENCH_SURVEY_KEEP=DIR keeps them there).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

N=${BENCH_SURVEY_N:-100000}
ITEMS=${BENCH_SURVEY_ITEMS:-60}

if ! Rscript -e 'suppressMessages(library(survey))' >/dev/null 2>&1; then
	echo "bench/survey: R's survey package is missing: run scripts/install-deps.sh as root" >&2
	exit 1
fi
sh tests/survey/build_cli.sh

if [ -n "${BENCH_SURVEY_KEEP:-}" ]; then
	WORK=$BENCH_SURVEY_KEEP
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d /tmp/trygg-survey-bench.XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
fi

echo "bench/survey: $N answers × $ITEMS items; R first (this takes a while)"
Rscript bench/survey.R run "$WORK" "$N" "$ITEMS"
build/survey/survey_cli "$WORK/bench.spec" >"$WORK/c.txt" 2>"$WORK/c.err" || {
	cat "$WORK/c.err" >&2
	exit 1
}

read -r R_RAKE R_TABLES <"$WORK/r.time"
# survey_cli: N respondents, rake X s, estimates Y s
C_RAKE=$(sed -n 's/.*rake \([0-9.]*\) s.*/\1/p' "$WORK/c.err" | tail -n 1)
C_TABLES=$(sed -n 's/.*estimates \([0-9.]*\) s.*/\1/p' "$WORK/c.err" | tail -n 1)
ESTIMATES=$(grep -c '/value ' "$WORK/c.txt" || true)

agree=yes
Rscript bench/survey.R agree "$WORK" >"$WORK/agree.txt" || agree=no

awk -v rr="$R_RAKE" -v rt="$R_TABLES" -v cr="$C_RAKE" -v ct="$C_TABLES" -v est="$ESTIMATES" \
	-v n="$N" -v items="$ITEMS" -v agree="$agree" 'BEGIN {
	printf "\n%d answers × %d items: raking, then %d estimates (each item for everyone, per area, age group and sex)\n", n, items, est
	printf "%-22s %10s %12s %12s\n", "", "rake (s)", "tables (s)", "total (s)"
	printf "%-22s %10.3f %12.3f %12.3f\n", "R survey package", rr, rt, rr + rt
	printf "%-22s %10.3f %12.3f %12.3f\n", "Trygg (C)", cr, ct, cr + ct
	rake_ratio = 0; table_ratio = 0; ratio = 0
	if (cr > 0) rake_ratio = rr / cr
	if (ct > 0) table_ratio = rt / ct
	if (cr + ct > 0) ratio = (rr + rt) / (cr + ct)
	printf "%-22s %9.0fx %11.0fx %11.0fx   (target: at least 20x)\n", "R / Trygg", rake_ratio, table_ratio, ratio
	printf "numbers agree with R to 1e-6 (weights, estimates, SEs, interval ends): %s\n", agree
}'
sed 's/^/  /' "$WORK/agree.txt"
[ "$agree" = yes ]
