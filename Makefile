# cordon — build of libcordon (core/), the cordon helper binary and the unit tests.
# ./build.sh installs the Debian packages and calls this; `make help` lists targets.

CC      ?= cc
BUILD   ?= build
PKGS    := libseccomp libnl-3.0 libnl-route-3.0 libcares
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu17 -Wall -Wextra -Werror -fPIC -D_GNU_SOURCE -Icore/include \
           $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lhttp_parser

CORE_SRC   := $(sort $(wildcard core/src/*.c))
CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/%.o)
HELPER_SRC := $(sort $(wildcard vscode-helper/*.c))
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
FUZZ_CORE    := error hostpat policy config proxy_http proxy_socks5 vlog
FUZZ_OBJ     := $(FUZZ_CORE:%=$(BUILD)/fuzz/obj/core/src/%.o)

.PHONY: all lib helper unit tools bash-builtin clean help fuzz fuzz-run
all: lib helper unit tools bash-builtin

lib: $(BUILD)/libcordon.a
helper: $(BUILD)/cordon
unit: $(UNIT_BIN)
tools: $(TOOL_BIN)
bash-builtin: $(BUILTIN_SO)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcordon.a: $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/cordon: $(HELPER_OBJ) $(BUILD)/libcordon.a
	$(CC) $(LDFLAGS) -o $@ $(HELPER_OBJ) $(BUILD)/libcordon.a $(LDLIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(BUILD)/libcordon.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libcordon.a $(LDLIBS) -lcmocka

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libcordon.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libcordon.a $(LDLIBS)

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
		$(BUILD)/fuzz/libcordon-fuzz.a $(LDLIBS)

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

clean:
	rm -rf $(BUILD)

help:
	@echo "targets: all (default) lib helper unit tools bash-builtin clean;" \
		"fuzz fuzz-run (clang, not in all)"

-include $(CORE_OBJ:.o=.d) $(HELPER_OBJ:.o=.d) $(BUILD)/bash-builtin/sandbox.d
