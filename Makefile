# backdrop — build the engine, convert the model files into weights/, run the tests.
#
#   make                 binary ./backdrop + every weights file ../shared/models allows
#   make test            every test (C kernels, loader, network vs golden, CLI, Python tools)
#   make CROSS=aarch64-linux-gnu-   the aarch64 binary ./backdrop-aarch64 (NEON kernels)
#   make bench           kernel and end-to-end benchmarks -> bench/results.md
#   make deps            install missing Debian packages (as root) or say which are missing
#
# Sources are found by wildcard, one folder per layer: src/io, src/engine, src/compose and
# kernels/ make libbackdrop.a (everything but the command line); src/cli is the command line
# (src/cli/main.c its entry point). In kernels/<family>/, <op>_ref.c is the scalar reference
# and <op>_avx2.c / _avx512.c / _neon.c the SIMD variants, each compiled with its own ISA
# flags so one binary still runs on any CPU of its architecture. tests/test_*.c are one test
# program each; tests/test_*.py run with python3, tests/test_*.sh with sh. Header
# dependencies come from the compiler (-MMD -MP, build/<arch>/**/*.d).

CROSS   ?=
CC      := $(CROSS)gcc
PYTHON  ?= python3
MODELS  ?= ../shared/models
SHARED  ?= ../shared
OPT     ?= -O2
CFLAGS  := -std=c11 $(OPT) -g -Wall -Wextra -Werror -fopenmp -D_POSIX_C_SOURCE=200809L \
           -Isrc -Ikernels -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS := -fopenmp $(EXTRA_LDFLAGS)
LDLIBS  := -lm

ARCH    := $(shell $(CC) -dumpmachine 2>/dev/null | cut -d- -f1)
BUILD   ?= build/$(ARCH)$(BUILD_SUFFIX)

ALL_KERNEL_SRC := $(wildcard kernels/*.c kernels/*/*.c)
ifeq ($(ARCH),aarch64)
  ISA_SRC := $(filter %_neon.c,$(ALL_KERNEL_SRC))
  BIN     ?= backdrop-aarch64
else
  ISA_SRC := $(filter %_avx2.c %_avx512.c,$(ALL_KERNEL_SRC))
  BIN     ?= backdrop
endif

KERNEL_SRC := $(filter-out %_avx2.c %_avx512.c %_neon.c,$(ALL_KERNEL_SRC)) $(ISA_SRC)
LIB_SRC    := $(wildcard src/io/*.c src/engine/*.c src/compose/*.c) $(KERNEL_SRC)
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB        := $(BUILD)/libbackdrop.a
CLI_SRC    := $(filter-out src/cli/main.c,$(wildcard src/cli/*.c))
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o)
CLI_LIB    := $(BUILD)/libbackdrop_cli.a
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC  := $(wildcard bench/bench_*.c)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
DEPS       := $(wildcard $(BUILD)/src/*/*.d $(BUILD)/kernels/*.d $(BUILD)/kernels/*/*.d \
                         $(BUILD)/tests/*.d $(BUILD)/bench/*.d)

# Per-ISA flags: only these files may use the instructions they are named after.
$(BUILD)/%_avx2.o:   ISA_FLAGS := -mavx2 -mfma -mf16c
$(BUILD)/%_avx512.o: ISA_FLAGS := -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma -mf16c
# the int8 AVX-512 kernels use vpdpbusd (their table is chosen only where cpuid has VNNI)
$(BUILD)/kernels/qu8-%_avx512.o: ISA_FLAGS := -mavx512f -mavx512dq -mavx512bw -mavx512vl \
                                            -mavx512vnni -mavx2 -mfma -mf16c
# stb's implementation: its JPEG writer shifts bits into the sign of an int (defined by gcc
# and clang, undefined in ISO C), and stb_image 2.27's JPEG bit reader shifts by 32 or more
# on corrupt data (tests/regress/image-jpeg-bitreader-shift.jpg: garbage bits, no memory
# error), and for an empty PNG IDAT chunk it adds 0 to a NULL buffer and memcpy's 0 bytes
# to it (tests/regress/image-valid-png-empty-idat.png); UBSan would abort on those, so only
# these checks are off there (ASan, and UBSan's bounds checks, which found a real overflow
# in stb, stay on).
$(BUILD)/src/io/stb_impl.o: ISA_FLAGS := -fno-sanitize=shift,pointer-overflow,nonnull-attribute

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

.PHONY: all deps deps-test weights test tests clean bench demo layering
.DEFAULT_GOAL := all

all: deps $(BIN) weights

deps:
	@sh tools/deps.sh build

deps-test:
	@sh tools/deps.sh test

# EMBED=weights/X.bdw links that weights file into the binary (tests/hardening.mk)
EMBED_OBJ := $(if $(EMBED),$(BUILD)/embed/weights.o)
$(BIN): $(BUILD)/src/cli/main.o $(CLI_LIB) $(LIB) $(EMBED_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(CROSS)ar rcs $@ $^

# Where `make install` puts the weights: compiled into the command line's model search
# (src/cli/model_path.c). A stamp file rebuilds it when PREFIX changes.
PREFIX  ?= /usr/local
DATADIR ?= $(PREFIX)/share/backdrop
DATADIR_STAMP := $(BUILD)/datadir.txt
$(shell mkdir -p $(BUILD) && { echo '$(DATADIR)' | cmp -s - $(DATADIR_STAMP) || echo '$(DATADIR)' > $(DATADIR_STAMP); })
$(BUILD)/src/cli/model_path.o: $(DATADIR_STAMP)
$(BUILD)/src/cli/model_path.o: ISA_FLAGS := -DBD_DATADIR='"$(DATADIR)"'

# the subcommands, apart from the library, so the tests can link them too
$(CLI_LIB): $(CLI_OBJ)
	@rm -f $@
	$(CROSS)ar rcs $@ $^

# The packages come first (order-only: `make -j` must not compile before stb is there).
$(BUILD)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ISA_FLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(CLI_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(CLI_LIB) $(LIB) $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS)

# Each weights file is converted from its source when that source is present; when it is
# not, the converter explains where to get the model files instead of failing the build.
weights: $(WEIGHTS)
weights/%.bdw: $(TOOLS_PY)
	@$(PYTHON) tools/convert.py --if-present "$(SRC_$*)" -o $@

tests: $(TEST_BIN)

# make test: the test packages first (installed as root, else named and the run fails), then
# every test program, the Python and shell tests; one closing line with the totals.
test: deps-test all $(TEST_BIN) $(BENCH_BIN)
	@BUILD=$(BUILD) BIN=./$(BIN) SHARED=$(SHARED) PYTHON=$(PYTHON) sh tests/run_all.sh

# No source file includes a header of a layer above its own (tests/check_layering.sh).
layering:
	@sh tests/check_layering.sh

clean:
	rm -rf build backdrop backdrop-aarch64 backdrop-static backdrop-static-aarch64

-include $(DEPS)
-include bench/bench.mk
-include tests/extra.mk
-include tests/hardening.mk
include tools/install.mk
