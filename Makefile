# archsim: one non-recursive Makefile.
#
#   make run        install what is missing, build, run scenarios/quickstart.yaml,
#                   write CSVs and charts under results/quickstart/
#   make test       install, build, run every unit test and the fast validation
#   make validate   the long statistical validation against queueing theory,
#                   the coverage of the intervals at rho 0.95 and p99.9, and
#                   the README's quoted results against runs (check-readme.sh)
#   make bench      speed: archsim against a minimal hand-written C loop
#   make bench-jobs the -j N part of make bench alone (JOBS_MAX=16 on a
#                   machine with 16 cores), a few minutes
#   make pgo        build/pgo/archsim, optimised with a profile of four
#                   shipped scenarios (an option; docs/PERFORMANCE.md
#                   measures it against the plain build)
#   make debug      the test suite built with address and undefined-behaviour
#                   sanitizers (also: make check-sanitize)
#   make memcheck   valgrind over the quickstart scenario
#   make fuzz       libFuzzer over the scenario loader (FUZZ_SECONDS=60)
#   make mpi        build/archsim-mpi, for mpirun -n K (installs Open MPI)
#   make docs       regenerate docs/reference.md from the kinds' parameter
#                   tables (test_cli fails when it is out of date)
#   make install    the program, its chart scripts and man page under PREFIX
#                   (/usr/local; DESTDIR for staging)
#
# Objects live under build/ (build/debug/ for sanitizer builds), with
# dependency files from -MMD -MP.  Quiet unless V=1.

CC      ?= cc
PKGS    := gsl yaml-0.1
OPT     ?= -O2
# SAN: sanitizer and debug-pool flags, set by `make debug`.  CFLAGS and
# LDFLAGS from the command line are added last.
SAN     ?=
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(OPT) -g $(WARN) $(SAN) -I. $(CFLAGS)
LDLIBS  += -lm

BUILD   ?= build
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# pkg-config runs after the dependency step has had its chance; a missing
# package then fails the build with pkg-config's own message.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

# three layers, each a folder: sim/ the engine, models/ the kinds, app/
# the program.  The command line (app/main.c, app/cmd*.c) is the
# executables' own, and so is app/mpiwork.c, compiled once for each:
# without MPI into archsim, with it into archsim-mpi.
PROG_SRC := app/main.c $(wildcard app/cmd*.c)
LIB_SRC  := $(wildcard sim/*.c) $(wildcard models/*.c) \
	    $(filter-out $(PROG_SRC) app/mpiwork.c,$(wildcard app/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
PROG_OBJ := $(PROG_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BIN      := $(BUILD)/archsim
LIBA     := $(BUILD)/libarchsim.a

SCENARIO ?= scenarios/quickstart.yaml
OUT      ?=

.PHONY: all deps run test unit layers validate bench debug check-sanitize memcheck fuzz fuzz-smoke plots images docs clean mpi install uninstall pgo bench-jobs
all: $(BIN)

deps:
	$(Q)sh scripts/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -DARCHSIM_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(PROG_OBJ) $(BUILD)/app/mpiwork.o $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIBA) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $< $(LIBA) $(CMOCKA_LIBS) $(PKG_LIBS) $(LDLIBS)

# archsim-mpi: the same program with MPI ranks as its workers
# (app/mpiwork.h): app/mpiwork.c built with Open MPI's headers and
# library; the rest is archsim's own objects.
MPI_PKG    := ompi-c
MPI_CFLAGS  = $(shell pkg-config --cflags $(MPI_PKG) 2>/dev/null)
MPI_LIBS    = $(shell pkg-config --libs $(MPI_PKG) 2>/dev/null)
MPI_BIN    := $(BUILD)/archsim-mpi

$(BUILD)/mpi/mpiwork.o: app/mpiwork.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  MPICC   $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(MPI_CFLAGS) -DARCHSIM_MPI \
	  -DARCHSIM_VERSION='"$(VERSION)"' -MMD -MP -c $< -o $@

$(MPI_BIN): $(PROG_OBJ) $(BUILD)/mpi/mpiwork.o $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(MPI_LIBS) $(LDLIBS)

mpi: deps
	$(Q)$(MAKE) --no-print-directory $(MPI_BIN)

# The dependency step runs first, then the build in a fresh make so that
# pkg-config sees what was just installed.
run: deps
	$(Q)$(MAKE) --no-print-directory $(BIN)
	$(Q)./$(BIN) run $(SCENARIO) $(if $(OUT),-o $(OUT))
	$(Q)./$(BIN) plot $(SCENARIO) $(if $(OUT),-o $(OUT))

test: deps
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory fuzz-smoke

unit: $(BIN) $(MPI_BIN) $(TEST_BIN)
	$(Q)sh scripts/check-layers.sh
	$(Q)sh scripts/run-tests.sh $(TEST_BIN)

validate: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BUILD)/tests/test_validate $(BUILD)/tests/test_coverage
	$(Q)ARCHSIM_VALIDATE=full ./$(BUILD)/tests/test_validate
	$(Q)ARCHSIM_VALIDATE=full ./$(BUILD)/tests/test_coverage
	$(Q)sh scripts/check-readme.sh ./$(BIN)
	$(Q)sh scripts/install-deps.sh chromium
	$(Q)sh scripts/check-html.sh ./$(BIN)

bench: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BUILD)/bench/mm1_loop $(BUILD)/bench/evq_hold $(BUILD)/bench/timeit
	$(Q)sh bench/run.sh

bench-jobs: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BUILD)/bench/timeit
	$(Q)sh bench/jobs.sh

$(BUILD)/bench/%: bench/%.c $(LIBA)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS) $(LDLIBS)

# the three layers and no loop of modules (scripts/check-layers.sh)
layers:
	$(Q)sh scripts/check-layers.sh

debug: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/debug OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -DSIM_DEBUG_POOLS" unit

# The sanitizer run that CI makes: the same suite as `make test`.
check-sanitize: debug

# valgrind over the quickstart scenario: no leak, no error.
memcheck: deps
	$(Q)sh scripts/install-deps.sh valgrind
	$(Q)$(MAKE) --no-print-directory $(BIN)
	$(Q)valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
	  --error-exitcode=9 ./$(BIN) run scenarios/quickstart.yaml -q -o $(BUILD)/memcheck
	@echo "memcheck: no leak, no error"

# libFuzzer harnesses: clang, with ASan and UBSan, over the library sources.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_BIN := $(BUILD)/fuzz/fuzz_scenario $(BUILD)/fuzz/fuzz_set
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard sim/*.h models/*.h app/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $<")
	$(Q)clang -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -g $(WARN) -Wno-unknown-warning-option \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. $(PKG_CFLAGS) \
	  -o $@ $< $(LIB_SRC) $(PKG_LIBS) -lm

fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BIN)
	$(Q)sh scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS)

fuzz-smoke: $(FUZZ_BIN)
	$(Q)sh scripts/fuzz.sh $(BUILD) $(FUZZ_SMOKE_SECONDS)

# The reference is what the binary prints; written whole or not at all.
docs: $(BIN)
	$(Q)./$(BIN) help --markdown > docs/reference.md.tmp
	$(Q)mv docs/reference.md.tmp docs/reference.md

# the charts of the scenario's results, and its topology when Graphviz
# is installed
plots: $(BIN)
	$(Q)./$(BIN) plot $(SCENARIO) $(if $(OUT),-o $(OUT))

# make pgo: build/pgo/archsim, built once with -fprofile-generate, run on
# the scenarios below with -j 1 (deterministic runs: the same counts, so
# the same binary, every time), then rebuilt with -fprofile-use.  Its
# outputs are the plain build's bytes; docs/PERFORMANCE.md says what it
# buys.  Not the default: it needs the training runs, and its gain is
# within this machine's noise on some runs.
PGO_TRAIN := mm1 three-tier compare-balancers cache-sizing
pgo: deps
	$(Q)rm -rf build/pgo
	$(Q)$(MAKE) --no-print-directory BUILD=build/pgo \
	  OPT="-O2 -fprofile-generate -fprofile-update=single" build/pgo/archsim
	$(Q)for s in $(PGO_TRAIN); do \
	  ./build/pgo/archsim run scenarios/$$s.yaml -q -j 1 -o build/pgo/train/$$s >/dev/null 2>&1 || exit 1; \
	done
	$(Q)find build/pgo -name '*.o' -delete; rm -f build/pgo/archsim build/pgo/libarchsim.a
	$(Q)$(MAKE) --no-print-directory BUILD=build/pgo \
	  OPT="-O2 -fprofile-use -fprofile-correction -Wno-missing-profile" build/pgo/archsim
	$(Q)rm -rf build/pgo/train

# the README's charts, from the shipped scenarios (several minutes)
images: deps
	$(Q)$(MAKE) --no-print-directory $(BIN)
	$(Q)sh scripts/images.sh ./$(BIN)

# make install [PREFIX=/usr/local] [DESTDIR=]: the program, its chart
# scripts (which archsim plot finds in PREFIX/share/archsim) and its man
# page, generated from what the program prints.
# (It builds what it installs but installs no packages: make run or make
# test does, once.)
PREFIX  ?= /usr/local
install: $(BIN)
	$(Q)test -n "$(PREFIX)" || { echo "make install: PREFIX is empty" >&2; exit 2; }
	$(Q)sh scripts/man.sh ./$(BIN) > $(BUILD)/archsim.1
	$(Q)install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/archsim/plots" \
	  "$(DESTDIR)$(PREFIX)/share/archsim/scripts" "$(DESTDIR)$(PREFIX)/share/man/man1"
	$(Q)install -m 755 $(BIN) "$(DESTDIR)$(PREFIX)/bin/archsim"
	$(Q)install -m 644 plots/*.gp "$(DESTDIR)$(PREFIX)/share/archsim/plots/"
	$(Q)install -m 644 scripts/plot.sh scripts/html.sh scripts/csv.awk "$(DESTDIR)$(PREFIX)/share/archsim/scripts/"
	$(Q)install -m 644 $(BUILD)/archsim.1 "$(DESTDIR)$(PREFIX)/share/man/man1/archsim.1"
	@echo "installed: $(DESTDIR)$(PREFIX)/bin/archsim, its charts and man page"

uninstall:
	@test -n "$(PREFIX)" || { echo "make uninstall: PREFIX is empty" >&2; exit 2; }
	rm -f "$(DESTDIR)$(PREFIX)/bin/archsim" "$(DESTDIR)$(PREFIX)/share/man/man1/archsim.1"
	rm -rf "$(DESTDIR)$(PREFIX)/share/archsim"

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
