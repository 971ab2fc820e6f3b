/*
 * bpfconnect-helper - the connect-program tests' view of the kernel,
 * independent of the agent:
 *
 *   bpfconnect-helper probe
 *       load (never attach) the agent's connect program for each hook,
 *       with and without bpf_get_current_comm, and print one line each:
 *       "HOOK comm|nocomm ok" or "HOOK comm|nocomm refused: ERRNO".
 *       Exit 0 when the inet4 program loads in some variant.
 *   bpfconnect-helper attached CGROUP
 *       print the number of programs attached to CGROUP at the inet4,
 *       inet6 and unix connect hooks (BPF_PROG_QUERY), one line:
 *       "attached=N".
 *   bpfconnect-helper connect CGROUP COMM KIND
 *       move itself into CGROUP, take COMM as its name, make one connect
 *       of KIND (tcp4: 127.0.0.1, tcp6: ::1, udp4: 127.0.0.1, unix: a
 *       Unix stream socket) to a socket of its own, and print
 *       "pid=N KIND=ok".  Exit 0 only when the connect succeeded.
 *   bpfconnect-helper connect CGROUP COMM udp4 COUNT
 *       the same with COUNT connects of one UDP socket (each one runs
 *       the connect program): "pid=N udp4=ok connects=COUNT".
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/bpfconnect_prog.h"

#define RING_BYTES (64 * 1024)

static int sys_bpf(int cmd, union bpf_attr *a)
{
	return (int)syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static int map_create(uint32_t type, uint32_t key, uint32_t value,
		      uint32_t entries, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = entries;
	a.map_flags = flags;
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int probe(void)
{
	int ring = map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, RING_BYTES, 0);
	int lost = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_MMAPABLE);
	int inet4_ok = 0;

	if (ring < 0 || lost < 0) {
		printf("maps refused: %s\n", strerror(errno));
		return 1;
	}
	for (int h = 0; h < BPFCONNECT_HOOKS; h++) {
		for (unsigned flags = BPFCONNECT_COMM;; flags = 0) {
			struct bpf_insn insns[BPFCONNECT_PROG_MAX];
			size_t n = bpfconnect_build(insns, BPFCONNECT_PROG_MAX, ring,
						    lost, (enum bpfconnect_hook)h, flags);
			union bpf_attr a;
			memset(&a, 0, sizeof(a));
			a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
			a.expected_attach_type = bpfconnect_attach_type((enum bpfconnect_hook)h);
			a.insns = (uint64_t)(uintptr_t)insns;
			a.insn_cnt = (uint32_t)n;
			a.license = (uint64_t)(uintptr_t)"";
			int fd = sys_bpf(BPF_PROG_LOAD, &a);
			const char *variant = flags ? "comm" : "nocomm";
			if (fd >= 0) {
				printf("%s %s ok\n", bpfconnect_hook_name((enum bpfconnect_hook)h),
				       variant);
				if (h == BPFCONNECT_INET4)
					inet4_ok = 1;
				close(fd);
			} else {
				printf("%s %s refused: %s\n",
				       bpfconnect_hook_name((enum bpfconnect_hook)h), variant,
				       strerror(errno));
			}
			if (flags == 0)
				break;
		}
	}
	return inet4_ok ? 0 : 1;
}

static int attached(const char *cgroup)
{
	int fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	unsigned total = 0;

	if (fd < 0) {
		perror(cgroup);
		return 1;
	}
	for (int h = 0; h < BPFCONNECT_HOOKS; h++) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.query.target_fd = (uint32_t)fd;
		a.query.attach_type = bpfconnect_attach_type((enum bpfconnect_hook)h);
		if (sys_bpf(BPF_PROG_QUERY, &a) < 0) {
			/* A kernel without the Unix hook has nothing there. */
			if (h == BPFCONNECT_UNIX && errno == EINVAL)
				continue;
			perror("BPF_PROG_QUERY");
			return 1;
		}
		total += a.query.prog_cnt;
	}
	close(fd);
	printf("attached=%u\n", total);
	return 0;
}

static int join_cgroup(const char *cgroup)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) != 2) {
		perror(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* A listening (or, for UDP, bound) socket of the family and type, and
 * count connects to it (a UDP socket may connect again). */
static int inet_connect(int family, int type, long count)
{
	struct sockaddr_storage ss;
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in)
					  : sizeof(struct sockaddr_in6);
	int srv = socket(family, type | SOCK_CLOEXEC, 0);
	int cli = socket(family, type | SOCK_CLOEXEC, 0);

	if (srv < 0 || cli < 0)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
	}
	if (bind(srv, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(srv, 1) < 0) ||
	    getsockname(srv, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	int rc = 0;
	for (long i = 0; i < count && rc == 0; i++)
		rc = connect(cli, (struct sockaddr *)&ss, len);
	close(cli);
	close(srv);
	return rc;
}

static int unix_connect(void)
{
	struct sockaddr_un sun;
	socklen_t len;
	int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (srv < 0 || cli < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* Abstract name: nothing to clean up. */
	int n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
			 "cellos-bpfconnect-%d", (int)getpid());
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	if (bind(srv, (struct sockaddr *)&sun, len) < 0 || listen(srv, 1) < 0)
		return -1;
	int rc = connect(cli, (struct sockaddr *)&sun, len);
	close(cli);
	close(srv);
	return rc;
}

static int do_connect(const char *cgroup, const char *comm, const char *kind,
		      long count)
{
	int rc;

	if (join_cgroup(cgroup) < 0)
		return 1;
	if (prctl(PR_SET_NAME, comm, 0, 0, 0) < 0) {
		perror("PR_SET_NAME");
		return 1;
	}
	if (strcmp(kind, "tcp4") == 0)
		rc = inet_connect(AF_INET, SOCK_STREAM, 1);
	else if (strcmp(kind, "tcp6") == 0)
		rc = inet_connect(AF_INET6, SOCK_STREAM, 1);
	else if (strcmp(kind, "udp4") == 0)
		rc = inet_connect(AF_INET, SOCK_DGRAM, count);
	else if (strcmp(kind, "unix") == 0)
		rc = unix_connect();
	else {
		fprintf(stderr, "unknown kind %s\n", kind);
		return 2;
	}
	if (rc < 0) {
		printf("pid=%d %s=%s\n", (int)getpid(), kind, strerror(errno));
		return 1;
	}
	if (count > 1)
		printf("pid=%d %s=ok connects=%ld\n", (int)getpid(), kind, count);
	else
		printf("pid=%d %s=ok\n", (int)getpid(), kind);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "probe") == 0)
		return probe();
	if (argc == 3 && strcmp(argv[1], "attached") == 0)
		return attached(argv[2]);
	if (argc == 5 && strcmp(argv[1], "connect") == 0)
		return do_connect(argv[2], argv[3], argv[4], 1);
	if (argc == 6 && strcmp(argv[1], "connect") == 0 &&
	    strcmp(argv[4], "udp4") == 0 && atol(argv[5]) > 0)
		return do_connect(argv[2], argv[3], argv[4], atol(argv[5]));
	fprintf(stderr, "usage: bpfconnect-helper probe | attached CGROUP | "
		"connect CGROUP COMM tcp4|tcp6|udp4|unix | "
		"connect CGROUP COMM udp4 COUNT\n");
	return 2;
}
