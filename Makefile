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

.PHONY: all lib helper unit tools clean help
all: lib helper unit tools

lib: $(BUILD)/libcordon.a
helper: $(BUILD)/cordon
unit: $(UNIT_BIN)
tools: $(TOOL_BIN)

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

clean:
	rm -rf $(BUILD)

help:
	@echo "targets: all (default) lib helper unit tools clean"

-include $(CORE_OBJ:.o=.d) $(HELPER_OBJ:.o=.d)
