/*
 * vsockaddr.h - the receiver's --listen=vsock:[CID:]PORT form.
 *
 * Promises: recv_vsockaddr_parse is pure (no socket is opened; this
 * machine's tests must never touch AF_VSOCK) and decides whether a
 * --listen value is the vsock form at all: anything not starting with
 * "vsock:" is a Unix socket path, left to the caller.  CID and PORT are
 * strict decimal (no sign, blanks or 0x); CID defaults to VMADDR_CID_ANY
 * (every local CID), and 4294967295 may be given for it explicitly, but
 * not as a port (VMADDR_PORT_ANY would bind a random port nobody knows).
 */
#ifndef RECV_VSOCKADDR_H
#define RECV_VSOCKADDR_H

#include <stddef.h>

#define RECV_VSOCK_PREFIX "vsock:"
/* VMADDR_CID_ANY / VMADDR_PORT_ANY (linux/vm_sockets.h), spelled here so
 * that the parser needs no kernel header. */
#define RECV_VSOCK_ANY 4294967295UL
#define RECV_VSOCK_PORT_MAX (RECV_VSOCK_ANY - 1)

struct recv_vsockaddr {
	unsigned int cid;
	unsigned int port;
};

enum recv_vsockaddr_result {
	RECV_VSOCKADDR_NOT_VSOCK = 0, /* a Unix path: not this form */
	RECV_VSOCKADDR_OK,            /* *out filled */
	RECV_VSOCKADDR_BAD,           /* err holds one line: value and what is allowed */
};

/* value is the --listen value; on RECV_VSOCKADDR_BAD, err (errcap bytes)
 * gets one line that starts with "--listen='VALUE'". */
enum recv_vsockaddr_result recv_vsockaddr_parse(const char *value,
						struct recv_vsockaddr *out,
						char *err, size_t errcap);

#endif
