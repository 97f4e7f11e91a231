# Trygg — build, run and test. See README.md.
#   make run    install what is missing (as root), build, create var/trygg.db with demo data, serve
#   make test   build and run every test (unit, HTTP on SQLite and PostgreSQL, browser), sanitized too
#   make fuzz   build the libFuzzer targets in build/fuzz/

CC      ?= cc
PKGS    := libmicrohttpd sqlite3 libpq jansson libsodium libcurl libcmark
# libvips only for the photo helper build/trygg-photo: trygg itself never decodes an image.
VIPS_CFLAGS = $(shell pkg-config --cflags vips 2>/dev/null)
VIPS_LIBS   = $(shell pkg-config --libs vips 2>/dev/null) -lm
CSTD    := -std=c17 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -Isrc $(PKG_CFLAGS) -MMD -MP
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

LIB_SRCS  := $(shell find src -name '*.c' ! -path src/main.c ! -path 'src/photo_helper/*' | sort)
UNIT_SRCS := $(shell find tests/unit -name '*.c' 2>/dev/null | sort)
FUZZ_SRCS := $(wildcard fuzz/*.c)

OBJ      := $(LIB_SRCS:src/%.c=build/obj/%.o)
ASAN_OBJ := $(LIB_SRCS:src/%.c=build/asan/obj/%.o)
UNIT_BINS      := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)
UNIT_ASAN_BINS := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)
# Translations: po/LANG/*.po (one file per module, so modules do not collide) make build/locale/LANG.mo.
PO_LANGS := $(notdir $(wildcard po/*))
MO_FILES := $(patsubst %,build/locale/%.mo,$(filter-out trygg.pot,$(PO_LANGS)))

.SECONDEXPANSION:
.PHONY: all run test deps build fuzz clean check-banned bench demo-db unit pot

all: build

deps:
	@sh scripts/install-deps.sh

build: build/trygg build/asan/trygg build/trygg-photo build/asan/trygg-photo $(MO_FILES)

build/trygg: build/obj/main.o $(OBJ)
	$(CC) -o $@ $^ $(PKG_LIBS)

build/asan/trygg: build/asan/obj/main.o $(ASAN_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

# The photo helper: its own main, libvips, and nothing of the server.
build/trygg-photo: src/photo_helper/trygg_photo.c src/core/photo_proc.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -Isrc $(VIPS_CFLAGS) -o $@ $< $(VIPS_LIBS)

build/asan/trygg-photo: src/photo_helper/trygg_photo.c src/core/photo_proc.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(ASAN_FLAGS) -Isrc $(VIPS_CFLAGS) -o $@ $< $(VIPS_LIBS)

build/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DTRYGG_VERSION='"$(VERSION)"' -c -o $@ $<

build/asan/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(ASAN_FLAGS) -Isrc $(PKG_CFLAGS) -MMD -MP -DTRYGG_VERSION='"$(VERSION)"' -c -o $@ $<

# The library objects as archives, so that a unit test links only what it uses.
build/libtrygg.a: $(OBJ)
	@rm -f $@
	ar rcs $@ $^

build/asan/libtrygg.a: $(ASAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Unit tests: one cmocka program per file under tests/unit/, linked with the library.
build/tests/%: tests/unit/%.c build/libtrygg.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< build/libtrygg.a $(PKG_LIBS) -lcmocka

build/asan/tests/%: tests/unit/%.c build/asan/libtrygg.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(ASAN_FLAGS) -Isrc $(PKG_CFLAGS) -o $@ $< build/asan/libtrygg.a $(PKG_LIBS) -lcmocka

unit: $(UNIT_BINS) $(UNIT_ASAN_BINS)

build/locale/%.mo: $$(wildcard po/%/*.po)
	@mkdir -p $(dir $@)
	msgcat --use-first $^ | msgfmt --check -o $@ -

# Fails the build when a banned string function appears in src/ (see STYLE.md).
check-banned:
	@sh scripts/check-banned.sh

run: deps
	@$(MAKE) --no-print-directory -j$$(nproc) build/trygg build/trygg-photo $(MO_FILES)
	@mkdir -p var
	./build/trygg migrate --database sqlite:var/trygg.db
	@if [ ! -f var/.demo-loaded ]; then ./build/trygg demo --database sqlite:var/trygg.db && touch var/.demo-loaded; fi
	./build/trygg serve --database sqlite:var/trygg.db --listen 127.0.0.1:8080

test: deps
	@$(MAKE) --no-print-directory check-banned
	@sh scripts/messages.sh check
	@$(MAKE) --no-print-directory -j2 build unit
	@bash tests/run.sh

fuzz:
	@mkdir -p build/fuzz
	@for f in $(FUZZ_SRCS); do \
		n=$$(basename $$f .c); \
		echo "clang fuzz/$$n.c"; \
		clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined -Isrc $(PKG_CFLAGS) -o build/fuzz/$$n $$f \
			$(filter-out src/main.c,$(LIB_SRCS)) $(PKG_LIBS) || exit 1; \
	done

bench: build/trygg build/trygg-photo $(MO_FILES)
	@bash bench/run.sh
	@bash bench/reports.sh

clean:
	rm -rf build

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d) build/obj/main.d build/asan/obj/main.d
