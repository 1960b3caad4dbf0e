# promptc: make run (convert the bundled sample), make test (the whole test suite).
# Both install the missing Debian packages first (apt-get, with sudo when not root).

SWIFT      ?= swift
PREFIX     ?= /usr/local
# Portable by default (x86-64 baseline). TUNE=haswell (or another -target-cpu name)
# builds the SIMD kernels for that CPU; see docs/performance.md.
TUNE       ?=
TUNEFLAGS   = $(if $(TUNE),-Xswiftc -target-cpu -Xswiftc $(TUNE) -Xcc -march=$(TUNE) -Xswiftc -DPROMPTC_FMA,)
# The Swift runtime is linked in statically: the binary runs where Swift is not
# installed, starts faster and uses less memory (docs/performance.md has the figures).
RELEASE     = $(SWIFT) build -c release --static-swift-stdlib $(TUNEFLAGS)
BIN         = .build/release/promptc

# Libraries the build links against.
DEPS       := libmpg123-dev libsndfile1-dev libmp3lame-dev libgsm1-dev libspandsp-dev libbcg729-dev libebur128-dev libfaad-dev libopencore-amrnb-dev libopus-dev libspeexdsp-dev libasound2-dev pkg-config
# Tools the packages are made and checked with (make deb, dist, deb-test).
PACKAGE_DEPS := dpkg-dev binutils man-db xz-utils
# Tools only the benchmark compares against (and generate.sh uses).
BENCH_DEPS := ffmpeg sox libsox-fmt-all mpg123 lame time bc python3 asterisk-core-sounds-en-wav
FIXTURE_DEPS := ffmpeg sox libsox-fmt-all lame espeak-ng flac vorbis-tools opus-tools asterisk-core-sounds-en-wav asterisk-core-sounds-en-gsm asterisk-core-sounds-en-g722 asterisk-core-sounds-fr-wav asterisk-core-sounds-fr-gsm asterisk-core-sounds-fr-g722

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

.PHONY: deps bench-deps package-deps fixture-deps build deb dist deb-test test test-quick test-thread test-address test-sanitize fuzz fuzz-smoke run bench install fixtures digests figures clean

deps:
	$(call apt_install,$(DEPS))

bench-deps: deps
	$(call apt_install,$(BENCH_DEPS))

package-deps:
	$(call apt_install,$(PACKAGE_DEPS))

fixture-deps:
	$(call apt_install,$(FIXTURE_DEPS))

build: deps
	$(RELEASE)

# Tests run optimized (with testability): the DSP tests push seconds of audio
# through long filters, which a debug build runs 50x slower. They build in their own
# folder, so switching between make run and make test rebuilds neither. All tests are
# Swift Testing ones: XCTest's empty run is left out, so the last line is the real total.
TESTFLAGS = -c release -Xswiftc -enable-testing --scratch-path .build-test
# make test runs the suite, then the same suite under ThreadSanitizer (the decoder
# threads, the MP3 segment workers, batch workers and the shared filter cache; about
# 4.5 minutes more on 2 cores), then every fuzz target for 10 s (about 4 minutes with
# its build), then the Debian package test (the release build, about 3 minutes: installs
# the .deb here and removes it). make test-quick runs the suite alone.
test: test-quick test-thread fuzz-smoke deb-test

test-quick: deps
	$(SWIFT) build $(TESTFLAGS) --build-tests
	$(SWIFT) test $(TESTFLAGS) --skip-build --disable-xctest

# The suite under a sanitizer, each in its own build folder. A report fails the run.
SANFLAGS = -c release -Xswiftc -enable-testing --disable-xctest
test-thread: deps
	$(SWIFT) build $(SANFLAGS:--disable-xctest=) --build-tests --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test $(SANFLAGS) --skip-build --sanitize=thread --scratch-path .build-tsan

test-address: deps
	$(SWIFT) build $(SANFLAGS:--disable-xctest=) --build-tests --sanitize=address --scratch-path .build-asan
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test $(SANFLAGS) --skip-build --sanitize=address --scratch-path .build-asan

test-sanitize: test-thread test-address

# libFuzzer over the parsers and decoders (Fuzz/): FUZZ_SECONDS per target, seeds from
# Fixtures/, corpora kept in Fuzz/.build, crashes saved in Fuzz/crashes/ (a crash fails).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = detect decode codecs mp4 webm adts amr ffmpeg install-manifest batch-manifest
FUZZFLAGS     = -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
fuzz: deps
	# Fuzz/ depends on the main package by path: without build-manifest caching SwiftPM sees
	# files added to its targets (a cached plan missed them once per new file).
	cd Fuzz && $(SWIFT) build $(FUZZFLAGS) --disable-build-manifest-caching
	Scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# A short run of every target with a fixed seed, as part of make test (CI).
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10 FUZZ_SEED=1

export FUZZ_SEED

run: build
	@mkdir -p out
	$(BIN) convert Fixtures/sample/welcome.mp3 -o out/welcome.alaw --overwrite
	@$(BIN) info out/welcome.alaw

bench: bench-deps build
	cd Benchmarks && $(SWIFT) package $(TUNEFLAGS) --allow-writing-to-directory .benchmarkBaselines benchmark --format markdown
	Scripts/bench.sh

install: build
	Scripts/stage.sh $(BIN) $(DESTDIR)$(PREFIX) plain

# Packages of the release binary (the Swift runtime linked in: the target needs no Swift).
# make deb: promptc_VERSION_ARCH.deb in dist/; make dist: promptc-VERSION-linux-ARCH.tar.gz
# in dist/ with the same binary, man page and completions. make deb-test installs the
# .deb here, runs it with the Swift toolchain hidden, and removes it (part of make test).
deb: package-deps build
	Scripts/make-deb.sh $(BIN) dist

dist: package-deps build
	Scripts/make-dist.sh $(BIN) dist

deb-test: deb
	Scripts/deb-test.sh dist/promptc_$$($(BIN) --version | cut -d' ' -f1)_$$(dpkg --print-architecture).deb

fixtures: fixture-deps build
	Fixtures/generate.sh

# Measurements printed for the README (resampler figures, MP3 fast-path variants), and
# Sources/DSP/EquirippleTables.swift written afresh to .build/ when it is stale.
figures: deps
	$(SWIFT) build $(TESTFLAGS) --build-tests
	PROMPTC_FIGURES=1 $(SWIFT) test $(TESTFLAGS) --skip-build --disable-xctest --filter 'Figures|FastPathVariants|equiripple' 2>&1 | grep -E '^(resampler|VARIANT)|✘|passed|failed'

# The output digests the test OutputDigests compares with; regenerate only for an
# intended change of output bytes, in a commit that says why.
digests: build
	Scripts/output-digests.sh $(BIN) > Fixtures/digests/outputs.txt

clean:
	rm -rf .build .build-* Benchmarks/.build Fuzz/.build out dist
