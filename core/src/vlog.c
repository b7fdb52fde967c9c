/* vlog.c — the violation log (vlog.h): JSON lines appended with one write(2) each, read back
 * with the JSON reader (json.h) for `cordon log`, and followed as they are appended (inotify). */
#include "cordon/vlog.h"
#include "cordon/json.h"
#include "cordon/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/* format_sb: v as one JSON line (with its '\n') appended to b. */
static void format_sb(const struct cordon_vlog_entry *v, struct cordon_strbuf *b)
{
	char ts[32];
	struct tm tm;

	if (!gmtime_r(&v->time, &tm) || !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(ts, sizeof(ts), "1970-01-01T00:00:00Z");
	/* Strings as ASCII: a host name is the client's raw bytes, which need not be UTF-8, and a
	 * JSON text must be (RFC 8259 §8.1), so the line stays ASCII whatever was sent. */
	cordon_sb_add(b, "{\"time\":");
	cordon_sb_json_str(b, ts, CORDON_JSON_ASCII);
	cordon_sb_add(b, ",\"host\":");
	cordon_sb_json_str(b, v->host, CORDON_JSON_ASCII);
	cordon_sb_addf(b, ",\"port\":%u,\"pid\":%ld,\"reason\":", v->port, (long)v->pid);
	cordon_sb_json_str(b, v->reason, CORDON_JSON_ASCII);
	cordon_sb_add(b, ",\"proto\":");
	cordon_sb_json_str(b, v->proto, CORDON_JSON_ASCII);
	if (v->path[0]) {
		/* a refused write: keys that older readers skip (vlog.h) */
		cordon_sb_add(b, ",\"path\":");
		cordon_sb_json_str(b, v->path, CORDON_JSON_ASCII);
		cordon_sb_add(b, ",\"syscall\":");
		cordon_sb_json_str(b, v->syscall, CORDON_JSON_ASCII);
	}
	cordon_sb_add(b, "}\n");
}

int cordon_vlog_format(const struct cordon_vlog_entry *v, char *buf, size_t len)
{
	struct cordon_strbuf b = {0};
	int n;

	format_sb(v, &b);
	if (b.oom) {
		cordon_sb_free(&b);
		return -ENOMEM;
	}
	if (b.len >= len) {
		cordon_sb_free(&b);
		return -ENOSPC;
	}
	memcpy(buf, b.s, b.len + 1);
	n = (int)b.len;
	cordon_sb_free(&b);
	return n;
}

/* text_add: s into buf at *pos (len bytes in all), control characters and bytes >= 0x7f as \xHH. */
static void text_add(char *buf, size_t len, size_t *pos, const char *s)
{
	for (; *s && *pos + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;
		int n;

		if (c >= 0x20 && c < 0x7f) {
			buf[(*pos)++] = (char)c;
			continue;
		}
		if (*pos + 5 > len)
			break;
		n = snprintf(buf + *pos, len - *pos, "\\x%02x", c);
		*pos += (size_t)n;
	}
	buf[*pos] = '\0';
}

size_t cordon_vlog_text(const struct cordon_vlog_entry *v, char *buf, size_t len)
{
	char ts[32], num[48];
	struct tm tm;
	size_t pos = 0;
	bool v6 = strchr(v->host, ':') != NULL;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (!localtime_r(&v->time, &tm) || !strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(ts, sizeof(ts), "?");
	text_add(buf, len, &pos, ts);
	if (!strcmp(v->proto, "write")) {
		/* a guard refusal: a write, or a connect to a unix socket the policy does not name */
		text_add(buf, len, &pos,
			 !strcmp(v->syscall, "connect") ? "  connect refused  " : "  write refused  ");
		text_add(buf, len, &pos, v->path);
		text_add(buf, len, &pos, "  (");
		text_add(buf, len, &pos, v->syscall[0] ? v->syscall : "?");
	} else {
		text_add(buf, len, &pos, v6 ? "  [" : "  ");
		text_add(buf, len, &pos, v->host);
		/* A name looked up at the DNS stub (proto "dns") has no port: no connection; nor
		 * has an agent refusal, whose host names its port already. */
		if (strcmp(v->proto, "dns") && v->port)
			snprintf(num, sizeof(num), "%s:%u  ", v6 ? "]" : "", v->port);
		else
			snprintf(num, sizeof(num), "%s  ", v6 ? "]" : "");
		text_add(buf, len, &pos, num);
		text_add(buf, len, &pos, v->reason);
		text_add(buf, len, &pos, "  (");
		text_add(buf, len, &pos, v->proto);
	}
	if (v->pid > 0) {
		snprintf(num, sizeof(num), ", pid %ld", (long)v->pid);
		text_add(buf, len, &pos, num);
	}
	text_add(buf, len, &pos, ")");
	return pos;
}

int cordon_vlog_append(int fd, const struct cordon_vlog_entry *v, struct cordon_error *e)
{
	struct cordon_strbuf b = {0};
	ssize_t w;

	if (fd < 0)
		return 0;
	format_sb(v, &b);
	if (b.oom) {
		cordon_sb_free(&b);
		return cordon_error_set(e, ENOMEM, "violation log: out of memory");
	}
	do
		w = write(fd, b.s, b.len);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		int err = errno;
		cordon_sb_free(&b);
		return cordon_error_set(e, err, "violation log: write: %s", strerror(err));
	}
	if ((size_t)w != b.len) {
		size_t n = b.len;
		cordon_sb_free(&b);
		return cordon_error_set(e, EIO, "violation log: short write (%zd of %zu bytes)", w,
					n);
	}
	cordon_sb_free(&b);
	return 0;
}

int cordon_vlog_parse(const char *line, size_t len, struct cordon_vlog_entry *v,
		      struct cordon_error *e)
{
	struct cordon_json d;
	int r = 0;

	memset(v, 0, sizeof(*v));
	if (cordon_json_parse(&d, line, len, CORDON_JSON_OBJECT, NULL) < 0) {
		cordon_json_free(&d);
		return cordon_error_set(e, EINVAL, "violation log: line is not a JSON object");
	}
	for (int m = 0, k = 1; m < cordon_json_size(&d, 0) && r == 0;
	     m++, k = cordon_json_next(&d, k)) {
		int val = k + 1;
		size_t sl;
		const char *s = cordon_json_inner(&d, val, &sl);
		char num[32];

		const struct {
			const char *key;
			char *dst;
			size_t size;
		} strs[] = {
		    {"host", v->host, sizeof(v->host)},
		    {"reason", v->reason, sizeof(v->reason)},
		    {"proto", v->proto, sizeof(v->proto)},
		    {"path", v->path, sizeof(v->path)},
		    {"syscall", v->syscall, sizeof(v->syscall)},
		};
		size_t si = 0;

		if (cordon_json_type(&d, val) == CORDON_JSON_OBJ ||
		    cordon_json_type(&d, val) == CORDON_JSON_ARR) {
			r = cordon_error_set(e, EINVAL, "violation log: nested value");
			break;
		}
		while (si < sizeof(strs) / sizeof(strs[0]) &&
		       !cordon_json_key_is(&d, k, strs[si].key))
			si++;
		if (si < sizeof(strs) / sizeof(strs[0])) {
			if (cordon_json_unescape_ascii(s, sl, strs[si].dst, strs[si].size))
				r = cordon_error_set(e, EINVAL, "violation log: bad %s",
						     strs[si].key);
		} else if (cordon_json_key_is(&d, k, "port") || cordon_json_key_is(&d, k, "pid")) {
			if (cordon_json_type(&d, val) != CORDON_JSON_PRIM || sl >= sizeof(num)) {
				r = cordon_error_set(e, EINVAL, "violation log: bad number");
				break;
			}
			memcpy(num, s, sl);
			num[sl] = '\0';
			if (cordon_json_key_is(&d, k, "port"))
				v->port = (uint16_t)strtoul(num, NULL, 10);
			else
				v->pid = (pid_t)strtol(num, NULL, 10);
		} else if (cordon_json_key_is(&d, k, "time")) {
			char ts[32];
			struct tm tm = {0};
			char *end;

			if (cordon_json_unescape_ascii(s, sl, ts, sizeof(ts))) {
				r = cordon_error_set(e, EINVAL, "violation log: bad time");
				break;
			}
			end = strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
			if (!end || *end) {
				r = cordon_error_set(e, EINVAL, "violation log: bad time \"%s\"",
						     ts);
				break;
			}
			v->time = timegm(&tm);
		}
	}
	cordon_json_free(&d);
	return r;
}

int cordon_vlog_read(const char *path, cordon_vlog_cb cb, void *arg, struct cordon_error *e)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		return cordon_error_set(e, errno, "violation log %s: %s", path, strerror(errno));
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		struct cordon_vlog_entry v;

		if (cordon_vlog_parse(line, (size_t)n, &v, NULL) < 0)
			continue;
		rc = cb(&v, arg);
		if (rc)
			break;
	}
	if (!rc && ferror(f))
		rc = cordon_error_set(e, EIO, "violation log %s: read error", path);
	free(line);
	fclose(f);
	return rc;
}

int cordon_vlog_read_from(int fd, off_t *off, cordon_vlog_cb cb, void *arg, struct cordon_error *e)
{
	char buf[4 * CORDON_VLOG_LINE_MAX];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return cordon_error_set(e, errno, "violation log: fstat: %s", strerror(errno));
	if (st.st_size < *off) /* truncated under us: start again, as tail -f does */
		*off = 0;
	for (;;) {
		ssize_t n;
		char *p = buf, *end;
		bool whole = false;

		do
			n = pread(fd, buf, sizeof(buf), *off);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return cordon_error_set(e, errno, "violation log: read: %s",
						strerror(errno));
		end = buf + n;
		for (char *nl; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
			size_t len = (size_t)(nl + 1 - p);
			struct cordon_vlog_entry v;

			whole = true;
			if (len <= CORDON_VLOG_LINE_MAX &&
			    cordon_vlog_parse(p, len, &v, NULL) == 0) {
				int rc = cb(&v, arg);

				if (rc)
					return rc;
			}
			*off += (off_t)len;
		}
		if ((size_t)n < sizeof(buf) && (!whole || p == end))
			return 0; /* end of file, or a torn last line that waits for its '\n' */
		/* A full buffer without '\n' is not an entry: skip it. */
		if (!whole)
			*off += n;
	}
}

/* The directory part of path ("." when it has none) into buf. */
static void dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
}

/* Read and drop the pending inotify events: they only say "look again". */
static void drain(int ifd)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(ifd, ev, sizeof(ev)) > 0)
		;
}

int cordon_vlog_follow(const char *path, const struct cordon_vlog_follow_opts *o, cordon_vlog_cb cb,
		       void *arg, struct cordon_error *e)
{
	static const struct cordon_vlog_follow_opts none = {0};
	char dir[PATH_MAX];
	int interval, ifd, fd = -1, wfile = -1, wdir = -1, rc;
	struct stat fst = {0};
	off_t off = 0;

	if (!o)
		o = &none;
	interval = o->interval_ms > 0 ? o->interval_ms : 250;
	dir_of(path, dir, sizeof(dir));
	/* inotify only shortens the waits; without it (EMFILE, ENOSYS) the interval does it all. */
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	for (;;) {
		struct pollfd pf[2];
		struct stat pst;
		bool exists = stat(path, &pst) == 0;
		int np = 0, hup = -1, pr;

		if (fd >= 0 && (!exists || pst.st_dev != fst.st_dev || pst.st_ino != fst.st_ino)) {
			/* Removed or replaced: finish the old file, then read the new one. */
			rc = cordon_vlog_read_from(fd, &off, cb, arg, e);
			if (rc)
				goto out;
			close(fd);
			fd = -1;
			off = 0;
			if (wfile >= 0)
				inotify_rm_watch(ifd, wfile);
			wfile = -1;
		}
		if (fd < 0 && exists) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 && errno != ENOENT) {
				rc = cordon_error_set(e, errno, "violation log %s: %s", path,
						      strerror(errno));
				goto out;
			}
			if (fd >= 0 && fstat(fd, &fst) < 0) {
				rc = cordon_error_set(e, errno, "violation log %s: fstat: %s", path,
						      strerror(errno));
				goto out;
			}
			if (fd >= 0 && ifd >= 0)
				wfile = inotify_add_watch(ifd, path,
							  IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF |
							      IN_MOVE_SELF);
		}
		/* The directory may appear late too (cordon_vlog_open makes it): retry until it
		 * does. */
		if (ifd >= 0 && wdir < 0)
			wdir = inotify_add_watch(ifd, dir,
						 IN_ONLYDIR | IN_CREATE | IN_MOVED_TO | IN_DELETE |
						     IN_MOVED_FROM);
		if (fd >= 0) {
			rc = cordon_vlog_read_from(fd, &off, cb, arg, e);
			if (rc)
				goto out;
		}
		if (o->should_stop && o->should_stop(o->stop_arg)) {
			rc = 0;
			goto out;
		}
		if (ifd >= 0)
			pf[np++] = (struct pollfd){.fd = ifd, .events = POLLIN};
		if (o->has_hup_fd) {
			hup = np;
			pf[np++] = (struct pollfd){.fd = o->hup_fd, .events = POLLRDHUP};
		}
		pr = poll(pf, (nfds_t)np, interval);
		if (pr < 0 && errno != EINTR) {
			rc = cordon_error_set(e, errno, "violation log: poll: %s", strerror(errno));
			goto out;
		}
		if (pr > 0 && hup >= 0 &&
		    (pf[hup].revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))) {
			rc = fd >= 0 ? cordon_vlog_read_from(fd, &off, cb, arg, e) : 0;
			if (!rc)
				rc = cordon_error_set(e, EPIPE,
						      "the session ended (its channel hung up)");
			goto out;
		}
		if (pr > 0 && ifd >= 0 && (pf[0].revents & POLLIN))
			drain(ifd);
	}
out:
	if (fd >= 0)
		close(fd);
	if (ifd >= 0)
		close(ifd);
	return rc;
}

/* sessions_dir: $XDG_STATE_HOME/cordon/sessions (XDG Base Directory spec: a relative
 * XDG_STATE_HOME is invalid and ignored), else $HOME/.local/state/cordon/sessions. */
static int sessions_dir(char *buf, size_t len, struct cordon_error *e)
{
	const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (st && st[0] == '/')
		n = snprintf(buf, len, "%s/cordon/sessions", st);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.local/state/cordon/sessions", home);
	else
		return cordon_error_set(e, ENOENT,
					"violation log: neither XDG_STATE_HOME nor HOME set");
	if (n < 0 || (size_t)n >= len)
		return cordon_error_set(e, ENAMETOOLONG, "violation log: path too long");
	return 0;
}

int cordon_vlog_state_dir(char *buf, size_t len, bool create, struct cordon_error *e)
{
	char dir[PATH_MAX];
	int r = sessions_dir(dir, sizeof(dir), e);

	if (r < 0)
		return r;
	if (create) {
		/* the parents as cordon_vlog_open makes them, then sessions/ itself */
		for (char *s = dir + 1;; s++) {
			if (*s != '/' && *s != '\0')
				continue;
			char c = *s;
			*s = '\0';
			if (mkdir(dir, 0700) < 0 && errno != EEXIST)
				return cordon_error_set(e, errno, "violation log: mkdir %s: %m",
							dir);
			*s = c;
			if (!c)
				break;
		}
	}
	*strrchr(dir, '/') = '\0'; /* sessions_dir ends in "/sessions" */
	if (snprintf(buf, len, "%s", dir) >= (int)len)
		return cordon_error_set(e, ENAMETOOLONG, "violation log: path too long");
	return 0;
}

int cordon_vlog_default_path(const char *id, char *buf, size_t len, struct cordon_error *e)
{
	char dir[PATH_MAX];
	int n = sessions_dir(dir, sizeof(dir), e);

	if (n < 0)
		return n;
	n = snprintf(buf, len, "%s/%s.log", dir, id);
	if (n < 0 || (size_t)n >= len)
		return cordon_error_set(e, ENAMETOOLONG, "violation log: path too long");
	return 0;
}

int cordon_vlog_open(const char *path, struct cordon_error *e)
{
	char dir[PATH_MAX];
	int fd;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return cordon_error_set(e, ENAMETOOLONG, "violation log: path too long");
	for (char *s = dir + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return cordon_error_set(e, errno, "violation log: mkdir %s: %m", dir);
		*s = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return cordon_error_set(e, errno, "violation log: open %s: %m", path);
	return fd;
}

int cordon_vlog_latest(char *buf, size_t len, struct cordon_error *e)
{
	char dir[PATH_MAX];
	struct timespec best = {0};
	struct dirent *d;
	DIR *dp;
	int r = sessions_dir(dir, sizeof(dir), e), found = 0;

	if (r < 0)
		return r;
	dp = opendir(dir);
	if (!dp)
		return cordon_error_set(e, errno, "violation log: %s: %m", dir);
	while ((d = readdir(dp))) {
		size_t n = strlen(d->d_name);
		struct stat st;

		if (n < 5 || strcmp(d->d_name + n - 4, ".log") ||
		    fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (found &&
		    (st.st_mtim.tv_sec < best.tv_sec ||
		     (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec <= best.tv_nsec)))
			continue;
		if (snprintf(buf, len, "%s/%s", dir, d->d_name) >= (int)len)
			continue;
		best = st.st_mtim;
		found = 1;
	}
	closedir(dp);
	return found ? 0 : cordon_error_set(e, ENOENT, "no session log in %s", dir);
}
