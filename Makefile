# vdmirror: short wrapper around Meson. `make`, `make check`, `make demo`.
# Build folders: build/ (gcc, -Werror), build-asan/ (ASan+UBSan), build-fuzz/ (clang, libFuzzer).
SHELL := /bin/bash
FUZZ_SECONDS ?= 10

.PHONY: all deps check demo clean

all: build/build.ninja
	ninja -C build

build/build.ninja:
	meson setup build --buildtype=debugoptimized -Dwerror=true

deps:
	@scripts/install-deps

check: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/check

demo: deps all
	./lab/demo

clean:
	rm -rf build build-asan build-fuzz
