#!/bin/sh
# Fails when a banned function is called in src/: these either overflow
# (sprintf, strcpy, strcat, gets), keep hidden state (strtok, localtime, gmtime)
# or truncate silently without a terminator (strncpy). Use buf_printf(),
# str_copy(), localtime_r() instead.
banned='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|gets|localtime|gmtime|asctime|ctime)[[:space:]]*\('
if grep -rnE "$banned" src fuzz tests/unit 2>/dev/null; then
	echo "check-banned: banned function used (see scripts/check-banned.sh)" >&2
	exit 1
fi
exit 0
