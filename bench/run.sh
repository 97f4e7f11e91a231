#!/usr/bin/env bash
# bench/run.sh — how much slower is Trygg than the same bytes served without it?
#
# Starts, on 127.0.0.1 only and all at once:
#   trygg     build/trygg on a fresh SQLite database with the demo data;
#   nginx     the bytes trygg sent for / and /healthz, as static files, same
#             Content-Type and headers (config generated into the temp dir);
#   bare_mhd  bench/bare_mhd.c, libmicrohttpd with Trygg's threading and
#             limits answering every request with the same bytes (one per page).
# Then runs wrk against each (a warm-up run, then the measured run) and prints
# requests/s, p99 latency, the ratios trygg/nginx and trygg/bare_mhd per page,
# and each server's peak RSS. The ratios are the figure; nothing asserts a time.
# See bench/README.md for how to read the table.
#
# Environment: BENCH_SECONDS (default 10) per measured run, BENCH_CONNECTIONS
# (default 50), BENCH_WARMUP_SECONDS (default 2).
# Exit status: 0 when every server started and every run completed, 1 otherwise.
# Raw wrk output is kept in build/bench/wrk-*.txt; everything else lives in a
# temp dir that is removed, with every process this script started, on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

MEASURE_SECONDS=${BENCH_SECONDS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-50}
WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-2}
CORES=$(nproc)
OUT=build/bench

# The pages measured, and the file name each one's bytes get in the docroot.
PAGES=(/ /healthz)
declare -A PAGE_FILE=([/]=home.html [/healthz]=healthz.json)
SERVERS=(trygg nginx bare_mhd)

die() {
	echo "bench: $*" >&2
	exit 1
}

for v in MEASURE_SECONDS CONNECTIONS WARMUP_SECONDS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive whole number, not '${!v}'"
done
WRK_THREADS=$((CONNECTIONS < 2 ? 1 : 2))
# Room on both limits for wrk's connections twice over (those of the warm-up
# may not all be closed when the measured run opens its own) and the script's.
PER_IP_LIMIT=$((2 * CONNECTIONS + 16))
CONNECTION_LIMIT=$((PER_IP_LIMIT > 1000 ? PER_IP_LIMIT : 1000))
for tool in wrk nginx curl cc pkg-config ss ps; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

# ---- processes: everything started here is stopped on exit ----

TMP=$(mktemp -d "${TMPDIR:-/tmp}/trygg-bench.XXXXXX")
PIDS=()

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local pid i
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for ((i = 0; i < 50; i++)); do
		local alive=0
		for pid in "${PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		((alive)) || break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts "$@" in the background with its output in LOG; sets STARTED_PID.
start_background() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	STARTED_PID=$!
	PIDS+=("$STARTED_PID")
}

# Prints the port from the "serving on http://ADDR:PORT/" line that trygg and
# bare_mhd print when ready; fails with the log when PID exits or 10 s pass.
wait_for_serving() {
	local log=$1 pid=$2 name=$3 port i
	for ((i = 0; i < 100; i++)); do
		port=$(sed -n 's|.*serving on http://[^ ]*:\([0-9][0-9]*\)/.*|\1|p' "$log" | head -n 1)
		if [[ -n $port ]]; then
			echo "$port"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/  /' "$log" >&2
	die "$name did not start"
}

# Prints a TCP port on 127.0.0.1 that nothing listens on (for nginx, which
# cannot take port 0 and report it).
free_port() {
	local port i
	for ((i = 0; i < 100; i++)); do
		port=$((20000 + RANDOM % 40000))
		if [[ -z $(ss -Htln "sport = :$port") ]]; then
			echo "$port"
			return 0
		fi
	done
	die "no free port found"
}

# Prints the size in bytes of the response to a GET of URL, headers included.
response_bytes() {
	local sizes
	sizes=$(curl -sS --max-time 5 -o /dev/null -w '%{size_header} %{size_download}' "$1") || return 1
	echo $((${sizes% *} + ${sizes#* }))
}

# GETs URL into BODY (and the response headers into HEADERS when given).
# Fails unless the answer is 200.
fetch() {
	local url=$1 body=$2 headers=${3:-/dev/null} status
	status=$(curl -sS --max-time 5 -o "$body" -D "$headers" -w '%{http_code}' "$url") || return 1
	[[ $status == 200 ]]
}

# ---- 1. build, database, trygg ----

mo_files=()
for po in po/*.po; do
	[[ -e $po ]] && mo_files+=("build/locale/$(basename "$po" .po).mo")
done
make --no-print-directory build/trygg "${mo_files[@]}" >"$TMP/make.log" 2>&1 ||
	{ tail -n 30 "$TMP/make.log" >&2; die "cannot build build/trygg"; }
mkdir -p "$OUT"
if [[ ! -x $OUT/bare_mhd || bench/bare_mhd.c -nt $OUT/bare_mhd ]]; then
	# shellcheck disable=SC2046 # pkg-config prints several words on purpose
	cc -std=c17 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -o "$OUT/bare_mhd" bench/bare_mhd.c \
		$(pkg-config --cflags --libs libmicrohttpd) -lpthread || die "cannot build $OUT/bare_mhd"
fi

mkdir -p "$TMP/data" "$TMP/upload" "$TMP/docroot" "$TMP/nginx"
cat >"$TMP/trygg.conf" <<EOF
# generated by bench/run.sh
access_log =
threads = $CORES
per_ip_limit = $PER_IP_LIMIT
connection_limit = $CONNECTION_LIMIT
grace_seconds = 1
data_dir = $TMP/data
upload_dir = $TMP/upload
EOF
DATABASE="sqlite:$TMP/trygg.db"
build/trygg demo --database "$DATABASE" --config "$TMP/trygg.conf" >"$TMP/demo.log" 2>&1 ||
	{ tail -n 30 "$TMP/demo.log" >&2; die "cannot load the demo data"; }

start_background "$TMP/trygg.log" build/trygg serve --listen 127.0.0.1:0 --database "$DATABASE" --config "$TMP/trygg.conf"
declare -A PID URL
PID[trygg]=$STARTED_PID
URL[trygg]="http://127.0.0.1:$(wait_for_serving "$TMP/trygg.log" "${PID[trygg]}" trygg)"

# ---- 2. trygg's bytes, served by nginx ----

# Headers the other servers add themselves, or that describe one connection.
OWN_HEADERS='^(date|content-length|content-type|connection|keep-alive|transfer-encoding|server):'
declare -A CONTENT_TYPE
for page in "${PAGES[@]}"; do
	file=${PAGE_FILE[$page]}
	fetch "${URL[trygg]}$page" "$TMP/docroot/$file" "$TMP/$file.raw-headers" ||
		die "trygg did not answer $page with 200"
	tr -d '\r' <"$TMP/$file.raw-headers" >"$TMP/$file.all-headers"
	CONTENT_TYPE[$page]=$(sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$TMP/$file.all-headers" | head -n 1)
	sed '1d; /^$/d' "$TMP/$file.all-headers" | grep -Eiv "$OWN_HEADERS" >"$TMP/$file.headers" || true
done

# Prints nginx's location block for a page: same Content-Type, same headers.
nginx_location() {
	local page=$1 file=${PAGE_FILE[$1]} line name value
	printf '\t\tlocation = %s {\n' "$page"
	printf '\t\t\ttypes { }\n\t\t\tdefault_type "%s";\n' "${CONTENT_TYPE[$page]//\"/\\\"}"
	while IFS= read -r line; do
		name=${line%%:*}
		value=${line#*:}
		value=${value# }
		if [[ $value == *'$'* ]]; then
			# nginx would read it as a variable; the page is then a few bytes lighter there.
			echo "bench: nginx copy of $page goes without header $name (its value holds a \$)" >&2
			continue
		fi
		value=${value//\\/\\\\}
		printf '\t\t\tadd_header "%s" "%s" always;\n' "$name" "${value//\"/\\\"}"
	done <"$TMP/$file.headers"
	printf '\t\t\ttry_files /%s =404;\n\t\t}\n' "$file"
}

NGINX_PORT=$(free_port)
{
	echo "# generated by bench/run.sh"
	# As root, nginx would hand its workers to 'nobody', who cannot read the temp dir.
	if ((EUID == 0)); then
		echo "user root root;"
	fi
	cat <<EOF
worker_processes $CORES;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events {
	worker_connections $((CONNECTION_LIMIT + 64));
}
http {
	access_log off;
	server_tokens off;
	etag off;
	# libmicrohttpd never closes a keep-alive connection after N requests; nginx does by default.
	keepalive_requests 1000000;
	keepalive_timeout 30s;
	client_body_temp_path $TMP/nginx/client_body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $TMP/docroot;
EOF
	for page in "${PAGES[@]}"; do
		nginx_location "$page"
	done
	printf '\t\tlocation / {\n\t\t\treturn 404;\n\t\t}\n\t}\n}\n'
} >"$TMP/nginx/nginx.conf"

NGINX=(nginx -p "$TMP/nginx/" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf")
"${NGINX[@]}" -t >"$TMP/nginx/test.log" 2>&1 || { cat "$TMP/nginx/test.log" >&2; die "nginx rejects its configuration"; }
start_background "$TMP/nginx/stderr.log" "${NGINX[@]}"
PID[nginx]=$STARTED_PID
URL[nginx]="http://127.0.0.1:$NGINX_PORT"
for ((i = 0; ; i++)); do
	fetch "${URL[nginx]}/healthz" /dev/null 2>/dev/null && break
	if ((i >= 100)) || ! kill -0 "${PID[nginx]}" 2>/dev/null; then
		cat "$TMP/nginx/stderr.log" "$TMP/nginx/error.log" >&2 2>/dev/null || true
		die "nginx did not start"
	fi
	sleep 0.1
done

# ---- 3. bare_mhd, one per page, same bytes and headers ----

declare -A BARE_PID BARE_URL
for page in "${PAGES[@]}"; do
	file=${PAGE_FILE[$page]}
	start_background "$TMP/bare-$file.log" "$OUT/bare_mhd" --listen 127.0.0.1:0 \
		--body "$TMP/docroot/$file" --content-type "${CONTENT_TYPE[$page]}" --headers "$TMP/$file.headers" \
		--threads "$CORES" --connection-limit "$CONNECTION_LIMIT" --per-ip-limit "$PER_IP_LIMIT"
	BARE_PID[$page]=$STARTED_PID
	BARE_URL[$page]="http://127.0.0.1:$(wait_for_serving "$TMP/bare-$file.log" "$STARTED_PID" "bare_mhd for $page")"
done

# Prints the URL that SERVER answers PAGE on.
target_url() {
	case $1 in
	bare_mhd) echo "${BARE_URL[$2]}$2" ;;
	*) echo "${URL[$1]}$2" ;;
	esac
}

# The copies must answer with exactly the body trygg sent; the sizes, headers
# included, go in the table.
declare -A RESPONSE_BYTES
for page in "${PAGES[@]}"; do
	for server in "${SERVERS[@]}"; do
		url=$(target_url "$server" "$page")
		if [[ $server != trygg ]]; then
			fetch "$url" "$TMP/check" || die "$server did not answer $page with 200"
			cmp -s "$TMP/check" "$TMP/docroot/${PAGE_FILE[$page]}" || die "$server's copy of $page differs from trygg's"
		fi
		RESPONSE_BYTES[$server$page]=$(response_bytes "$url") || die "$server did not answer $page"
	done
done

# ---- 4. wrk ----

# Runs wrk against URL: a warm-up, then the measured run, whose output goes to
# FILE. Prints "requests/s p99-in-ms errors".
measure() {
	local url=$1 file=$2
	timeout $((WARMUP_SECONDS + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP_SECONDS}s" "$url" >/dev/null ||
		die "wrk failed on $url (warm-up)"
	timeout $((MEASURE_SECONDS + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${MEASURE_SECONDS}s" --latency "$url" >"$file" ||
		die "wrk failed on $url"
	awk '
		function ms(v) {
			if (v ~ /us$/) return v / 1000
			if (v ~ /ms$/) return v + 0
			if (v ~ /m$/) return v * 60000
			return v * 1000
		}
		/^Requests\/sec:/ { rps = $2 }
		$1 == "99%" { p99 = ms($2) }
		/Socket errors:/ { gsub(/,/, ""); errors += $4 + $6 + $8 + $10 }
		/Non-2xx or 3xx responses:/ { errors += $NF }
		END {
			if (rps == "") exit 1
			printf "%.0f %.2f %d\n", rps, p99, errors
		}' "$file" || die "cannot read wrk's output in $file"
}

echo "bench: wrk -t$WRK_THREADS -c$CONNECTIONS -d${MEASURE_SECONDS}s after a ${WARMUP_SECONDS}s warm-up," \
	"$((${#PAGES[@]} * ${#SERVERS[@]})) runs, about $(((MEASURE_SECONDS + WARMUP_SECONDS) * ${#PAGES[@]} * ${#SERVERS[@]}))s" >&2
read -r LOAD_BEFORE _ </proc/loadavg
declare -A RPS P99 ERRORS
for page in "${PAGES[@]}"; do
	for server in "${SERVERS[@]}"; do
		echo "bench:   $server $page" >&2
		result=$(measure "$(target_url "$server" "$page")" "$OUT/wrk-$server-${PAGE_FILE[$page]%.*}.txt")
		read -r "RPS[$server$page]" "P99[$server$page]" "ERRORS[$server$page]" <<<"$result"
	done
done

# ---- 5. the table ----

# Prints the peak resident set (VmHWM) of PIDs together, in MiB.
peak_rss() {
	local pid total=0 kb
	for pid in "$@"; do
		kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
		total=$((total + ${kb:-0}))
	done
	awk -v kb="$total" 'BEGIN { printf "%.1f MiB", kb / 1024 }'
}

# Prints A / B with two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'
}

echo
echo "Trygg $(cat VERSION 2>/dev/null || echo '?') — wrk -t$WRK_THREADS -c$CONNECTIONS -d${MEASURE_SECONDS}s --latency," \
	"$CORES cores shared by servers and wrk, loopback;"
echo "trygg and bare_mhd: $CORES threads (thread pool + epoll), nginx: $CORES workers; SQLite; access logs off."
echo "Load average (1 min) just before the runs: $LOAD_BEFORE. Well above 1, other work was sharing the cores" \
	"and the figures are noisy."
echo
printf '%-9s %-9s %10s %9s %7s %11s\n' page server "req/s" "p99 ms" errors "bytes/resp"
for page in "${PAGES[@]}"; do
	for server in "${SERVERS[@]}"; do
		printf '%-9s %-9s %10s %9s %7s %11s\n' "$page" "$server" "${RPS[$server$page]}" "${P99[$server$page]}" \
			"${ERRORS[$server$page]}" "${RESPONSE_BYTES[$server$page]}"
	done
done
echo
printf '%-9s %18s %21s %16s %19s\n' page "trygg/nginx req/s" "trygg/bare_mhd req/s" "trygg/nginx p99" "trygg/bare_mhd p99"
for page in "${PAGES[@]}"; do
	printf '%-9s %18s %21s %16s %19s\n' "$page" \
		"$(ratio "${RPS[trygg$page]}" "${RPS[nginx$page]}")" "$(ratio "${RPS[trygg$page]}" "${RPS[bare_mhd$page]}")" \
		"$(ratio "${P99[trygg$page]}" "${P99[nginx$page]}")" "$(ratio "${P99[trygg$page]}" "${P99[bare_mhd$page]}")"
done
echo
mapfile -t nginx_workers < <(ps -o pid= --ppid "${PID[nginx]}")
echo "peak RSS (VmHWM): trygg $(peak_rss "${PID[trygg]}"); nginx master + ${#nginx_workers[@]} workers" \
	"$(peak_rss "${PID[nginx]}" "${nginx_workers[@]}"); bare_mhd / $(peak_rss "${BARE_PID[/]}")," \
	"/healthz $(peak_rss "${BARE_PID[/healthz]}")"
for page in "${PAGES[@]}"; do
	for server in "${SERVERS[@]}"; do
		if [[ ${ERRORS[$server$page]} != 0 ]]; then
			echo "warning: $server $page had ${ERRORS[$server$page]} errors (see $OUT/wrk-$server-${PAGE_FILE[$page]%.*}.txt);" \
				"its figures are not comparable"
		fi
	done
done
exit 0
