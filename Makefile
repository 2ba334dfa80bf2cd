# backdrop — build the engine, convert the model files into weights/, run the tests.
#
#   make                 binary ./backdrop + every weights file ../shared/models allows
#   make test            every test (C kernels, loader, network vs golden, CLI, Python tools)
#   make CROSS=aarch64-linux-gnu-   the aarch64 binary ./backdrop-aarch64 (NEON kernels)
#   make bench           kernel and end-to-end benchmarks -> bench/results.md
#   make deps            install missing Debian packages (as root) or say which are missing
#
# Sources are found by wildcard: src/*.c is the runtime (src/main.c the CLI entry point),
# kernels/*_ref.c the scalar references, kernels/*_avx2.c / *_avx512.c / *_neon.c the SIMD
# variants, each compiled with its own ISA flags so one binary still runs on any CPU of its
# architecture. tests/test_*.c are one test program each; tests/test_*.py run with python3.

CROSS   ?=
CC      := $(CROSS)gcc
PYTHON  ?= python3
MODELS  ?= ../shared/models
SHARED  ?= ../shared
OPT     ?= -O2
CFLAGS  := -std=c11 $(OPT) -g -Wall -Wextra -Werror -fopenmp -D_POSIX_C_SOURCE=200809L \
           -Isrc -Ikernels $(EXTRA_CFLAGS)
LDFLAGS := -fopenmp $(EXTRA_LDFLAGS)
LDLIBS  := -lm

ARCH    := $(shell $(CC) -dumpmachine 2>/dev/null | cut -d- -f1)
BUILD   ?= build/$(ARCH)$(BUILD_SUFFIX)

ifeq ($(ARCH),aarch64)
  ISA_SRC := $(wildcard kernels/*_neon.c)
  BIN     ?= backdrop-aarch64
else
  ISA_SRC := $(wildcard kernels/*_avx2.c kernels/*_avx512.c)
  BIN     ?= backdrop
endif

KERNEL_SRC := $(filter-out %_avx2.c %_avx512.c %_neon.c,$(wildcard kernels/*.c)) $(ISA_SRC)
LIB_SRC    := $(filter-out src/main.c,$(wildcard src/*.c src/io/*.c src/compose/*.c)) $(KERNEL_SRC)
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libbackdrop.a
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC  := $(wildcard bench/bench_*.c)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

# Per-ISA flags: only these files may use the instructions they are named after.
$(BUILD)/%_avx2.o:   ISA_FLAGS := -mavx2 -mfma -mf16c
$(BUILD)/%_avx512.o: ISA_FLAGS := -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma -mf16c
# stb's implementation: its JPEG writer shifts bits into the sign of an int (defined by gcc
# and clang, undefined in ISO C), and stb_image 2.27's JPEG bit reader shifts by 32 or more
# on corrupt data (tests/regress/image-jpeg-bitreader-shift.jpg: garbage bits, no memory
# error), and for an empty PNG IDAT chunk it adds 0 to a NULL buffer and memcpy's 0 bytes
# to it (tests/regress/image-valid-png-empty-idat.png); UBSan would abort on those, so only
# these checks are off there (ASan, and UBSan's bounds checks, which found a real overflow
# in stb, stay on).
$(BUILD)/src/stb_impl.o: ISA_FLAGS := -fno-sanitize=shift,pointer-overflow,nonnull-attribute

# ------------------------------------------------------------------ the default models --
WEIGHTS := weights/deeplabv3_mnv2_pascal.bdw \
           weights/deeplabv3_mnv2_dm05_pascal.bdw \
           weights/deeplabv3_mnv2_dm05_pascal_quant.bdw \
           weights/deeplabv3_257_mv_gpu.bdw
SRC_deeplabv3_mnv2_pascal           := $(MODELS)/deeplabv3_mnv2_pascal_quant/deeplabv3_mnv2_pascal_quant.tflite
SRC_deeplabv3_mnv2_dm05_pascal      := $(MODELS)/deeplabv3_mnv2_dm05_pascal_trainaug/frozen_inference_graph.pb
SRC_deeplabv3_mnv2_dm05_pascal_quant := $(MODELS)/deeplabv3_mnv2_dm05_pascal_quant/deeplabv3_mnv2_dm05_pascal_quant.tflite
SRC_deeplabv3_257_mv_gpu            := $(MODELS)/deeplabv3_257_mv_gpu/deeplabv3_257_mv_gpu.tflite
TOOLS_PY := $(wildcard tools/*.py)

.PHONY: all deps deps-test weights test test-c test-py clean bench demo
.DEFAULT_GOAL := all

all: deps $(BIN) weights

deps:
	@sh tools/deps.sh build

deps-test:
	@sh tools/deps.sh test

$(BIN): $(BUILD)/src/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(CROSS)ar rcs $@ $^

$(BUILD)/%.o: %.c $(wildcard src/*.h src/io/*.h src/compose/*.h kernels/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ISA_FLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(LIB) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# Each weights file is converted from its source when that source is present; when it is
# not, the converter explains where to get the model files instead of failing the build.
weights: $(WEIGHTS)
weights/%.bdw: $(TOOLS_PY)
	@$(PYTHON) tools/convert.py --if-present "$(SRC_$*)" -o $@

tests: $(TEST_BIN)

# make test: every test program, then the Python tests; one closing line with the totals.
test: all $(TEST_BIN) $(BENCH_BIN)
	@BUILD=$(BUILD) BIN=./$(BIN) SHARED=$(SHARED) PYTHON=$(PYTHON) sh tests/run_all.sh

clean:
	rm -rf build backdrop backdrop-aarch64 backdrop-static backdrop-static-aarch64

-include bench/bench.mk
-include tests/extra.mk
-include tests/hardening.mk
