# kvctl — every target installs what it needs first (Debian/Ubuntu: apt-get), then builds with SwiftPM.
SHELL := /bin/bash
PREFIX ?= /usr/local
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PATH := $(PATH):/opt/swift/usr/bin
RELEASE := .build/release/kvctl

.PHONY: deps build release test demo bench install uninstall clean

# libgit2 through pkg-config for the build; git and python3 for test fixtures and benchmarks.
deps:
	@if ! command -v pkg-config >/dev/null || ! pkg-config --exists libgit2 || ! command -v git >/dev/null \
	    || ! command -v python3 >/dev/null; then \
	  echo "make: installing libgit2-dev pkg-config git python3"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libgit2-dev pkg-config git python3; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "make: Swift 6 is required (https://swift.org/install)"; exit 1; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product kvctl

# The CLI tests run the built binary, so build it before the suite.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

demo: release
	bash scripts/demo.sh $(RELEASE)

bench: release
	python3 bench/bench.py --kvctl $(RELEASE)

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(RELEASE) $(DESTDIR)$(PREFIX)/bin/kvctl
	$(RELEASE) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/kvctl
	$(RELEASE) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_kvctl
	$(RELEASE) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/kvctl.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/kvctl $(DESTDIR)$(PREFIX)/share/bash-completion/completions/kvctl \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_kvctl $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/kvctl.fish

clean:
	rm -rf .build bench/work
