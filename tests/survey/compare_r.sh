#!/usr/bin/env bash
# compare_r.sh — checks Trygg's survey statistics against R's survey package.
#
#   bash tests/survey/compare_r.sh [WORKDIR]
#
# 1. Builds tests/survey/survey_cli.c into build/survey/survey_cli
#    (tests/survey/build_cli.sh: from src/survey and src/core only, so no
#    Makefile rule is needed and a module elsewhere that does not build
#    cannot stop this check).
# 2. tests/survey/compare.R generates respondents with known population
#    margins, writes one spec per scenario and R's answers (rake(), svymean(),
#    svyciprop(method = "logit"), svyby(), svyratio(), svyrecvar()/svycontrast()).
# 3. survey_cli answers the same specs with Trygg's C.
# 4. compare.R compares weights, estimates, standard errors and interval ends
#    (to 1e-6), one line per group, and ends with "compare_r: N passed, N failed".
# COMPARE_R_SEED and COMPARE_R_N draw other data (default 20260101, 1200 respondents).
# Needs Rscript and R's survey package (r-cran-survey, from scripts/install-deps.sh).
# Files go to WORKDIR (default: a temporary folder, removed on exit).
# Exit status: 0 when every group agrees, 1 otherwise, 2 when it cannot run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'suppressMessages(library(survey))' >/dev/null 2>&1; then
	echo "compare_r: Rscript with the survey package is missing: run scripts/install-deps.sh as root" >&2
	echo "compare_r: 0 passed, 1 failed"
	exit 2
fi

sh tests/survey/build_cli.sh

if [ $# -ge 1 ]; then
	WORK=$1
	mkdir -p "$WORK"
else
	WORK=$(mktemp -d /tmp/trygg-survey-r.XXXXXX)
	trap 'rm -rf "$WORK"' EXIT
fi

START=$(date +%s)
Rscript tests/survey/compare.R reference "$WORK"
for spec in "$WORK"/*.spec; do
	name=$(basename "$spec" .spec)
	if ! build/survey/survey_cli "$spec" >"$WORK/$name.c.txt" 2>"$WORK/$name.c.err"; then
		echo "compare_r: survey_cli failed on $name:" >&2
		cat "$WORK/$name.c.err" >&2
	fi
done
status=0
Rscript tests/survey/compare.R check "$WORK" || status=$?
echo "compare_r: took $(($(date +%s) - START)) s"
exit "$status"
