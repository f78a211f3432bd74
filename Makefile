# Install keyscope: `make install` (PREFIX=/usr/local) or `make install PREFIX=$HOME/.local`.
# A release build: the debug build `swift run` makes validates the large corpus about ten times slower.
PREFIX ?= /usr/local
BINDIR = $(DESTDIR)$(PREFIX)/bin

.PHONY: build build-serve install install-serve uninstall test

build:
	swift build -c release --product keyscope

# keyscope-serve (run as `keyscope serve`) builds SwiftNIO: a separate target, so that
# `make install` of the command-line tool stays quick.
build-serve:
	swift build -c release --product keyscope-serve

install: build
	install -d "$(BINDIR)"
	install -m 0755 .build/release/keyscope "$(BINDIR)/keyscope"
	@echo "installed $(BINDIR)/keyscope"

install-serve: build-serve
	install -d "$(BINDIR)"
	install -m 0755 .build/release/keyscope-serve "$(BINDIR)/keyscope-serve"
	@echo "installed $(BINDIR)/keyscope-serve"

uninstall:
	rm -f "$(BINDIR)/keyscope" "$(BINDIR)/keyscope-serve"

test:
	swift test
