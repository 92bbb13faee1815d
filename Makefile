# vdmirror: short wrapper around Meson. `make`, `make check`, `make demo`.
# Build folders: build/ (gcc, -Werror), build-asan/ (ASan+UBSan), build-fuzz/ (clang, libFuzzer).
SHELL := /bin/bash
FUZZ_SECONDS ?= 20

.PHONY: all deps check check-unit check-asan check-fuzz demo clean

all: build/build.ninja
	ninja -C build

build/build.ninja:
	meson setup build --buildtype=debugoptimized -Dwerror=true

deps:
	@scripts/install-deps

check: deps
	meson setup build --buildtype=debugoptimized -Dwerror=true --reconfigure >/dev/null 2>&1 || meson setup build --buildtype=debugoptimized -Dwerror=true
	ninja -C build
	meson test -C build --print-errorlogs --num-processes 1
	$(MAKE) check-asan
	$(MAKE) check-fuzz

check-asan:
	[ -f build-asan/build.ninja ] || meson setup build-asan --buildtype=debug -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-asan --print-errorlogs --num-processes 1 --no-suite lab

check-fuzz:
	[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz --buildtype=debug -Dfuzz=true
	ninja -C build-fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) meson test -C build-fuzz --print-errorlogs --suite fuzz

demo: deps all
	./lab/demo

clean:
	rm -rf build build-asan build-fuzz
