# bench.mk — `make bench` (included by the Makefile): builds the benchmark programs and the
# peers, then bench/run_bench.sh measures everything into bench/results.md.
#
#   make bench              peak FMA and int8, kernels, network end to end, peers, blur job
#   make bench RUNS=N       N timed runs per configuration (default 10; slow ones use N/2)
#   make bench KERNEL_ISAS="avx2"   only these kernel tables in the kernel benchmark
#
# bench/bench_*.c are built by `make test` too (Makefile's BENCH_BIN: library only). The
# programs here need more: peak_fma has one file per ISA with its own -m flags, and
# peer_xnnpack and peer_xnnpack_qu8 link Debian's XNNPACK (bench-only dependencies,
# `sh tools/deps.sh bench`); peak_int8 has one file per int8 instruction set.

RUNS          ?= 10
KERNEL_ISAS   ?=
OPENCV_PYTHON ?= /usr/bin/python3

PEAK_FMA_OBJ  := $(BUILD)/bench/peak_fma.o $(BUILD)/bench/peak_fma_avx2.o \
                 $(BUILD)/bench/peak_fma_avx512.o
ifeq ($(ARCH),x86_64)
  PEAK_INT8_OBJ := $(BUILD)/bench/peak_int8.o $(BUILD)/bench/peak_int8_avx2.o \
                   $(BUILD)/bench/peak_int8_avx512vnni.o
  BENCH_TOOLS := $(BUILD)/bench/peak_fma $(BUILD)/bench/peak_int8 $(BUILD)/bench/peak_mem \
                 $(BUILD)/bench/peer_xnnpack $(BUILD)/bench/peer_xnnpack_qu8
else
  PEAK_INT8_OBJ := $(BUILD)/bench/peak_int8.o $(BUILD)/bench/peak_int8_neondot.o
  BENCH_TOOLS := $(BUILD)/bench/peak_int8 $(BUILD)/bench/peak_mem
endif

.PHONY: deps-bench
deps-bench:
	@sh tools/deps.sh bench

$(PEAK_FMA_OBJ): bench/peak_fma.h bench/peak_timing.h
$(BUILD)/bench/peak_fma: $(PEAK_FMA_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^

# vpdpbusd needs -mavx512vnni (the Makefile's %_avx512.o flags do not have it)
$(BUILD)/bench/peak_int8_avx512vnni.o: ISA_FLAGS := -mavx512f -mavx512vnni
$(PEAK_INT8_OBJ): bench/peak_int8.h bench/peak_timing.h
$(BUILD)/bench/peak_int8: $(PEAK_INT8_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/bench/peak_mem: $(BUILD)/bench/peak_mem.o
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/bench/peer_xnnpack $(BUILD)/bench/peer_xnnpack_qu8: $(BUILD)/bench/peer_%: \
        bench/peer_%.c bench/peer_xnnpack_common.h bench/bench_util.h $(LIB) | deps-bench
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) -lXNNPACK -lpthreadpool -lcpuinfo $(LDLIBS)

$(BUILD)/bench/bench_kernels: bench/bench_util.h

bench: deps-bench $(BIN) weights $(BENCH_BIN) $(BENCH_TOOLS)
	@BUILD=$(BUILD) BIN=./$(BIN) SHARED=$(SHARED) RUNS=$(RUNS) PYTHON=$(PYTHON) \
	 OPENCV_PYTHON=$(OPENCV_PYTHON) KERNEL_ISAS="$(KERNEL_ISAS)" CC=$(CC) \
	 sh bench/run_bench.sh
