# hardening.mk — static binaries, the sanitizer run and the fuzzers (included by the Makefile).
#
#   make static                          ./backdrop-static: static, stripped, -O2, gc-sections
#   make static CROSS=aarch64-linux-gnu- ./backdrop-static-aarch64 the same way
#   make static EMBED=weights/X.bdw      the same with that weights file inside (no file
#                                        needed at run time; also with CROSS=...)
#   make sanitize                        the whole test suite built with ASan + UBSan
#   make fuzz [FUZZ_SECONDS=60]          each libFuzzer target for FUZZ_SECONDS seconds
#
# Each uses its own build directory, so none disturbs the ordinary build.

.PHONY: static sanitize san-build fuzz fuzz-build fuzz-seeds

# ------------------------------------------------------------------ static binaries ------
STATIC_BIN   := $(if $(CROSS),backdrop-static-$(ARCH),backdrop-static)
STATIC_BUILD := build/static-$(ARCH)
# aarch64-linux-gnu-gcc does not search /usr/include, where libstb-dev puts stb/: give it
# that one directory (through a symlink) rather than all of the host's headers.
STATIC_STB   := $(if $(CROSS),-idirafter $(STATIC_BUILD)/stbinc)

static:
	@mkdir -p $(STATIC_BUILD)/stbinc && ln -sfn /usr/include/stb $(STATIC_BUILD)/stbinc/stb
	@[ -z "$(EMBED)" ] || [ -f "$(EMBED)" ] || { echo "static: EMBED=$(EMBED): no such file (run make weights)" >&2; exit 1; }
	@rm -f $(STATIC_BIN)    # with or without EMBED: link again
	@$(MAKE) --no-print-directory CROSS=$(CROSS) BUILD=$(STATIC_BUILD) BIN=$(STATIC_BIN) \
	    EMBED=$(EMBED) \
	    OPT=-O2 \
	    EXTRA_CFLAGS="-ffunction-sections -fdata-sections $(STATIC_STB)" \
	    EXTRA_LDFLAGS="-static -s -Wl,--gc-sections" $(STATIC_BIN)
	@ls -l $(STATIC_BIN) | awk '{print "static: " $$NF " " $$5 " bytes"}'

# The embedded weights: an object that holds the file (.incbin), 64-byte aligned like a
# mapped file, between bd_embedded_weights and bd_embedded_weights_end, with its name in
# bd_embedded_weights_name (src/cli/embedded.c). Rebuilt when the file or its name changes.
EMBED_STAMP := $(BUILD)/embed/name.txt
ifneq ($(EMBED),)
$(shell mkdir -p $(BUILD)/embed && { echo '$(abspath $(EMBED))' | cmp -s - $(EMBED_STAMP) || echo '$(abspath $(EMBED))' > $(EMBED_STAMP); })
endif
$(BUILD)/embed/weights.o: $(EMBED) $(EMBED_STAMP)
	@mkdir -p $(dir $@)
	@printf '%s\n' '.section .rodata.bd_embedded_weights,"a"' '.balign 64' \
	    '.globl bd_embedded_weights' 'bd_embedded_weights:' '.incbin "$(abspath $(EMBED))"' \
	    '.globl bd_embedded_weights_end' 'bd_embedded_weights_end:' \
	    '.globl bd_embedded_weights_name' 'bd_embedded_weights_name:' \
	    '.asciz "$(notdir $(EMBED))"' '.section .note.GNU-stack,"",%progbits' >$(BUILD)/embed/weights.S
	$(CC) -c -o $@ $(BUILD)/embed/weights.S

# ------------------------------------------------------------------ sanitizers -----------
# The whole suite (tests/run_all.sh, as `make test` runs it) against an ASan + UBSan build:
# any UB aborts (no recover), leaks fail the program (LeakSanitizer). The golden test takes
# a subset of the images (SAN_GOLDEN_IMAGES). BD_SANITIZER_PASS=1 tells the tests that run
# emulated binaries (test_neon, test_avx512, test_static_arm: cross or static builds of
# their own, never instrumented) to skip: they would repeat `make test` exactly. Warnings do not fail this build: the ordinary
# one polices them, and gcc's value-range warnings (format-truncation, ...) give false
# positives on instrumented code.
SAN_GOLDEN_IMAGES ?= small_rose_70x46,person_astronaut
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# No LeakSanitizer suppressions: libgomp's thread pool is not reported (checked), and a
# pattern matching libgomp frames would hide leaks made inside our own parallel regions.
SAN_ENV   := ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1 \
             UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
             BACKDROP_GOLDEN_IMAGES=$(SAN_GOLDEN_IMAGES) BD_SANITIZER_PASS=1

# Built by a sub-make; the suite then runs outside make, so tests that call make themselves
# (the cross build of test_neon, ...) do not inherit the sanitizer flags through MAKEFLAGS.
SAN_BUILD := build/sanitize
sanitize:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) BIN=$(SAN_BUILD)/backdrop \
	    EXTRA_CFLAGS="$(SAN_FLAGS) -Wno-error" EXTRA_LDFLAGS="$(SAN_FLAGS)" san-build
	@env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS $(SAN_ENV) BUILD=$(SAN_BUILD) \
	    BIN=./$(SAN_BUILD)/backdrop SHARED=$(SHARED) PYTHON=$(PYTHON) sh tests/run_all.sh

san-build: all $(TEST_BIN) $(BENCH_BIN)

# (stb's shifts, see the Makefile: src/stb_impl.o is built without UBSan's shift checks.)

# ------------------------------------------------------------------ fuzzing --------------
# libFuzzer targets tests/fuzz/fuzz_*.c, the library built with clang and instrumented. Seeds
# are made at fuzz time from ../shared images and the converted weights (tests/fuzz/
# make_seeds.c, tests/fuzz/cli_seeds.sh) into fuzz/ (gitignored), where the growing corpora
# and any crash artifacts also go. A crash fails `make fuzz`: minimise it, keep it as
# tests/regress/<target>-<name> and tests/test_regress.c replays it in `make test`.
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_DIR     := fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# Lower image limits (4 MP, 8192 a side) in the fuzz build: a 156-byte TGA may legally
# claim 56 MP, and decoding that under ASan takes 40 s; the limit checks are still fuzzed.
FUZZ_DEFS    := -DBD_IMAGE_MAX_DIM=8192 -DBD_IMAGE_MAX_PIXELS=4000000LL
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
FUZZ_MAXLEN_fuzz_weights := 65536
FUZZ_MAXLEN_fuzz_image   := 32768
FUZZ_MAXLEN_fuzz_cli     := 512
FUZZ_FLAGS_fuzz_cli      := -close_fd_mask=3

# (the command-line fuzzer calls the subcommands: the CLI's archive comes first)
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libbackdrop_cli.a $(FUZZ_BUILD)/libbackdrop.a \
                      $(wildcard tests/*.h)
	clang -std=c11 -O1 -g $(FUZZ_SAN) $(FUZZ_DEFS) -fsanitize=fuzzer -fopenmp -D_POSIX_C_SOURCE=200809L \
	    -Isrc -Ikernels -Itests -o $@ $< $(FUZZ_BUILD)/libbackdrop_cli.a $(FUZZ_BUILD)/libbackdrop.a -lm

$(BUILD)/fuzz/make_seeds: tests/fuzz/make_seeds.c $(LIB) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# (clang's warnings differ from gcc's, which the ordinary build enforces: not fatal here)
fuzz-build:
	@$(MAKE) --no-print-directory CC=clang BUILD=$(FUZZ_BUILD) OPT=-O1 \
	    EXTRA_CFLAGS="$(FUZZ_SAN) $(FUZZ_DEFS) -fsanitize=fuzzer-no-link -Wno-error -Wno-pass-failed" \
	    $(FUZZ_BINS)

fuzz-seeds: $(BUILD)/fuzz/make_seeds
	@rm -rf $(FUZZ_DIR)/seeds && mkdir -p $(FUZZ_DIR)/seeds
	@$(BUILD)/fuzz/make_seeds $(FUZZ_DIR)/seeds --weights $(wildcard weights/*.bdw) \
	    --images $(wildcard $(SHARED)/images/*.png $(SHARED)/images/*.jpg)
	@sh tests/fuzz/cli_seeds.sh $(FUZZ_DIR)/seeds/cli

# Each target for FUZZ_SECONDS on one core, OpenMP single-threaded; prints the executions.
fuzz: fuzz-build fuzz-seeds
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:fuzz_%=fuzz-run-%)

fuzz-run-%:
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/crashes
	@OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1 $(FUZZ_BUILD)/fuzz_$* \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2560 \
	    -max_len=$(FUZZ_MAXLEN_fuzz_$*) -print_final_stats=1 $(FUZZ_FLAGS_fuzz_$*) \
	    $(if $(wildcard tests/fuzz/$*.dict),-dict=tests/fuzz/$*.dict) \
	    -artifact_prefix=$(FUZZ_DIR)/crashes/$*- \
	    $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/seeds/$* >$(FUZZ_DIR)/$*.log 2>&1 || { \
	    tail -n 40 $(FUZZ_DIR)/$*.log; echo "fuzz: fuzz_$* FAILED (log: $(FUZZ_DIR)/$*.log)"; \
	    exit 1; }
	@echo "fuzz: fuzz_$* $$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    $(FUZZ_DIR)/$*.log) executions in $(FUZZ_SECONDS) s, corpus \
	    $$(ls $(FUZZ_DIR)/corpus/$* | wc -l) files, no crash"

# The regression test compiles the fuzz targets in: rebuild it when they change.
$(BUILD)/tests/test_regress: $(wildcard tests/fuzz/fuzz_*.c)
