/*
 * sink_addr.h - where the stream goes, as the --sink option spells it:
 * the grammar (sink_addr_parse) and the text for logs
 * (sink_addr_describe).  Pure: no system calls, no allocation; the unit
 * tests call it directly.
 */
#ifndef CELLOS_AGENT_SINK_ADDR_H
#define CELLOS_AGENT_SINK_ADDR_H

#include <stddef.h>

#define SINK_DEFAULT_URI "vsock:2:9001"
/* sizeof(((struct sockaddr_un *)0)->sun_path) on Linux. */
#define SINK_PATH_BYTES 108
/* The largest text sink_addr_describe() writes, with its NUL. */
#define SINK_DESCRIBE_BYTES (SINK_PATH_BYTES + 16)

struct sink_addr {
	enum sink_kind { SINK_VSOCK, SINK_UNIX, SINK_STDOUT, SINK_CHARDEV } kind;
	unsigned int cid, port;       /* SINK_VSOCK */
	char path[SINK_PATH_BYTES];   /* SINK_UNIX, SINK_CHARDEV; NUL-terminated */
};

/* Parse a --sink value: "vsock:CID:PORT" (decimal; CID and PORT in
 * 0..4294967294, since 4294967295 is VMADDR_CID_ANY / VMADDR_PORT_ANY and
 * cannot be connected to), "unix:PATH" (PATH not empty, at most 107 bytes),
 * "chardev:PATH" (PATH absolute, at most 107 bytes) or "-" (standard
 * output).  0, or -EINVAL with err (errlen bytes, NUL-terminated)
 * set to one line naming the value and what is allowed, without the option
 * name (the caller prefixes "--sink: "). */
int sink_addr_parse(const char *uri, struct sink_addr *out, char *err, size_t errlen);

/* "vsock:2:9001", "unix:/run/x.sock", "chardev:/dev/vport0p1" or
 * "standard output", for logs. */
void sink_addr_describe(const struct sink_addr *a, char *buf, size_t len);

#endif /* CELLOS_AGENT_SINK_ADDR_H */
