# kv: build and install the C library for C and C++ consumers.
#
#   make build                          cargo build of target/release/libkv.so (SONAME libkv.so.MAJOR)
#                                       and target/release/libkv.a
#   make install PREFIX=/usr/local      build, then install (DESTDIR is honoured):
#       $(LIBDIR)/libkv.so.X.Y.Z            SONAME libkv.so.X, + symlinks libkv.so.X and libkv.so
#       $(LIBDIR)/libkv.a
#       $(INCLUDEDIR)/kv.h, kv.hpp          C header and header-only C++17 binding
#       $(LIBDIR)/pkgconfig/kv.pc           pkg-config --cflags --libs kv
#       $(LIBDIR)/cmake/kv/kvConfig.cmake   find_package(kv): targets kv::kv (shared), kv::kv_static
#       $(LIBDIR)/cmake/kv/kvConfigVersion.cmake
#   make install-files                  install what `make build` left, without building
#   make uninstall PREFIX=...           remove what install put there
#   make check-soname                   show the SONAME of the built library
#   make test-cpp                       bindings/cpp/run_tests.sh (C++ binding, install, consumers)
#   make parity                         scripts/parity.py (every kv_client_* in every binding)
#
# Variables: PREFIX (/usr/local), DESTDIR, LIBDIR ($(PREFIX)/lib), INCLUDEDIR ($(PREFIX)/include),
# PKGCONFIGDIR ($(LIBDIR)/pkgconfig), CMAKEDIR ($(LIBDIR)/cmake/kv), CARGO (cargo),
# CARGO_TARGET_DIR (target), LDCONFIG (ldconfig; run after installing to the live system as
# root; LDCONFIG=: skips it).
#
# The version comes from Cargo.toml. The SONAME is set at link time: `cargo rustc` passes
# -Wl,-soname to the link of the cdylib only. (RUSTFLAGS would do it too, but it would also
# rebuild every dependency and apply to build scripts.) A plain `cargo build --release`
# afterwards relinks libkv.so without the SONAME, so install always runs this build first and
# checks the SONAME of what it installs. If build.rs emits
# cargo:rustc-cdylib-link-arg=-Wl,-soname,libkv.so.MAJOR, `make build` is a plain
# `cargo build --release`.

SHELL := /bin/bash

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR ?= $(LIBDIR)/cmake/kv
CARGO ?= cargo
INSTALL ?= install
LDCONFIG ?= ldconfig
READELF ?= readelf

CARGO_TARGET_DIR ?= target
TARGET_DIR := $(if $(filter /%,$(CARGO_TARGET_DIR)),$(CARGO_TARGET_DIR),$(ROOT)/$(CARGO_TARGET_DIR))
LIBSO := $(TARGET_DIR)/release/libkv.so
LIBA := $(TARGET_DIR)/release/libkv.a

VERSION := $(shell sed -n 's/^version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' '$(ROOT)/Cargo.toml' | head -n 1)
VERSION_MAJOR := $(word 1,$(subst ., ,$(VERSION)))
VERSION_MINOR := $(word 2,$(subst ., ,$(VERSION)))
SONAME := libkv.so.$(VERSION_MAJOR)
REALNAME := libkv.so.$(VERSION)
SIZEOF_VOID_P := $(shell echo $$(( $$(getconf LONG_BIT 2>/dev/null || echo 64) / 8 )))

# Install locations as the consumers see them (without DESTDIR).
PC_LIBDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
# kvConfig.cmake finds the library and headers relative to its own directory.
REL_LIBDIR = $(shell realpath -m --relative-to='$(CMAKEDIR)' '$(LIBDIR)')
REL_INCLUDEDIR = $(shell realpath -m --relative-to='$(CMAKEDIR)' '$(INCLUDEDIR)')

D_LIBDIR = $(DESTDIR)$(LIBDIR)
D_INCLUDEDIR = $(DESTDIR)$(INCLUDEDIR)
D_PKGCONFIGDIR = $(DESTDIR)$(PKGCONFIGDIR)
D_CMAKEDIR = $(DESTDIR)$(CMAKEDIR)

SUBST = sed -e 's|@VERSION@|$(VERSION)|g' \
	-e 's|@VERSION_MAJOR@|$(VERSION_MAJOR)|g' \
	-e 's|@VERSION_MINOR@|$(VERSION_MINOR)|g' \
	-e 's|@SOVERSION@|$(VERSION_MAJOR)|g' \
	-e 's|@SIZEOF_VOID_P@|$(SIZEOF_VOID_P)|g' \
	-e 's|@PREFIX@|$(PREFIX)|g' \
	-e 's|@PC_LIBDIR@|$(PC_LIBDIR)|g' \
	-e 's|@PC_INCLUDEDIR@|$(PC_INCLUDEDIR)|g' \
	-e 's|@REL_LIBDIR@|$(REL_LIBDIR)|g' \
	-e 's|@REL_INCLUDEDIR@|$(REL_INCLUDEDIR)|g'

.PHONY: all build install install-files uninstall check-soname test-cpp parity help

all: build

help:
	@sed -n '1,/^$$/p' '$(ROOT)/Makefile' | sed 's/^# \{0,1\}//'

# When build.rs sets the SONAME itself (cargo:rustc-cdylib-link-arg=-Wl,-soname,...), every
# cargo build has it and a plain release build is enough.
SONAME_IN_BUILD_RS := $(shell grep -qs -- 'rustc-cdylib-link-arg=-Wl,-soname' '$(ROOT)/build.rs' && echo yes)
ifeq ($(SONAME_IN_BUILD_RS),yes)
CARGO_BUILD_CMD = $(CARGO) build --release
else
CARGO_BUILD_CMD = $(CARGO) rustc --release --lib --crate-type cdylib,staticlib -- -C link-arg=-Wl,-soname,$(SONAME)
endif

build:
	@test -n '$(VERSION)' || { echo 'make: could not read the version from Cargo.toml' >&2; exit 1; }
	cd '$(ROOT)' && $(CARGO_BUILD_CMD)
	@$(MAKE) --no-print-directory -f '$(ROOT)/Makefile' check-soname

# Fails unless the built libkv.so carries SONAME $(SONAME).
check-soname:
	@test -f '$(LIBSO)' || { echo "make: $(LIBSO) is missing: run make build" >&2; exit 1; }
	@soname="$$($(READELF) -d '$(LIBSO)' | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')"; \
	if [ "$$soname" != '$(SONAME)' ]; then \
		echo "make: $(LIBSO) has SONAME '$$soname', expected '$(SONAME)' (was it relinked by a plain cargo build? run make build)" >&2; \
		exit 1; \
	fi; \
	echo "$(LIBSO): SONAME $$soname"

install: build
	@$(MAKE) --no-print-directory -f '$(ROOT)/Makefile' install-files

install-files: check-soname
	@test -f '$(LIBA)' || { echo "make: $(LIBA) is missing: run make build" >&2; exit 1; }
	$(INSTALL) -d '$(D_LIBDIR)' '$(D_INCLUDEDIR)' '$(D_PKGCONFIGDIR)' '$(D_CMAKEDIR)'
	$(INSTALL) -m 0755 '$(LIBSO)' '$(D_LIBDIR)/$(REALNAME)'
	ln -sfn '$(REALNAME)' '$(D_LIBDIR)/$(SONAME)'
	ln -sfn '$(SONAME)' '$(D_LIBDIR)/libkv.so'
	$(INSTALL) -m 0644 '$(LIBA)' '$(D_LIBDIR)/libkv.a'
	$(INSTALL) -m 0644 '$(ROOT)/include/kv.h' '$(ROOT)/include/kv.hpp' '$(D_INCLUDEDIR)/'
	$(SUBST) '$(ROOT)/packaging/kv.pc.in' > '$(D_PKGCONFIGDIR)/kv.pc'
	$(SUBST) '$(ROOT)/packaging/kvConfig.cmake.in' > '$(D_CMAKEDIR)/kvConfig.cmake'
	$(SUBST) '$(ROOT)/packaging/kvConfigVersion.cmake.in' > '$(D_CMAKEDIR)/kvConfigVersion.cmake'
	chmod 0644 '$(D_PKGCONFIGDIR)/kv.pc' '$(D_CMAKEDIR)/kvConfig.cmake' '$(D_CMAKEDIR)/kvConfigVersion.cmake'
	@soname="$$($(READELF) -d '$(D_LIBDIR)/$(REALNAME)' | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')"; \
	test "$$soname" = '$(SONAME)' || { echo "make: installed $(REALNAME) has SONAME '$$soname', expected '$(SONAME)'" >&2; exit 1; }
	@if [ -z '$(DESTDIR)' ] && [ "$$(id -u)" = 0 ] && command -v $(LDCONFIG) >/dev/null 2>&1; then \
		echo "$(LDCONFIG)"; $(LDCONFIG) || true; \
	fi
	@echo "installed kv $(VERSION) in $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f '$(D_LIBDIR)/$(REALNAME)' '$(D_LIBDIR)/$(SONAME)' '$(D_LIBDIR)/libkv.so' '$(D_LIBDIR)/libkv.a'
	rm -f '$(D_INCLUDEDIR)/kv.h' '$(D_INCLUDEDIR)/kv.hpp'
	rm -f '$(D_PKGCONFIGDIR)/kv.pc'
	rm -f '$(D_CMAKEDIR)/kvConfig.cmake' '$(D_CMAKEDIR)/kvConfigVersion.cmake'
	-rmdir '$(D_CMAKEDIR)' 2>/dev/null || true
	@if [ -z '$(DESTDIR)' ] && [ "$$(id -u)" = 0 ] && command -v $(LDCONFIG) >/dev/null 2>&1; then \
		$(LDCONFIG) || true; \
	fi

test-cpp:
	bash '$(ROOT)/bindings/cpp/run_tests.sh'

parity:
	python3 '$(ROOT)/scripts/parity.py'
