/* sink_errclass.c - see sink_errclass.h. */
#include "config.h"

#include <errno.h>

#include "sink_errclass.h"

/* The same at both phases. */
static int common(int err, enum sink_errclass *out)
{
	switch (err) {
	case EINTR:
		*out = SINK_EC_RETRY;
		return 1;
	case ENOMEM:
	case ENOBUFS:
	case EMFILE:
	case ENFILE:
		*out = SINK_EC_RESOURCE;
		return 1;
	default:
		return 0;
	}
}

static enum sink_errclass at_connect(int err)
{
	switch (err) {
	case ECONNREFUSED:   /* Unix socket: nobody listens */
	case ECONNRESET:     /* vsock: the VMM (or the loopback) answers a reset */
	case ETIMEDOUT:      /* vsock: no answer within the connect timeout */
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENOENT:         /* Unix path or device node not there yet */
	case ENXIO:          /* device node without a device behind it */
	case ENODEV:         /* no vsock transport for the CID (module not loaded yet) */
	case EAFNOSUPPORT:   /* no vsock in the kernel at all (yet) */
	case ENOTCONN:       /* a character device polled hangup: host side closed */
	case EAGAIN:         /* Unix socket: the listener's backlog is full */
	case EPIPE:
	case ECONNABORTED:
		return SINK_EC_ABSENT;
	default:
		return SINK_EC_CONFIG;
	}
}

static enum sink_errclass at_write(int err)
{
	switch (err) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
		return SINK_EC_FULL;
	case 0:              /* hangup without an error code */
	case EPIPE:
	case ECONNRESET:     /* vsock: device reset (snapshot restore), host closed */
	case ENOTCONN:       /* vsock after a reset: the socket is no longer connected */
	case ECONNABORTED:
	case ESHUTDOWN:
	case ETIMEDOUT:
	case EHOSTDOWN:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENODEV:         /* the transport went away under the connection */
	case EIO:            /* a device (virtio port, tty) that failed */
		return SINK_EC_LOST;
	default:
		return SINK_EC_CONFIG;
	}
}

enum sink_errclass sink_errclass(enum sink_phase phase, int err)
{
	enum sink_errclass c;

	if (common(err, &c))
		return c;
	return phase == SINK_PHASE_CONNECT ? at_connect(err) : at_write(err);
}

const char *sink_errclass_hint(enum sink_errclass c)
{
	switch (c) {
	case SINK_EC_RETRY:
		return "interrupted";
	case SINK_EC_FULL:
		return "the peer reads slower than we write";
	case SINK_EC_ABSENT:
		return "nothing listens on the host side yet";
	case SINK_EC_LOST:
		return "the host side closed or reset the connection";
	case SINK_EC_RESOURCE:
		return "the guest is short of memory or descriptors";
	case SINK_EC_CONFIG:
	default:
		return "check the sink address and the guest's setup";
	}
}
