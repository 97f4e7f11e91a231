#!/bin/sh
# build_cli.sh — builds tests/survey/survey_cli.c into build/survey/survey_cli
# from src/survey/*.c and src/core/*.c (all the survey statistics use, so a
# module elsewhere that does not build cannot stop it; no Makefile rule is
# needed). Used by tests/survey/compare_r.sh and bench/survey.sh.
set -eu
cd "$(dirname "$0")/../.."
mkdir -p build/survey
${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Isrc -o build/survey/survey_cli tests/survey/survey_cli.c src/survey/*.c src/core/*.c -lm
