#!/usr/bin/env bash
# run.sh — runs every test of Trygg and ends with one line "N passed, N failed".
#
#   bash tests/run.sh [PART…]     PART: unit, survey-r, http-sqlite, http-pg, http-release, browser (default: all)
#
# In order: the cmocka unit programs (build/tests/**, then the sanitized ones in
# build/asan/tests/**); the survey statistics against R; the HTTP suite
# (tests/http/*.test.mjs) against build/asan/trygg on SQLite and again on
# PostgreSQL, and against the release build/trygg on SQLite; the browser suite
# (tests/browser/*.test.mjs, sanitized build) on SQLite. One private PostgreSQL cluster
# (scripts/pg-cluster.sh) serves the unit tests (TRYGG_TEST_PG_URL) and the
# HTTP suite; it is removed on exit, whatever happened.
#
# Build first: make -j2 build unit (make test does both).
# Environment: TRYGG_BIN (default build/asan/trygg), TRYGG_KEEP=1 keeps the
# test servers' folders, TEST_FILTER=REGEX runs only matching node tests.
set -uo pipefail

cd "$(dirname "$0")/.."

ALL_PARTS=(unit survey-r http-sqlite http-pg http-release browser)
PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=("${ALL_PARTS[@]}")
for p in "${PARTS[@]}"; do
	case " ${ALL_PARTS[*]} " in
	*" $p "*) ;;
	*)
		echo "usage: bash tests/run.sh [${ALL_PARTS[*]}]" >&2
		exit 2
		;;
	esac
done
wants() {
	local p
	for p in "${PARTS[@]}"; do [ "$p" = "$1" ] && return 0; done
	return 1
}

PASSED=0
FAILED=0
SKIPPED=0
TODO=0
FAILURES=()

note_failure() {
	FAILURES+=("$1")
}

WORK=$(mktemp -d /tmp/trygg-run.XXXXXX)
chmod 755 "$WORK" # the cluster runs as the postgres user when we are root
PG_DIR="$WORK/pg"
PG_STARTED=0

cleanup() {
	if [ "$PG_STARTED" = 1 ]; then
		sh scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || echo "run.sh: could not stop the cluster in $PG_DIR" >&2
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP port nobody listens on, from the kernel.
free_port() {
	node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_pg() {
	local port url tries
	for tries in 1 2 3; do
		port=$(free_port)
		if url=$(sh scripts/pg-cluster.sh start "$PG_DIR" "$port" 2>"$WORK/pg-start.log"); then
			PG_STARTED=1
			export TRYGG_PG_DIR="$PG_DIR" TRYGG_PG_PORT="$port" TRYGG_TEST_PG_URL="$url"
			echo "== PostgreSQL cluster on port $port ($url)"
			return 0
		fi
		sh scripts/pg-cluster.sh stop "$PG_DIR" >/dev/null 2>&1 || rm -rf "$PG_DIR"
	done
	cat "$WORK/pg-start.log" >&2
	return 1
}

# ---- unit tests ----

# Runs one cmocka program and adds its counts. A crash or a non-zero exit
# without a reported failure counts as one failure.
run_unit() {
	local bin=$1 out="$WORK/unit.out" rc passed failed skipped
	echo "== $bin"
	"$bin" >"$out" 2>&1
	rc=$?
	cat "$out"
	passed=$(grep -aoE '^\[  PASSED  \] [0-9]+' "$out" | grep -oE '[0-9]+$' | awk '{s+=$1} END {print s+0}')
	failed=$(grep -aoE '^\[  FAILED  \] [0-9]+ test' "$out" | grep -oE '[0-9]+ ' | awk '{s+=$1} END {print s+0}')
	skipped=$(grep -aoE '^\[  SKIPPED \] [0-9]+ test' "$out" | grep -oE '[0-9]+ ' | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1
		echo "run.sh: $bin exited with status $rc"
	fi
	PASSED=$((PASSED + passed))
	FAILED=$((FAILED + failed))
	SKIPPED=$((SKIPPED + skipped))
	[ "$failed" -gt 0 ] && note_failure "$bin ($failed failed)"
	return 0
}

run_units() {
	local dir bin found=0
	for dir in build/tests build/asan/tests; do
		[ -d "$dir" ] || continue
		while IFS= read -r bin; do
			found=1
			run_unit "$bin"
		done < <(find "$dir" -type f -perm -u+x | sort)
	done
	if [ "$found" = 0 ]; then
		echo "run.sh: no unit test programs under build/tests: run make -j2 build unit"
		FAILED=$((FAILED + 1))
		note_failure "no unit test programs"
	fi
}

# ---- the survey statistics against R's survey package ----

# tests/survey/compare_r.sh generates data, runs R's rake()/svymean()/svyciprop()
# and Trygg's C on it, and ends with "compare_r: N passed, N failed".
run_survey_r() {
	local out="$WORK/compare_r.out" rc passed failed
	echo "== survey statistics against R (tests/survey/compare_r.sh)"
	bash tests/survey/compare_r.sh >"$out" 2>&1
	rc=$?
	cat "$out"
	passed=$(grep -aoE '^compare_r: [0-9]+ passed' "$out" | grep -oE '[0-9]+' | tail -n 1)
	failed=$(grep -aoE '^compare_r: [0-9]+ passed, [0-9]+ failed' "$out" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' | tail -n 1)
	passed=${passed:-0} failed=${failed:-0}
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		failed=1
		echo "run.sh: compare_r.sh exited with status $rc"
	fi
	PASSED=$((PASSED + passed))
	FAILED=$((FAILED + failed))
	[ "$failed" -gt 0 ] && note_failure "survey statistics against R ($failed failed)"
	return 0
}

# ---- node tests ----

ensure_node_modules() {
	[ -d tests/node_modules/playwright-core ] && [ -d tests/node_modules/axe-core ] && return 0
	echo "== npm ci --prefix tests"
	# Only the two packages in package-lock.json; playwright-core never downloads a browser.
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix tests --no-audit --no-fund --prefer-offline
}

# Runs node's test runner on the files, showing the spec report and counting
# the TAP summary ("# pass N", "# fail N", "# cancelled N", "# skipped N").
run_node() {
	local label=$1 concurrency=$2
	shift 2
	local tap="$WORK/$label.tap" rc pass fail cancelled skipped todo
	local filter=()
	[ -n "${TEST_FILTER:-}" ] && filter=(--test-name-pattern="$TEST_FILTER")
	echo "== $label: $*"
	# --test-timeout: a test file that hangs fails after 10 minutes instead of stopping the run.
	node --test --test-concurrency="$concurrency" --test-timeout=600000 "${filter[@]}" \
		--test-reporter=spec --test-reporter-destination=stdout \
		--test-reporter=tap --test-reporter-destination="$tap" "$@"
	rc=$?
	pass=$(grep -aE '^# pass [0-9]+$' "$tap" | tail -n 1 | grep -oE '[0-9]+$')
	fail=$(grep -aE '^# fail [0-9]+$' "$tap" | tail -n 1 | grep -oE '[0-9]+$')
	cancelled=$(grep -aE '^# cancelled [0-9]+$' "$tap" | tail -n 1 | grep -oE '[0-9]+$')
	skipped=$(grep -aE '^# skipped [0-9]+$' "$tap" | tail -n 1 | grep -oE '[0-9]+$')
	todo=$(grep -aE '^# todo [0-9]+$' "$tap" | tail -n 1 | grep -oE '[0-9]+$')
	pass=${pass:-0} fail=${fail:-0} cancelled=${cancelled:-0} skipped=${skipped:-0} todo=${todo:-0}
	fail=$((fail + cancelled))
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		fail=1
		echo "run.sh: node --test exited with status $rc"
	fi
	# Skipped and todo tests are counted apart from passed and failed by node.
	echo "== $label: $pass passed, $fail failed, $skipped skipped, $todo todo (known problems)"
	TODO=$((TODO + todo))
	PASSED=$((PASSED + pass))
	FAILED=$((FAILED + fail))
	SKIPPED=$((SKIPPED + skipped))
	[ "$fail" -gt 0 ] && note_failure "$label ($fail failed)"
	return 0
}

# ---- the run ----

START=$(date +%s)
export TRYGG_BIN="${TRYGG_BIN:-build/asan/trygg}"
# The sanitizers stop at the first error, and report leaks at exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

NEED_PG=0
{ wants unit || wants http-pg; } && NEED_PG=1
if [ "$NEED_PG" = 1 ]; then
	if ! start_pg; then
		echo "run.sh: cannot start a PostgreSQL cluster; its tests count as failed"
		FAILED=$((FAILED + 1))
		note_failure "PostgreSQL cluster"
	fi
fi

wants unit && run_units
wants survey-r && run_survey_r

NODE_OK=1
if wants http-sqlite || wants http-pg || wants browser; then
	if ! ensure_node_modules; then
		echo "run.sh: npm ci --prefix tests failed"
		FAILED=$((FAILED + 1))
		note_failure "npm ci"
		NODE_OK=0
	fi
	if [ ! -x "$TRYGG_BIN" ]; then
		echo "run.sh: $TRYGG_BIN is missing: run make -j2 build unit"
		FAILED=$((FAILED + 1))
		note_failure "$TRYGG_BIN missing"
		NODE_OK=0
	fi
fi

if [ "$NODE_OK" = 1 ]; then
	wants http-sqlite && TRYGG_DB=sqlite run_node http-sqlite 2 tests/http/*.test.mjs
	if wants http-pg; then
		if [ "$PG_STARTED" = 1 ]; then
			TRYGG_DB=pg run_node http-pg 2 tests/http/*.test.mjs
		else
			FAILED=$((FAILED + 1))
			note_failure "http-pg (no cluster)"
		fi
	fi
	# The suites above run the sanitized build; the release build (what `make run`
	# serves) gets the whole HTTP suite on SQLite too.
	wants http-release && TRYGG_BIN=build/trygg TRYGG_DB=sqlite run_node http-release 2 tests/http/*.test.mjs
	# The browser tests leave a screenshot per test in build/screenshots/.
	wants browser && TRYGG_DB=sqlite run_node browser 2 tests/browser/*.test.mjs
fi

echo
echo "== took $(($(date +%s) - START)) s; skipped: $SKIPPED; todo (known problems, not counted): $TODO"
for f in "${FAILURES[@]}"; do
	echo "FAILED: $f"
done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
