# bench.mk — `make bench` (included by the Makefile): builds the benchmark programs and the
# peers, then bench/run_bench.sh measures everything into bench/results.md.
#
#   make bench              peak FMA, kernels, network end to end, peers, blur job
#   make bench RUNS=N       N timed runs per configuration (default 10; slow ones use N/2)
#   make bench KERNEL_ISAS="avx2"   only these kernel tables in the kernel benchmark
#
# bench/bench_*.c are built by `make test` too (Makefile's BENCH_BIN: library only). The
# programs here need more: peak_fma has one file per ISA with its own -m flags, and
# peer_xnnpack links Debian's XNNPACK (bench-only dependencies, `sh tools/deps.sh bench`).

RUNS          ?= 10
KERNEL_ISAS   ?=
OPENCV_PYTHON ?= /usr/bin/python3

PEAK_FMA_OBJ  := $(BUILD)/bench/peak_fma.o $(BUILD)/bench/peak_fma_avx2.o \
                 $(BUILD)/bench/peak_fma_avx512.o
ifeq ($(ARCH),x86_64)
  BENCH_TOOLS := $(BUILD)/bench/peak_fma $(BUILD)/bench/peak_mem $(BUILD)/bench/peer_xnnpack \
                 $(BUILD)/bench/peer_xnnpack_qu8
else
  BENCH_TOOLS := $(BUILD)/bench/peak_mem
endif

.PHONY: deps-bench
deps-bench:
	@sh tools/deps.sh bench

$(PEAK_FMA_OBJ): bench/peak_fma.h
$(BUILD)/bench/peak_fma: $(PEAK_FMA_OBJ)
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
