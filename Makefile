# Install keyscope: `make install` (PREFIX=/usr/local) or `make install PREFIX=$HOME/.local`.
# A release build: the debug build `swift run` makes validates the large corpus about ten times slower.
PREFIX ?= /usr/local
BINDIR = $(DESTDIR)$(PREFIX)/bin

.PHONY: build install uninstall test

build:
	swift build -c release --product keyscope

install: build
	install -d "$(BINDIR)"
	install -m 0755 .build/release/keyscope "$(BINDIR)/keyscope"
	@echo "installed $(BINDIR)/keyscope"

uninstall:
	rm -f "$(BINDIR)/keyscope"

test:
	swift test
