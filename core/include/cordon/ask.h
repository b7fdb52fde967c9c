/* ask.h — network/ask between a session process and the editor's `cordon serve`: the wire format
 * of the unix socket that carries a question about a host neither list decides, and its answer. */
#ifndef CORDON_ASK_H
#define CORDON_ASK_H

/* Environment variable naming the abstract unix socket (unix(7), without the leading NUL) of the
 * `cordon serve` that started the command. A session process that finds it at start connects
 * (SOCK_SEQPACKET) and asks there; without it unlisted hosts are denied as always. */
#define CORDON_ASK_ENV "CORDON_ASK_SOCKET"

/* Largest message either way, bytes. Messages are text, one per SEQPACKET record:
 *   session → serve: "hello ID LOGPATH"        once, after connecting
 *   session → serve: "ask TOKEN HOST PORT"     HOST canonical (hostpat.h), TOKEN decimal
 *   serve → session: "answer TOKEN once|session|deny"
 * A closed connection denies every open question (fail closed). */
#define CORDON_ASK_MAX 4608

#endif
