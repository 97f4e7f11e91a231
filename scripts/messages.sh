#!/bin/sh
# Extracts every translatable text into po/trygg.pot, or checks the catalogues.
#   scripts/messages.sh pot     write po/trygg.pot (T(r, "…") in C, {{_ "…"}} in templates)
#   scripts/messages.sh check   fail when a text has no translation in po/en.po
# Source texts are Swedish; po/LANG/*.po (one file per module) hold each other language.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Template texts become C string literals so that xgettext reads them with their places.
find templates -name '*.html' | sort | while read -r f; do
	grep -no '{{_ *"[^"]*"}}' "$f" | sed -E 's/^([0-9]+):\{\{_ *("[^"]*")\}\}$/#line \1 "'"$(echo "$f" | sed 's/[\/&]/\\&/g')"'"\nT(r, \2);/'
done > "$tmp/templates.c"

xgettext --language=C --from-code=UTF-8 --keyword=T:2 --keyword=N_ --add-comments=TRANSLATORS \
	--package-name=trygg --sort-by-file --no-wrap -o "$tmp/trygg.pot" \
	$(find src -name '*.c' | sort) "$tmp/templates.c"

case "${1:-check}" in
pot)
	cp "$tmp/trygg.pot" po/trygg.pot
	echo "wrote po/trygg.pot"
	;;
check)
	status=0
	for dir in po/*/; do
		lang=$(basename "$dir")
		po="$tmp/$lang.po"
		# Each module keeps its texts in its own file; a text must not be in two of them.
		if ! msgcat --use-first -o "$po" "$dir"*.po; then status=1; continue; fi
		dups=$(cat "$dir"*.po | grep -E '^msgid "[^"]' | sort | uniq -d | head -5)
		if [ -n "$dups" ]; then
			echo "messages: texts in more than one file of $dir:" >&2
			echo "$dups" >&2
			status=1
		fi
		# Every text in the code must have a translation: merge the catalogue onto
		# the extracted texts; what is left untranslated is missing.
		msgmerge --quiet --no-fuzzy-matching --no-wrap -o "$tmp/merged.po" "$po" "$tmp/trygg.pot"
		missing=$(msgattrib --untranslated --no-obsolete --no-wrap "$tmp/merged.po" | grep -E '^msgid "[^"]' || true)
		if [ -n "$missing" ]; then
			echo "messages: $dir lacks translations for $(echo "$missing" | wc -l) texts used in the code:" >&2
			echo "$missing" | head -40 >&2
			status=1
		fi
		msgfmt --check -o /dev/null "$po" || status=1
	done
	exit $status
	;;
*)
	echo "usage: scripts/messages.sh pot|check" >&2
	exit 2
	;;
esac
