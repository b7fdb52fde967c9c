/* vlog.h — the violation log: one JSON object per line, appended by the session process when the
 * proxy refuses a request, read back by `cordon log` / `sandbox log`. */
#ifndef CORDON_VLOG_H
#define CORDON_VLOG_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cordon/error.h"

/* One violation. Line format (keys in this order):
 * {"time":"2026-01-31T12:00:00Z","host":"evil.test","port":443,"pid":0,"reason":"...","proto":"connect"}
 * time is UTC (RFC 3339); pid is the client process when known, else 0; proto is "connect"
 * (HTTP CONNECT), "http" (absolute-form) or "socks5".
 * pid: a process holding the client end of the refused TCP connection (the lowest pid when
 * several do), found by the session process through /proc on the refusal. It is expressed in the
 * session process's PID namespace: that of the shell that ran `sandbox on` (which has no PID
 * namespace of its own, so it is the pid `$!`, `ps` and `kill` use there) and of the caller of
 * `cordon run`, whose command sees itself under another pid in its own PID namespace (the last
 * field of NSpid in /proc/PID/status maps one to the other). It is 0 when not found: the client
 * had gone, its /proc/PID/fd was not readable by the session process (another uid; a
 * non-dumpable process whose memory map belongs to the initial user namespace), or the lookup
 * ran out of its time budget. */
struct cordon_vlog_entry {
	time_t time;
	char host[256]; /* as the client named it (canonical when it could be canonicalised) */
	uint16_t port;
	pid_t pid;
	char reason[256]; /* e.g. "not on the allowlist", "on the denylist", "resolves to loopback"
			   */
	char proto[16];
};

/* cordon_vlog_format: write v as one JSON line (with the trailing '\n') into buf of len bytes.
 * Strings are escaped per RFC 8259 §7 (\n \r \t in their two-character forms, other control
 * characters and bytes >= 0x7f as \u00XX, so a line is ASCII, hence valid UTF-8, whatever bytes a
 * client named). Returns the line length, -ENOSPC if it does not fit, or -ENOMEM. */
int cordon_vlog_format(const struct cordon_vlog_entry *v, char *buf, size_t len);

/* cordon_vlog_append: append v to the log open on fd (opened O_APPEND) with one write(2), so
 * lines of concurrent writers do not interleave (write(2), O_APPEND). fd < 0: nothing, returns 0.
 * Returns 0 or -errno with e->msg set. */
int cordon_vlog_append(int fd, const struct cordon_vlog_entry *v, struct cordon_error *e);

/* cordon_vlog_parse: parse one JSON line (len bytes, no NUL needed) into *v with jsmn. Unknown
 * keys are ignored (forward compatibility); a missing key leaves its field zero/empty.
 * Returns 0 or -EINVAL with e->msg naming what is wrong. */
int cordon_vlog_parse(const char *line, size_t len, struct cordon_vlog_entry *v,
		      struct cordon_error *e);

/* Called by cordon_vlog_read for each entry; a non-zero return stops the reading and is returned.
 */
typedef int (*cordon_vlog_cb)(const struct cordon_vlog_entry *v, void *arg);

/* cordon_vlog_read: read the log at path, calling cb for each well-formed line in order (a line
 * that does not parse — e.g. a torn last line — is skipped). A missing file is an empty log.
 * Returns 0, cb's non-zero value, or -errno with e->msg naming path. */
int cordon_vlog_read(const char *path, cordon_vlog_cb cb, void *arg, struct cordon_error *e);

/* cordon_vlog_default_path: the log of session id: $XDG_STATE_HOME/cordon/sessions/ID.log
 * (XDG Base Directory spec; $HOME/.local/state when XDG_STATE_HOME is unset or not absolute).
 * Returns 0, -ENOENT when neither variable is usable, or -ENAMETOOLONG. */
int cordon_vlog_default_path(const char *id, char *buf, size_t len, struct cordon_error *e);

/* cordon_vlog_open: open the log at path for appending (O_APPEND, mode 0600, O_NOFOLLOW), creating
 * its missing parent directories with mode 0700. The session process calls it on the first
 * violation only, so a session without violations leaves nothing on disk.
 * Returns the fd or -errno with e->msg naming the path. */
int cordon_vlog_open(const char *path, struct cordon_error *e);

/* cordon_vlog_latest: the most recently modified session log (*.log) in the directory of
 * cordon_vlog_default_path, into buf. Returns 0, -ENOENT when there is none, or -errno. */
int cordon_vlog_latest(char *buf, size_t len, struct cordon_error *e);

#endif
