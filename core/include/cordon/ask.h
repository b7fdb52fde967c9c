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
 *   session → serve: "caller PID"              once, after hello: the process that started the
 *                                              session (`cordon run` of a serve run, `cordon shell`)
 *   session → serve: "ask TOKEN HOST PORT"     HOST canonical (hostpat.h), TOKEN decimal
 *   session → serve: "bye"                     the session ends as it should (its caller is done)
 *   serve → session: "answer TOKEN once|session|deny"
 * A closed connection denies every open question (fail closed). One closed without "bye" means
 * the session process died: its confined processes lost the network, and serve tells its client
 * (notification session/died). */
#define CORDON_ASK_MAX 4608

#endif
