/*
 * sink_errclass.h - what an errno from the sink's connect or write means,
 * and therefore what the sink does about it.
 *
 * The sink's peer is, in production, Firecracker's vsock device, whose
 * behaviour decides the classes:
 * - a connect while nothing listens on the host side is answered with a
 *   reset (ECONNRESET on AF_VSOCK; ECONNREFUSED on a Unix socket), so at
 *   connect time a reset means "absent", not "lost";
 * - each connection gets a 64 KiB transmit buffer on the host side and the
 *   guest sends against that credit: a slow host reader makes the
 *   non-blocking write say EAGAIN, which is "full", never an error;
 * - a snapshot restore resets the device: the guest sees its connection
 *   closed (ECONNRESET, EPIPE, ENOTCONN, or a plain hangup: errno 0), which
 *   is "lost".
 *
 * Promises: a pure function of (phase, errno) with no state and no I/O;
 * every errno has a class (unknown ones are SINK_EC_CONFIG); errno 0 is a
 * hangup without a code.  The unit test pins the class of every errno the
 * sink can meet.
 */
#ifndef CELLOS_AGENT_SINK_ERRCLASS_H
#define CELLOS_AGENT_SINK_ERRCLASS_H

enum sink_phase {
	SINK_PHASE_CONNECT, /* socket(), connect(), SO_ERROR of a connect, open() of a device */
	SINK_PHASE_WRITE,   /* sendmsg()/writev(), SO_ERROR of an established connection */
};

enum sink_errclass {
	/* EINTR: repeat the call at once. */
	SINK_EC_RETRY,
	/* Write, EAGAIN: no room (socket buffer, vsock credit): wait for
	 * EPOLLOUT; records wait in the queue, the workload never does. */
	SINK_EC_FULL,
	/* Connect: nothing listens yet, or the path to it is not up yet (no
	 * vsock transport loaded, device not created): back off, log once. */
	SINK_EC_ABSENT,
	/* Write: the connection is gone (peer closed or restarted, device
	 * reset by a snapshot restore): rewind the partly written record so
	 * it is sent whole on the next connection, reconnect with backoff. */
	SINK_EC_LOST,
	/* This guest is short of memory or descriptors: back off (connect)
	 * or retry the write later on the same connection (write). */
	SINK_EC_RESOURCE,
	/* Anything else (EACCES, EINVAL, ENOTSOCK, ...): the address or the
	 * guest's setup is wrong.  Still retried (the agent never gives up),
	 * but logged as an error. */
	SINK_EC_CONFIG,
};

enum sink_errclass sink_errclass(enum sink_phase phase, int err);

/* A few words for the log line: why this class happens, e.g. "nothing
 * listens on the host side yet".  Never NULL. */
const char *sink_errclass_hint(enum sink_errclass c);

#endif /* CELLOS_AGENT_SINK_ERRCLASS_H */
