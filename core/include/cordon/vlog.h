/* vlog.h — the violation log: one JSON object per line, appended by the session process when the
 * proxy refuses a request or the guard worker refuses a write, read back by `cordon log`. */
#ifndef CORDON_VLOG_H
#define CORDON_VLOG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cordon/error.h"

/* One violation. Line format (keys in this order):
 * {"time":"2026-01-31T12:00:00Z","host":"evil.test","port":443,"pid":0,"reason":"...","proto":"connect"}
 * time is UTC (RFC 3339); pid is the client process when known, else 0; proto is "connect"
 * (HTTP CONNECT), "http" (absolute-form), "socks5", "tcp" (a connection the transparent capture
 * took, capture_int.h) or "dns" (a name looked up at the sandbox's DNS stub that the policy
 * refuses on every port; port 0, pid 0: no connection was made).
 * pid: a process holding the client end of the refused TCP connection (the lowest pid when
 * several do), found by the session process through /proc on the refusal. It is expressed in the
 * session process's PID namespace: that of the shell that ran `sandbox on` (which has no PID
 * namespace of its own, so it is the pid `$!`, `ps` and `kill` use there) and of the caller of
 * `cordon run`, whose command sees itself under another pid in its own PID namespace (the last
 * field of NSpid in /proc/PID/status maps one to the other). It is 0 when not found: the client
 * had gone, its /proc/PID/fd was not readable by the session process (another uid; a
 * non-dumpable process whose memory map belongs to the initial user namespace), or the lookup
 * ran out of its time budget.
 * A write the guard worker refused (guard.h: a mandatory write-deny name in a writable directory)
 * has proto "write", host "" and port 0, and two more keys after proto:
 * {...,"pid":42,"reason":"mandatory write-deny","proto":"write","path":"/p/.rc","syscall":"open"}
 * path is the absolute path refused as the confined process would name it (its directory
 * resolved, then the final name it asked for), syscall the system call's name (libseccomp). pid
 * is the caller's thread id as the guard worker sees it: in the session's PID namespace for a
 * shell confined in place (`sandbox on`, `cordon shell`), in the command's own PID namespace
 * under `cordon run` (what `$$` shows inside). "path" and "syscall" appear only when path is
 * not empty; readers ignore keys they do not know, so older readers still read the line. */
struct cordon_vlog_entry {
	time_t time;
	char host[256]; /* as the client named it (canonical when it could be canonicalised) */
	uint16_t port;
	pid_t pid;
	char reason[256]; /* e.g. "not on the allowlist", "on the denylist", "resolves to loopback"
			   */
	char proto[16];
	char path[PATH_MAX]; /* proto "write": the path refused, else "" */
	char syscall[32];    /* proto "write": e.g. "openat", "mkdir", "rename", else "" */
};

/* The longest line cordon_vlog_format can produce (every byte of every string escaped as
 * \u00XX, six bytes each), with its '\n' and NUL: a buffer this size always fits a line. */
#define CORDON_VLOG_LINE_MAX 32768

/* cordon_vlog_format: write v as one JSON line (with the trailing '\n') into buf of len bytes.
 * Strings are escaped per RFC 8259 §7 (\n \r \t in their two-character forms, other control
 * characters and bytes >= 0x7f as \u00XX, so a line is ASCII, hence valid UTF-8, whatever bytes a
 * client named). Returns the line length, -ENOSPC if it does not fit, or -ENOMEM. */
int cordon_vlog_format(const struct cordon_vlog_entry *v, char *buf, size_t len);

/* cordon_vlog_text: v as one human-readable line (no '\n') into buf of len bytes (truncated to
 * fit, always NUL-terminated), time in local time:
 *   2026-01-31 12:00:00  evil.test:443  not on the allowlist  (connect, pid 7)
 *   2026-01-31 12:00:00  write refused  /p/.bashrc  (openat, pid 4242)
 * Control characters and bytes >= 0x7f in the strings are shown as \xHH, so a hostile host
 * name or file name cannot move the terminal's cursor. Returns the length written. */
size_t cordon_vlog_text(const struct cordon_vlog_entry *v, char *buf, size_t len);

/* cordon_vlog_append: append v to the log open on fd (opened O_APPEND) with one write(2), so
 * lines of concurrent writers do not interleave (write(2), O_APPEND). fd < 0: nothing, returns 0.
 * Returns 0 or -errno with e->msg set. */
int cordon_vlog_append(int fd, const struct cordon_vlog_entry *v, struct cordon_error *e);

/* cordon_vlog_parse: parse one JSON line (len bytes, no NUL needed) into *v (json.h). Unknown
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

/* cordon_vlog_read_from: read the log open on fd (any position; pread(2) is used) from byte *off,
 * calling cb for each complete line that parses. Only '\n'-terminated lines are taken: a torn
 * last line (a writer's write(2) not finished yet) is left unread for a later call, so
 * calling again when the file grows continues exactly where this call stopped. *off advances
 * past each line for which cb returned 0 and past lines that do not parse (skipped, as
 * cordon_vlog_read does); a line longer than CORDON_VLOG_LINE_MAX bytes cannot be an entry and
 * is skipped whole. When the file is shorter than *off (truncated), reading restarts at 0.
 * Returns 0, cb's non-zero value (its line counts as unread), or -errno with e->msg set. */
int cordon_vlog_read_from(int fd, off_t *off, cordon_vlog_cb cb, void *arg, struct cordon_error *e);

/* How cordon_vlog_follow ends besides cb's non-zero return. Every field is optional: a zeroed
 * struct (or o == NULL) follows until cb stops it. */
struct cordon_vlog_follow_opts {
	/* Called after every wait — at most interval_ms apart, and as soon as a signal interrupts
	 * the wait (poll(2) fails with EINTR) — with stop_arg; non-zero ends the follow. Shells
	 * pass their "interrupted by Ctrl-C" state here. */
	int (*should_stop)(void *stop_arg);
	void *stop_arg;
	/* When has_hup_fd: hup_fd's hang-up (poll(2) POLLHUP, POLLRDHUP, POLLERR or POLLNVAL)
	 * ends the follow, e.g. the control channel of the session that writes the log. */
	bool has_hup_fd;
	int hup_fd;
	int interval_ms; /* longest wait between checks, milliseconds; <= 0: 250 */
};

/* cordon_vlog_follow: `tail -f` for the log at path. Calls cb for every entry already in the
 * file, then for each entry as it is appended, in order, using cordon_vlog_read_from (only
 * complete lines; a torn last line waits for its '\n'). The file need not exist yet (the
 * session creates it on its first violation, cordon_vlog_open): it is opened when it appears.
 * When path comes to name a different file (deleted and re-created, renamed over), the new one
 * is read from its start. Waits with inotify(7) on the file and on its directory (IN_MODIFY,
 * IN_CREATE, IN_MOVED_TO, ...) when available, and in any case wakes every interval_ms, so a
 * missing directory, an inotify limit (EMFILE/ENOSPC) or a filesystem without inotify events
 * (e.g. NFS written by another host) only adds latency.
 * Returns 0 when o->should_stop asked to stop, -EPIPE when o->hup_fd hung up (e->msg says so;
 * entries already in the file were passed to cb first), cb's non-zero value, or -errno with
 * e->msg set when the file exists but cannot be read. Never returns otherwise. */
int cordon_vlog_follow(const char *path, const struct cordon_vlog_follow_opts *o, cordon_vlog_cb cb,
		       void *arg, struct cordon_error *e);

/* cordon_vlog_state_dir: cordon's state directory, $XDG_STATE_HOME/cordon (or
 * $HOME/.local/state/cordon), which holds sessions/ (the logs) and, without XDG_RUNTIME_DIR, the
 * approval sockets; into buf. With create, sessions/ and its missing parents are made (mode
 * 0700) first, so a session can make the directory read-only inside before its first log.
 * Returns 0, -ENOENT when neither variable is usable, -ENAMETOOLONG, or -errno of mkdir(2). */
int cordon_vlog_state_dir(char *buf, size_t len, bool create, struct cordon_error *e);

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
