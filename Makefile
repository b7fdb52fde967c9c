# cordon — build of libcordon (core/), the cordon helper binary and the unit tests.
# ./build.sh installs the Debian packages and calls this; `make help` lists targets.

CC      ?= cc
BUILD   ?= build
PKGS    := libseccomp libnl-3.0 libnl-route-3.0 libcares libnftnl libmnl
# Opened with dlopen on first use, not linked (core/src/dl/dl.h): start-up needs none of them. Their
# headers come from pkg-config; the SONAME each is opened by is the one its development link
# (libNAME.so in pkg-config's libdir) names, as the linker would have recorded it.
DL_PKGS := ldns libssl libcrypto gnutls nettle
soname   = $(shell objdump -p $(shell pkg-config --variable=libdir $(1))/lib$(2).so 2>/dev/null | \
             awk '$$1 == "SONAME" { print $$2 }')
DL_SONAMES := GNUTLS=$(call soname,gnutls,gnutls) SSL=$(call soname,libssl,ssl) \
              LDNS=$(call soname,ldns,ldns) NETTLE=$(call soname,nettle,nettle)
$(foreach d,$(DL_SONAMES),$(if $(word 2,$(subst =, ,$(d))),,$(error no SONAME for $(d) (objdump, pkg-config))))
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu17 -Wall -Wextra -Werror -fPIC -D_GNU_SOURCE -Icore/include \
           -iquote core/src -iquote helper \
           $(shell pkg-config --cflags $(PKGS) $(DL_PKGS)) \
           $(foreach d,$(DL_SONAMES),-DCORDON_SONAME_$(word 1,$(subst =, ,$(d)))='"$(word 2,$(subst =, ,$(d)))"')
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lhttp_parser
# The unit tests and test tools that build packets or hellos with these libraries themselves.
DL_LDLIBS := $(shell pkg-config --libs $(DL_PKGS))
# The files opened, for packaging (debian/rules: no longer NEEDED, so no shlibs dependency).
DL_FILES := $(foreach p,gnutls:gnutls libssl:ssl ldns:ldns nettle:nettle,\
              $(shell pkg-config --variable=libdir $(word 1,$(subst :, ,$(p))))/$(call soname,$(word 1,$(subst :, ,$(p))),$(word 2,$(subst :, ,$(p)))))
# Extra compile-and-link flags (sanitizers); appended last, so its -O wins. Set by `make sanitize`.
SANFLAGS ?=
CFLAGS  += $(SANFLAGS)
LDFLAGS += $(SANFLAGS)

# core/src/*.c and its family folders (core/src/proxy/, guard/, …); the helper's cli/ and serve/.
CORE_SRC   := $(sort $(wildcard core/src/*.c core/src/*/*.c))
CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/%.o)
HELPER_SRC := $(sort $(wildcard helper/cli/*.c helper/serve/*.c))
HELPER_OBJ := $(HELPER_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC   := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN   := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)

BASH_INC   := -isystem /usr/include/bash -isystem /usr/include/bash/include \
              -isystem /usr/include/bash/builtins -DHAVE_CONFIG_H -DSHELL
BUILTIN_SO := $(BUILD)/bash-builtin/sandbox.so

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang (Debian: clang, libclang-rt-dev) into
# $(BUILD)/fuzz; not part of `all`. `make fuzz-run FUZZ_SECONDS=60` runs each for that long.
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 60
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
# Only the parsers under test and what they call: the archive needs no other module.
FUZZ_CORE    := error dedup hostpat json policy policy_cover policy_dedup policy_git config proxy/proxy_http proxy/proxy_socks5 strbuf \
                vlog tls_sni dns_stub dns_pool ports git/git_policy git/git_pktline dl/dl dl/dl_ssl \
                dl/dl_ldns
FUZZ_OBJ     := $(FUZZ_CORE:%=$(BUILD)/fuzz/obj/core/src/%.o)

# The zsh module (Debian package zsh-dev: headers under /usr/include/zsh). `zmodload cordon/sandbox`
# looks for cordon/sandbox.so under $module_path, hence the directory layout. Built by `all` only
# where the headers are installed (build.sh installs zsh-dev).
ZSH_INC    := -DMODULE
ZSH_MOD_SO := $(BUILD)/zsh-module/cordon/sandbox.so
ZSH_DEV    := $(wildcard /usr/include/zsh/zsh.mdh)

# The init files of `cordon shell` (helper/cli/shell/), where the helper finds them beside
# itself: $(BUILD)/share/cordon/shell in the build tree, PREFIX/share/cordon/shell installed.
SHELL_INIT_SRC := helper/cli/shell/cordon-shell.bash helper/cli/shell/zdotdir/.zshenv
SHELL_INIT     := $(SHELL_INIT_SRC:helper/cli/shell/%=$(BUILD)/share/cordon/shell/%)

# Man pages cordon(1), sandbox(1) and cordon.json(5), from docs/man/*.scd with scdoc (Debian
# package scdoc; build.sh installs it). Built by `all` where scdoc is installed.
SCDOC    ?= scdoc
MAN_SRC  := $(sort $(wildcard docs/man/*.scd))
MAN      := $(MAN_SRC:docs/man/%.scd=$(BUILD)/man/%)
HAVE_SCDOC := $(shell command -v $(SCDOC) 2>/dev/null)

# The Neovim help tags, so that `:help cordon` works as soon as nvim-plugin/ is on the runtime
# path, without :helptags (which would write into the plugin's directory at run time).
NVIM_TAGS := nvim-plugin/doc/tags

.PHONY: print-dl-files all lib helper unit tools bash-builtin zsh-module shell-init man nvim-tags install \
	uninstall clean help fuzz fuzz-run sanitize
all: lib helper unit tools bash-builtin $(if $(ZSH_DEV),zsh-module) shell-init nvim-tags \
	$(if $(HAVE_SCDOC),man)

lib: $(BUILD)/libcordon.a
# print-dl-files: the libraries opened on first use, one path a line (debian/rules).
print-dl-files:
	@printf '%s\n' $(DL_FILES)
helper: $(BUILD)/cordon
unit: $(UNIT_BIN)
tools: $(TOOL_BIN)
bash-builtin: $(BUILTIN_SO)
zsh-module: $(ZSH_MOD_SO)
shell-init: $(SHELL_INIT)
man: $(MAN)
nvim-tags: $(NVIM_TAGS)

$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	$(SCDOC) <$< >$@.tmp && mv $@.tmp $@

$(NVIM_TAGS): nvim-plugin/doc/cordon.txt build-aux/helptags.awk
	LC_ALL=C awk -f build-aux/helptags.awk nvim-plugin/doc/cordon.txt | LC_ALL=C sort -u >$@.tmp
	mv $@.tmp $@

$(BUILD)/share/cordon/shell/%: helper/cli/shell/%
	@mkdir -p $(dir $@)
	install -m 644 $< $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcordon.a: $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# -z now: every symbol is bound once, at exec, before the helper forks its session, builder,
# reaper and guard worker; with lazy binding each of them resolved (and copied the pages of) the
# same symbols again at its first calls.
$(BUILD)/cordon: $(HELPER_OBJ) $(BUILD)/libcordon.a
	$(CC) $(LDFLAGS) -Wl,-z,relro -Wl,-z,now -o $@ $(HELPER_OBJ) $(BUILD)/libcordon.a $(LDLIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libcordon.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libcordon.a $(LDLIBS) $(DL_LDLIBS) -lcmocka

# test_dl checks the loader itself, so the libraries it opens are not linked into it.
$(BUILD)/tests/test_dl: tests/unit/test_dl.c $(BUILD)/libcordon.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libcordon.a $(LDLIBS) -lcmocka

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libcordon.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libcordon.a $(LDLIBS) $(DL_LDLIBS)

# The bash loadable builtin (Debian package bash-builtins: headers under /usr/include/bash).
# libcordon.a is built with -fPIC, so it links into the shared object; -z now makes a missing
# symbol fail `enable -f` at load instead of killing the shell at the first call.
$(BUILD)/bash-builtin/sandbox.o: bash-builtin/sandbox.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(BASH_INC) -MMD -MP -c $< -o $@

$(BUILTIN_SO): $(BUILD)/bash-builtin/sandbox.o $(BUILD)/libcordon.a
	$(CC) $(LDFLAGS) -shared -Wl,-soname,sandbox.so -Wl,-z,relro -Wl,-z,now -o $@ \
		$< $(BUILD)/libcordon.a $(LDLIBS)

fuzz: $(FUZZ_BIN)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(filter-out -O2,$(CFLAGS)) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/libcordon-fuzz.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libcordon-fuzz.a
	$(FUZZ_CC) $(filter-out -O2,$(CFLAGS)) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< \
		$(BUILD)/fuzz/libcordon-fuzz.a $(LDLIBS) $(DL_LDLIBS)

# Each target for FUZZ_SECONDS with its corpus under $(BUILD)/fuzz/corpus (seeded from
# tests/fuzz/seeds/NAME when present); a crash leaves crash-* in $(BUILD)/fuzz and fails.
fuzz-run: fuzz
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); \
		mkdir -p $(BUILD)/fuzz/corpus/$$n; \
		seeds=; [ -d tests/fuzz/seeds/$$n ] && seeds=tests/fuzz/seeds/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix=$(BUILD)/fuzz/$$n- -print_final_stats=1 \
			$(BUILD)/fuzz/corpus/$$n $$seeds 2>$(BUILD)/fuzz/$$n.log || \
			{ tail -40 $(BUILD)/fuzz/$$n.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units' $(BUILD)/fuzz/$$n.log; done
# -z now: a zsh symbol the module needs but the running zsh lacks fails `zmodload` cleanly.
$(BUILD)/zsh-module/sandbox.o: zsh-module/sandbox.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ZSH_INC) -MMD -MP -c $< -o $@

$(ZSH_MOD_SO): $(BUILD)/zsh-module/sandbox.o $(BUILD)/libcordon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,sandbox.so -Wl,-z,relro -Wl,-z,now -o $@ \
		$< $(BUILD)/libcordon.a $(LDLIBS)

# sanitize: everything under ASan+UBSan in $(SAN_BUILD) (`CORDON_BUILD=build-san tests/run.sh`
# runs the suites against it). The bash builtin and the zsh module are loaded by an uninstrumented
# bash/zsh, where the ASan runtime cannot come first in the library list: they (and their own
# libcordon.a, in $(SAN_BUILD)/so) get UBSan only, and are copied next to the ASan build.
# -static-libubsan: with GCC's shared libubsan beside libasan, UBSan ignores UBSAN_OPTIONS'
# log_path (it reports to stderr only); linked in statically it honours it.
SAN_BUILD ?= build-san
# GCC's range analysis differs under instrumentation at -O1 (verbs.c: an intended snprintf
# truncation is flagged only there): format-truncation stays a warning in this build.
SAN_OPT   := -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
             -Wno-error=format-truncation
sanitize:
	$(MAKE) BUILD=$(SAN_BUILD) \
		SANFLAGS='$(SAN_OPT) -fsanitize=address,undefined -static-libubsan' lib helper unit tools
	$(MAKE) BUILD=$(SAN_BUILD)/so SANFLAGS='$(SAN_OPT) -fsanitize=undefined' \
		bash-builtin $(if $(ZSH_DEV),zsh-module)
	mkdir -p $(SAN_BUILD)/bash-builtin
	cp $(SAN_BUILD)/so/bash-builtin/sandbox.so $(SAN_BUILD)/bash-builtin/sandbox.so
	$(if $(ZSH_DEV),mkdir -p $(SAN_BUILD)/zsh-module/cordon && cp \
		$(SAN_BUILD)/so/zsh-module/cordon/sandbox.so $(SAN_BUILD)/zsh-module/cordon/sandbox.so)

# install: the helper, the bash builtin, the zsh module, the init files of `cordon shell`, the
# completions of `cordon` and `sandbox` (bash, zsh), the man pages and the Neovim plugin, under
# $(DESTDIR)$(PREFIX). Debian's bash searches $(PREFIX)/lib/bash (BASH_LOADABLES_PATH),
# bash-completion $(PREFIX)/share/bash-completion/completions and zsh
# $(PREFIX)/share/zsh/site-functions (fpath) by default; the zsh module directory must be added to
# module_path (`module_path+=($(PREFIX)/lib/zsh)`), as zsh looks only in its own by default.
# Neovim loads packages under $(PREFIX)/share/nvim/site/pack/*/start by default (its packpath).
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
BASH_LOADDIR ?= $(PREFIX)/lib/bash
ZSH_MODDIR   ?= $(PREFIX)/lib/zsh
ZSH_FUNCDIR  ?= $(PREFIX)/share/zsh/site-functions
BASH_COMPDIR ?= $(PREFIX)/share/bash-completion/completions
SHAREDIR     ?= $(PREFIX)/share/cordon
MANDIR       ?= $(PREFIX)/share/man
NVIM_PACKDIR ?= $(PREFIX)/share/nvim/site/pack/cordon/start/cordon

install: helper bash-builtin $(if $(ZSH_DEV),zsh-module) shell-init nvim-tags \
		$(if $(HAVE_SCDOC),man)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(BASH_LOADDIR) $(DESTDIR)$(BASH_COMPDIR) \
		$(DESTDIR)$(ZSH_FUNCDIR) $(DESTDIR)$(SHAREDIR)/shell/zdotdir
	install -m 755 $(BUILD)/cordon $(DESTDIR)$(BINDIR)/cordon
	install -m 644 $(BUILTIN_SO) $(DESTDIR)$(BASH_LOADDIR)/sandbox.so
	install -m 644 bash-builtin/sandbox.bash-completion $(DESTDIR)$(BASH_COMPDIR)/sandbox
	install -m 644 completions/cordon.bash $(DESTDIR)$(BASH_COMPDIR)/cordon
	install -m 644 zsh-module/_sandbox completions/_cordon $(DESTDIR)$(ZSH_FUNCDIR)/
	install -m 644 $(BUILD)/share/cordon/shell/cordon-shell.bash $(DESTDIR)$(SHAREDIR)/shell/
	install -m 644 $(BUILD)/share/cordon/shell/zdotdir/.zshenv $(DESTDIR)$(SHAREDIR)/shell/zdotdir/
	if [ -f $(ZSH_MOD_SO) ]; then \
		install -d $(DESTDIR)$(ZSH_MODDIR)/cordon && \
		install -m 644 $(ZSH_MOD_SO) $(DESTDIR)$(ZSH_MODDIR)/cordon/sandbox.so; \
	else echo "install: zsh module not built (install zsh-dev); skipped" >&2; fi
	if [ -f $(BUILD)/man/cordon.1 ]; then \
		install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 && \
		install -m 644 $(BUILD)/man/cordon.1 $(BUILD)/man/sandbox.1 $(DESTDIR)$(MANDIR)/man1/ && \
		install -m 644 $(BUILD)/man/cordon.json.5 $(DESTDIR)$(MANDIR)/man5/; \
	else echo "install: man pages not built (install scdoc); skipped" >&2; fi
	install -d $(DESTDIR)$(NVIM_PACKDIR)/plugin $(DESTDIR)$(NVIM_PACKDIR)/lua/cordon \
		$(DESTDIR)$(NVIM_PACKDIR)/doc
	install -m 644 nvim-plugin/plugin/*.lua $(DESTDIR)$(NVIM_PACKDIR)/plugin/
	install -m 644 nvim-plugin/lua/cordon/*.lua $(DESTDIR)$(NVIM_PACKDIR)/lua/cordon/
	install -m 644 nvim-plugin/doc/cordon.txt $(NVIM_TAGS) $(DESTDIR)$(NVIM_PACKDIR)/doc/

# uninstall: every file install puts there, then the directories cordon owns alone.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cordon $(DESTDIR)$(BASH_LOADDIR)/sandbox.so \
		$(DESTDIR)$(BASH_COMPDIR)/sandbox $(DESTDIR)$(BASH_COMPDIR)/cordon \
		$(DESTDIR)$(ZSH_FUNCDIR)/_sandbox $(DESTDIR)$(ZSH_FUNCDIR)/_cordon \
		$(DESTDIR)$(ZSH_MODDIR)/cordon/sandbox.so \
		$(DESTDIR)$(MANDIR)/man1/cordon.1 $(DESTDIR)$(MANDIR)/man1/sandbox.1 \
		$(DESTDIR)$(MANDIR)/man5/cordon.json.5 \
		$(DESTDIR)$(SHAREDIR)/shell/cordon-shell.bash $(DESTDIR)$(SHAREDIR)/shell/zdotdir/.zshenv
	rm -rf $(DESTDIR)$(NVIM_PACKDIR)
	-rmdir $(DESTDIR)$(ZSH_MODDIR)/cordon $(DESTDIR)$(SHAREDIR)/shell/zdotdir \
		$(DESTDIR)$(SHAREDIR)/shell $(DESTDIR)$(SHAREDIR) \
		$(DESTDIR)$(PREFIX)/share/nvim/site/pack/cordon/start \
		$(DESTDIR)$(PREFIX)/share/nvim/site/pack/cordon 2>/dev/null

clean:
	rm -rf $(BUILD)

help:
	@echo "targets: all (default) lib helper unit tools bash-builtin zsh-module shell-init man" \
		"nvim-tags install uninstall clean; deb (Debian package, ../cordon_*.deb);" \
		"fuzz fuzz-run (clang, not in all); sanitize (ASan+UBSan build in $(SAN_BUILD))"

-include $(CORE_OBJ:.o=.d) $(HELPER_OBJ:.o=.d) $(BUILD)/bash-builtin/sandbox.d \
	$(BUILD)/zsh-module/sandbox.d
