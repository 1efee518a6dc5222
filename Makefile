# libkafkac build.  Conventions (so that adding a file never means editing this):
#   src/<dir>/*.c           -> the library (libkafkac.a / libkafkac.so)
#   src/cli/*.c             -> build/bin/kafkac (not in the library)
#   src/protocol/messages/*.def -> build/gen/kc_messages.{c,h} via scripts/gen_protocol.py
#   tests/unit/test_*.c     -> one cmocka binary each, built twice: plain and ASan+UBSan
#                              (and a third time with TSan if it runs threads: make tsan)
#   tests/integration/itest_*.c -> one binary each, run against a real broker
#   tests/fuzz/fuzz_*.c     -> one libFuzzer target each (clang)
#   examples/*.c            -> build/examples/<name>
#   bench/*.c               -> build/bench/<name> (linked against librdkafka where named bench_rdkafka*)

# GNU make 4.0 or newer: the rules use nothing newer than 4.0 (the
# generator's stamp below replaces 4.3's grouped targets).  Older makes
# are not tried, so they are refused here in words rather than by some
# rule failing later.
ifneq ($(firstword $(sort $(MAKE_VERSION) 4.0)),4.0)
$(error GNU make 4.0 or newer is needed (this is $(MAKE_VERSION)))
endif

CC       ?= cc
PYTHON   ?= python3
# Install locations, as packagers set them (LIBDIR for multiarch, e.g.
# /usr/lib/x86_64-linux-gnu).  DESTDIR stages without changing the paths
# the installed .pc and CMake files name.
PREFIX   ?= /usr/local
LIBDIR   ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR   ?= $(PREFIX)/bin
DESTDIR  ?=
# The version is written once, in include/kafkac/version.h.
VERSION_PARTS := $(shell sed -n 's/^\#define KAFKAC_VERSION_\(MAJOR\|MINOR\|PATCH\) *\([0-9][0-9]*\).*/\2/p' include/kafkac/version.h)
ifneq ($(words $(VERSION_PARTS)),3)
$(error include/kafkac/version.h must define KAFKAC_VERSION_MAJOR, _MINOR and _PATCH, in that order)
endif
VERSION  := $(word 1,$(VERSION_PARTS)).$(word 2,$(VERSION_PARTS)).$(word 3,$(VERSION_PARTS))
SOMAJOR  := $(word 1,$(VERSION_PARTS))

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN     += -Werror
endif
OPT      ?= -O2 -g
# CPPFLAGS, CFLAGS and LDFLAGS from the environment or the command line are
# added after our own (so a packager's hardening flags apply), never in
# their place.
KC_CPPFLAGS := -Iinclude -Isrc -Ibuild/gen -D_GNU_SOURCE $(CPPFLAGS)
CFLAGS_L := -std=c11 $(OPT) $(WARN) -fPIC -fvisibility=hidden -pthread $(CFLAGS)
DEP_LIBS := $(LDFLAGS) -lz -llz4 -lsnappy -lzstd -lssl -lcrypto -lpthread -lm

LIB_SRC  := $(sort $(wildcard src/common/*.c src/protocol/*.c src/producer/*.c src/consumer/*.c src/admin/*.c))
GEN_DEFS := $(sort $(wildcard src/protocol/messages/*.def))
GEN_C    := build/gen/kc_messages.c
GEN_H    := build/gen/kc_messages.h
GEN_OBJ  := build/obj/gen/kc_messages.o
GEN_DEP  := $(GEN_H)
LIB_OBJ  := $(patsubst src/%.c,build/obj/%.o,$(LIB_SRC)) $(GEN_OBJ)
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
CLI_OBJ  := $(patsubst src/%.c,build/obj/%.o,$(CLI_SRC))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,build/tests/unit/%,$(UNIT_SRC))
SAN_BIN  := $(patsubst tests/unit/%.c,build/tests/unit-san/%,$(UNIT_SRC))
ITEST_SRC:= $(sort $(wildcard tests/integration/itest_*.c))
ITEST_BIN:= $(patsubst tests/integration/%.c,build/tests/integration/%,$(ITEST_SRC))
EX_SRC   := $(sort $(wildcard examples/*.c))
EX_BIN   := $(patsubst examples/%.c,build/examples/%,$(EX_SRC))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
BENCH_SRC:= $(sort $(wildcard bench/*.c))
BENCH_BIN:= $(patsubst bench/%.c,build/bench/%,$(BENCH_SRC))
TESTLIB_SRC := $(sort $(wildcard tests/common/*.c))

STATIC   := build/lib/libkafkac.a
SHARED   := build/lib/libkafkac.so.$(VERSION)
PC       := build/lib/pkgconfig/kafkac.pc

.PHONY: all lib tests check demo bench fuzz install uninstall clean unit unit-san itests gen tsan print-tsan-bin
all: lib build/bin/kafkac $(EX_BIN)
lib: $(STATIC) $(SHARED) $(PC)
gen: $(GEN_C) $(GEN_H)

# One generator run writes both files.  A stamp makes that one rule with
# any GNU make (grouped targets `&:` need 4.3, Debian oldstable has 4.2), so
# -j2 does not start two runs racing on the same outputs.  The files' own
# rule only regenerates when one was deleted behind the stamp's back.
build/gen/.stamp: scripts/gen_protocol.py scripts/kcdsl.py $(GEN_DEFS)
	@mkdir -p build/gen
	$(PYTHON) scripts/gen_protocol.py --out build/gen $(GEN_DEFS)
	@touch $@ && touch -r $@ $(GEN_C) $(GEN_H)
$(GEN_C) $(GEN_H): build/gen/.stamp
	@[ -f $@ ] || $(PYTHON) scripts/gen_protocol.py --out build/gen $(GEN_DEFS)

# Everything compiled depends on the generated header existing first.
build/obj/%.o: src/%.c $(GEN_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -MMD -MP -c $< -o $@
build/obj/gen/kc_messages.o: $(GEN_C) $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
$(SHARED): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libkafkac.so.$(SOMAJOR) -o $@ $^ $(DEP_LIBS)
	ln -sf libkafkac.so.$(VERSION) build/lib/libkafkac.so.$(SOMAJOR)
	ln -sf libkafkac.so.$(VERSION) build/lib/libkafkac.so
# @NAME@ in the .pc and CMake templates, filled from this Makefile's values.
SUBST    = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
               -e 's|@VERSION@|$(VERSION)|g' -e 's|@SOMAJOR@|$(SOMAJOR)|g'
$(PC): scripts/kafkac.pc.in Makefile include/kafkac/version.h
	@mkdir -p $(dir $@)
	$(SUBST) $< > $@

build/bin/kafkac: $(CLI_OBJ) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_L) -o $@ $(CLI_OBJ) $(STATIC) $(DEP_LIBS)

build/examples/%: examples/%.c $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -o $@ $< $(STATIC) $(DEP_LIBS)

# Unit tests see internal headers and link the static library (hidden
# visibility only limits what the shared object exports).
build/tests/unit/%: tests/unit/%.c $(STATIC) $(TESTLIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) -Itests $(CFLAGS_L) -o $@ $< $(TESTLIB_SRC) $(STATIC) -lcmocka $(DEP_LIBS)

# Sanitizer build: the whole library recompiled with ASan+UBSan.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_OBJ  := $(patsubst build/obj/%.o,build/obj-san/%.o,$(LIB_OBJ))
build/obj-san/gen/kc_messages.o: $(GEN_C) $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -O1 $(SAN_FLAGS) -c $< -o $@
build/obj-san/%.o: src/%.c $(GEN_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -O1 $(SAN_FLAGS) -MMD -MP -c $< -o $@
build/lib-san/libkafkac.a: $(SAN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
build/tests/unit-san/%: tests/unit/%.c build/lib-san/libkafkac.a $(TESTLIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) -Itests $(CFLAGS_L) -O1 $(SAN_FLAGS) -o $@ $< $(TESTLIB_SRC) build/lib-san/libkafkac.a -lcmocka $(DEP_LIBS)

# ThreadSanitizer build: the whole library recompiled with TSan, and the
# tests that run threads (tests/run.sh runs them, some only in part, with
# ITEST_FILTER).  Unit tests: those that start a client or a thread.
# Integration tests: named here; a name whose source does not exist (yet)
# is left out.
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
TSAN_OBJ := $(patsubst build/obj/%.o,build/obj-tsan/%.o,$(LIB_OBJ))
TSAN_UNIT_SRC := $(sort $(shell grep -lE 'pthread_create|kafkac_(producer|consumer|admin|client)_new' $(UNIT_SRC) /dev/null 2>/dev/null))
TSAN_ITEST_NAMES := itest_threads itest_producer itest_producer_close_race itest_group itest_transactions \
                    itest_deadlines itest_group_848
TSAN_ITEST_SRC := $(wildcard $(patsubst %,tests/integration/%.c,$(TSAN_ITEST_NAMES)))
TSAN_BIN := $(patsubst tests/unit/%.c,build/tests/unit-tsan/%,$(TSAN_UNIT_SRC)) \
            $(patsubst tests/integration/%.c,build/tests/integration-tsan/%,$(TSAN_ITEST_SRC))
build/obj-tsan/gen/kc_messages.o: $(GEN_C) $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -O1 $(TSAN_FLAGS) -c $< -o $@
build/obj-tsan/%.o: src/%.c $(GEN_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -O1 $(TSAN_FLAGS) -MMD -MP -c $< -o $@
build/lib-tsan/libkafkac.a: $(TSAN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^
build/tests/unit-tsan/%: tests/unit/%.c build/lib-tsan/libkafkac.a $(TESTLIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) -Itests $(CFLAGS_L) -O1 $(TSAN_FLAGS) -o $@ $< $(TESTLIB_SRC) build/lib-tsan/libkafkac.a -lcmocka $(DEP_LIBS)
build/tests/integration-tsan/%: tests/integration/%.c build/lib-tsan/libkafkac.a $(TESTLIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) -Itests $(CFLAGS_L) -O1 $(TSAN_FLAGS) -o $@ $< $(TESTLIB_SRC) build/lib-tsan/libkafkac.a -lcmocka $(DEP_LIBS)
$(TSAN_BIN): $(wildcard tests/common/*.h) $(wildcard tests/integration/*.h) $(wildcard tests/unit/*.h)

build/tests/integration/%: tests/integration/%.c $(STATIC) $(TESTLIB_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) -Itests $(CFLAGS_L) -o $@ $< $(TESTLIB_SRC) $(STATIC) -lcmocka $(DEP_LIBS)

# Test programs include headers of their own (tests/common, the
# integration tests' *_util.h, the fuzz targets' shared bodies): a change
# to one rebuilds them.
$(UNIT_BIN) $(SAN_BIN) $(ITEST_BIN): $(wildcard tests/common/*.h)
$(ITEST_BIN): $(wildcard tests/integration/*.h)
$(UNIT_BIN) $(SAN_BIN): $(wildcard tests/unit/*.h)
$(FUZZ_BIN): $(wildcard tests/fuzz/*.h)

# Fuzz targets need clang's libFuzzer.
FUZZ_CC  ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_LIBSRC := $(LIB_SRC) $(GEN_C)
build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIBSRC) $(GEN_DEP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(KC_CPPFLAGS) -std=c11 -pthread $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIBSRC) $(DEP_LIBS)

build/bench/bench_rdkafka%: bench/bench_rdkafka%.c
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -o $@ $< -lrdkafka $(DEP_LIBS)
# A pattern's % never matches an empty stem, so bench_rdkafka itself needs
# its own rule.
build/bench/bench_rdkafka: bench/bench_rdkafka.c
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -o $@ $< -lrdkafka $(DEP_LIBS)
$(BENCH_BIN): $(wildcard bench/*.h)
build/bench/%: bench/%.c $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(KC_CPPFLAGS) $(CFLAGS_L) -o $@ $< $(STATIC) $(DEP_LIBS)

unit: $(UNIT_BIN)
unit-san: $(SAN_BIN)
tsan: $(TSAN_BIN)
print-tsan-bin:
	@echo $(TSAN_BIN)
itests: $(ITEST_BIN)
tests: unit unit-san itests
fuzz-build: $(FUZZ_BIN)
bench-build: $(BENCH_BIN)

-include $(wildcard build/obj/*/*.d build/obj-san/*/*.d build/obj-tsan/*/*.d)

clean:
	rm -rf build

# ---- Whole-project targets; the logic lives in scripts so it can be run
# ---- and read on its own.
FUZZ_SECONDS ?= 60
.PHONY: fuzz-build bench-build check-compat layers before-stop

# Deps, WERROR build, unit (plain + sanitizers), fuzz smoke, real-broker
# integration tests, bench smoke; last line "N passed, N failed".
check:
	@tests/run.sh

# Fails when a lower layer includes a higher one: common < protocol <
# producer, consumer < admin < cli (scripts/check_layers.py says which
# include, file and line).  make check runs it as one test.
layers:
	@$(PYTHON) scripts/check_layers.py

# Before stopping work: every "not yet", TODO, FIXME and XXX in docs/,
# README.md and include/ (fails if any) and in src/ (listed only); see
# docs/CONTRIBUTING.md.
before-stop:
	@scripts/before-stop.sh

# Probe, produce and consume against old ZooKeeper-mode releases
# (0.10.0.1, 0.10.2.2, 1.1.1, 2.8.2; KAFKAC_COMPAT_VERSIONS to choose), each started
# by scripts/kafka.sh from Maven Central jars.  Not part of `make check`.
check-compat: build/bin/kafkac
	@tests/compat/run.sh

demo:
	@scripts/demo.sh

# The .pc and CMake files are written here (not copied from build/) so that
# they name the directories given to this command even if the library was
# built with others.
CMAKEDIR := $(LIBDIR)/cmake/kafkac
install: lib build/bin/kafkac
	install -d $(DESTDIR)$(INCLUDEDIR)/kafkac $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(BINDIR)
	install -m 644 include/kafkac/*.h $(DESTDIR)$(INCLUDEDIR)/kafkac/
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libkafkac.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/libkafkac.so.$(VERSION)
	ln -sf libkafkac.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libkafkac.so.$(SOMAJOR)
	ln -sf libkafkac.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libkafkac.so
	$(SUBST) scripts/kafkac.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/kafkac.pc
	$(SUBST) scripts/kafkacConfig.cmake.in > $(DESTDIR)$(CMAKEDIR)/kafkacConfig.cmake
	$(SUBST) scripts/kafkacConfigVersion.cmake.in > $(DESTDIR)$(CMAKEDIR)/kafkacConfigVersion.cmake
	install -m 755 build/bin/kafkac $(DESTDIR)$(BINDIR)/kafkac

# Removes exactly what install put there (with the same PREFIX/LIBDIR/...),
# and the directories of ours it leaves empty.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/kafkac/,$(notdir $(wildcard include/kafkac/*.h)))
	rm -f $(DESTDIR)$(LIBDIR)/libkafkac.a $(DESTDIR)$(LIBDIR)/libkafkac.so $(DESTDIR)$(LIBDIR)/libkafkac.so.$(SOMAJOR) \
	      $(DESTDIR)$(LIBDIR)/libkafkac.so.$(VERSION) $(DESTDIR)$(LIBDIR)/pkgconfig/kafkac.pc \
	      $(DESTDIR)$(CMAKEDIR)/kafkacConfig.cmake $(DESTDIR)$(CMAKEDIR)/kafkacConfigVersion.cmake \
	      $(DESTDIR)$(BINDIR)/kafkac
	-rmdir $(DESTDIR)$(INCLUDEDIR)/kafkac $(DESTDIR)$(CMAKEDIR) 2>/dev/null

# Each target for FUZZ_SECONDS.  New inputs are kept in build/fuzz-corpus/
# (the checked-in tests/fuzz/corpus/<target>/ is only read); crashes go to
# build/fuzz-artifacts/.
fuzz: fuzz-build
	@set -e; [ -n "$(FUZZ_BIN)" ] || { echo "no fuzz targets (tests/fuzz/fuzz_*.c)"; exit 0; }; \
	mkdir -p build/fuzz-artifacts; \
	for t in $(FUZZ_BIN); do \
	  n=$$(basename $$t); mkdir -p build/fuzz-corpus/$$n; \
	  c=; if [ -d tests/fuzz/corpus/$$n ]; then c=tests/fuzz/corpus/$$n; fi; \
	  echo "fuzz $$n for $(FUZZ_SECONDS) s (log: build/fuzz-corpus/$$n.log)"; \
	  if ! $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	      -artifact_prefix=build/fuzz-artifacts/$$n- build/fuzz-corpus/$$n $$c \
	      > build/fuzz-corpus/$$n.log 2>&1; then \
	    tail -n 40 build/fuzz-corpus/$$n.log; echo "fuzz $$n FAILED"; exit 1; fi; \
	  echo "  $$n: $$(sed -n 's/^stat::number_of_executed_units: *//p' build/fuzz-corpus/$$n.log) executions"; \
	done

bench: lib bench-build
	@if [ -f bench/run.sh ]; then bash bench/run.sh; else echo "bench/run.sh does not exist yet"; fi
