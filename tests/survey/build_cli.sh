#!/bin/sh
# build_cli.sh — builds tests/survey/survey_cli.c into build/survey/survey_cli
# from the statistics core (src/survey/survey_*.c: survey_stats.c,
# survey_rake.c, survey_distribution.c) and the core helpers it uses, so that
# no other part of Trygg can stop it; no Makefile rule is needed. Used by tests/survey/compare_r.sh and bench/survey.sh.
set -eu
cd "$(dirname "$0")/../.."
mkdir -p build/survey
${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Isrc -o build/survey/survey_cli tests/survey/survey_cli.c src/survey/survey_*.c \
	src/core/arena.c src/core/buf.c src/core/util.c -lm
