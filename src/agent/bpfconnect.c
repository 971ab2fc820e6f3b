/*
 * bpfconnect.c - load, attach and read the connect-watching cgroup BPF
 * program (see bpfconnect.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "agent/bpfconnect.h"

/* Where a private cgroup v2 mount is tried, in order: a minimal guest
 * may lack /run or /tmp, never /dev (the agent's init mounts it). */
static const char *const mount_bases[] = { "/run", "/tmp", "/dev" };

/* The verifier's log of a refused load, for the debug log. */
#define VERIFIER_LOG_BYTES 8192

/* Longest line read from /proc/self/mountinfo. */
#define MOUNTINFO_LINE 1024

/* The program calls only helpers open to any licence. */
static const char prog_license[] = "";

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long rc;

	do {
		rc = syscall(__NR_bpf, cmd, attr, sizeof(*attr));
	} while (rc < 0 && errno == EINTR);
	return (int)rc;
}

static uint64_t ptr_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Before 5.11 map memory counts against RLIMIT_MEMLOCK, often 64 KiB. */
static int map_create(uint32_t type, uint32_t key, uint32_t value,
		      uint32_t entries, uint32_t flags)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = entries;
	a.map_flags = flags;
	fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0 && errno == EPERM) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
		if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
			fd = sys_bpf(BPF_MAP_CREATE, &a);
		else
			errno = EPERM;
	}
	return fd;
}

static int prog_load(struct bpfconnect *b, enum bpfconnect_hook hook,
		     unsigned flags, char *log, size_t log_len)
{
	struct bpf_insn insns[BPFCONNECT_PROG_MAX];
	size_t n = bpfconnect_build(insns, BPFCONNECT_PROG_MAX, b->ring_fd,
				    b->lost_fd, hook, flags);
	union bpf_attr a;
	int fd;

	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	a.expected_attach_type = bpfconnect_attach_type(hook);
	a.insns = ptr_u64(insns);
	a.insn_cnt = (uint32_t)n;
	a.license = ptr_u64(prog_license);
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0 || log == NULL)
		return fd;
	/* Again with the verifier's log, to say why. */
	int e = errno;
	log[0] = '\0';
	a.log_level = 1;
	a.log_buf = ptr_u64(log);
	a.log_size = (uint32_t)log_len;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	errno = e;
	return -1;
}

/* The last non-empty line of a verifier log. */
static const char *last_line(char *log)
{
	size_t n = strnlen(log, VERIFIER_LOG_BYTES - 1);

	while (n > 0 && (log[n - 1] == '\n' || log[n - 1] == ' '))
		log[--n] = '\0';
	char *nl = strrchr(log, '\n');
	return nl ? nl + 1 : log;
}

static int link_create(int prog_fd, int cgroup_fd, uint32_t attach_type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog_fd;
	a.link_create.target_fd = (uint32_t)cgroup_fd;
	a.link_create.attach_type = attach_type;
	return sys_bpf(BPF_LINK_CREATE, &a);
}

static bool is_cgroup2(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* The mount point of a cgroup v2 mount of the hierarchy's root, from
 * /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - TYPE ...". */
static bool find_cgroup2_root(char *out, size_t len)
{
	char line[MOUNTINFO_LINE];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char root[MOUNTINFO_LINE], dir[MOUNTINFO_LINE];
		const char *dash = strstr(line, " - cgroup2 ");
		if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", root, dir) != 2)
			continue;
		/* Octal escapes (\040) in a mount point: not a path we can
		 * use as it stands; such a mount is skipped. */
		if (strcmp(root, "/") != 0 || strchr(dir, '\\'))
			continue;
		found = (size_t)snprintf(out, len, "%s", dir) < len;
	}
	fclose(f);
	return found;
}

/* cgroup v2 is not mounted: mount it on a fresh directory, open its
 * root, and take the mount away again. */
static int open_private_cgroup2(struct bpfconnect *b, char *why, size_t len)
{
	int err = ENOENT;

	for (size_t i = 0; i < sizeof(mount_bases) / sizeof(mount_bases[0]); i++) {
		char dir[BPFCONNECT_PATH_MAX];
		snprintf(dir, sizeof(dir), "%s/cellos-telemetry-cgroup2.XXXXXX",
			 mount_bases[i]);
		if (!mkdtemp(dir)) {
			err = errno;
			continue;
		}
		int fd = -1;
		if (mount("cgroup2", dir, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) == 0) {
			fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			err = errno;
			if (umount2(dir, MNT_DETACH) < 0)
				agent_log(LOG_WARN, "bpf: umount %s: %s", dir,
					  strerror(errno));
		} else {
			err = errno;
		}
		if (rmdir(dir) < 0)
			agent_log(LOG_WARN, "bpf: rmdir %s: %s", dir, strerror(errno));
		if (fd >= 0) {
			agent_log(LOG_INFO, "bpf: cgroup v2 is not mounted: mounted it "
				  "on %s to attach at its root, and unmounted it", dir);
			snprintf(b->where, sizeof(b->where), "the cgroup v2 root");
			return fd;
		}
		if (err == EPERM || err == ENODEV)
			break;
	}
	snprintf(why, len, "cgroup v2 is not mounted and mounting it failed: %s",
		 strerror(err));
	return -1;
}

static int open_cgroup(struct bpfconnect *b, const char *cgroup, char *why,
		       size_t len)
{
	char root[BPFCONNECT_PATH_MAX];
	int fd;

	if (cgroup == NULL) {
		if (!find_cgroup2_root(root, sizeof(root)))
			return open_private_cgroup2(b, why, len);
		cgroup = root;
	}
	snprintf(b->where, sizeof(b->where), "%s", cgroup);
	fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "--cgroup=%s: %s", cgroup, strerror(errno));
		return -1;
	}
	if (!is_cgroup2(fd)) {
		snprintf(why, len, "--cgroup=%s: not a cgroup v2 directory", cgroup);
		close(fd);
		return -1;
	}
	return fd;
}

static int map_ring(struct bpfconnect *b)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0 || BPFCONNECT_RING_BYTES % (unsigned long)page != 0) {
		errno = EINVAL;
		return -1;
	}
	b->page = (size_t)page;
	b->cons_map = mmap(NULL, b->page, PROT_READ | PROT_WRITE, MAP_SHARED,
			   b->ring_fd, 0);
	if (b->cons_map == MAP_FAILED) {
		b->cons_map = NULL;
		return -1;
	}
	b->prod_len = b->page + 2 * (size_t)BPFCONNECT_RING_BYTES;
	b->prod_map = mmap(NULL, b->prod_len, PROT_READ, MAP_SHARED, b->ring_fd,
			   (off_t)b->page);
	if (b->prod_map == MAP_FAILED) {
		b->prod_map = NULL;
		return -1;
	}
	b->lost_map = mmap(NULL, b->page, PROT_READ, MAP_SHARED, b->lost_fd, 0);
	if (b->lost_map == MAP_FAILED) {
		b->lost_map = NULL;
		return -1;
	}
	b->ring.consumer_pos = b->cons_map;
	b->ring.producer_pos = b->prod_map;
	b->ring.data = (const uint8_t *)b->prod_map + b->page;
	b->ring.data_size = BPFCONNECT_RING_BYTES;
	return 0;
}

/* The comm of a pid the program could not name, from /proc.  "" when
 * it is already gone. */
static size_t proc_comm(struct bpfconnect *b, uint32_t pid, char *out)
{
	char path[32];
	ssize_t n = -1;
	int fd;

	if (b->proc_fd < 0)
		return 0;
	snprintf(path, sizeof(path), "%" PRIu32 "/comm", pid);
	fd = openat(b->proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	do {
		n = read(fd, out, BPFCONNECT_COMM_LEN);
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return 0;
	if (out[n - 1] == '\n')
		n--;
	return (size_t)n;
}

static void on_record(void *ctx, const void *sample, uint32_t len)
{
	struct bpfconnect *b = ctx;
	struct bpfconnect_record rec;
	char comm[BPFCONNECT_COMM_LEN];
	size_t comm_len;

	if (len < sizeof(rec)) {
		stats_add(STAT_DROP_UNKNOWN, 1);
		return;
	}
	memcpy(&rec, sample, sizeof(rec));
	if (rec.tgid == b->self)
		return;
	if (b->comm) {
		memcpy(comm, rec.comm, sizeof(comm));
		comm_len = strnlen(comm, sizeof(comm));
	} else {
		comm_len = proc_comm(b, rec.tgid, comm);
	}
	pump_emit(b->pump, WIRE_PROBE_NET_CONNECT_ATTEMPTED, rec.tgid, comm,
		  comm_len, rec.ts_ns);
}

static void account_lost(struct bpfconnect *b)
{
	uint64_t lost = __atomic_load_n((const uint64_t *)b->lost_map,
					__ATOMIC_RELAXED);

	if (lost != b->lost_seen) {
		stats_add(STAT_DROP_BPF, lost - b->lost_seen);
		b->lost_seen = lost;
	}
}

static void on_ring(void *ctx, uint32_t events)
{
	struct bpfconnect *b = ctx;

	(void)events;
	(void)bpfconnect_ring_drain(&b->ring, BPFCONNECT_BATCH, on_record, b);
	account_lost(b);
}

static void bpfconnect_init(struct bpfconnect *b)
{
	memset(b, 0, sizeof(*b));
	b->ring_fd = b->lost_fd = b->proc_fd = -1;
	for (int h = 0; h < BPFCONNECT_HOOKS; h++)
		b->prog_fd[h] = b->link_fd[h] = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void release(struct bpfconnect *b)
{
	if (b->in_reactor)
		reactor_del(b->r, b->ring_fd);
	b->in_reactor = false;
	/* Links first: from here on no connect runs the program. */
	for (int h = 0; h < BPFCONNECT_HOOKS; h++)
		close_fd(&b->link_fd[h]);
	for (int h = 0; h < BPFCONNECT_HOOKS; h++)
		close_fd(&b->prog_fd[h]);
	if (b->cons_map)
		munmap(b->cons_map, b->page);
	if (b->prod_map)
		munmap(b->prod_map, b->prod_len);
	if (b->lost_map)
		munmap(b->lost_map, b->page);
	b->cons_map = b->prod_map = b->lost_map = NULL;
	close_fd(&b->ring_fd);
	close_fd(&b->lost_fd);
	close_fd(&b->proc_fd);
	b->hooks = 0;
}

/* Load the program for every hook, with comm if the kernel allows it. */
static int load_programs(struct bpfconnect *b, char *why, size_t len)
{
	static char vlog[VERIFIER_LOG_BYTES];

	b->comm = true;
	b->prog_fd[BPFCONNECT_INET4] = prog_load(b, BPFCONNECT_INET4,
						 BPFCONNECT_COMM, vlog, sizeof(vlog));
	if (b->prog_fd[BPFCONNECT_INET4] < 0 && (errno == EINVAL || errno == EACCES)) {
		agent_log(LOG_INFO, "bpf: this kernel refuses bpf_get_current_comm "
			  "in connect programs (%s); comm is read from /proc",
			  last_line(vlog));
		b->comm = false;
		b->prog_fd[BPFCONNECT_INET4] = prog_load(b, BPFCONNECT_INET4, 0,
							 vlog, sizeof(vlog));
	}
	if (b->prog_fd[BPFCONNECT_INET4] < 0) {
		int e = errno;
		snprintf(why, len, "the connect program does not load: %s%s%s",
			 strerror(e), vlog[0] ? ": " : "", last_line(vlog));
		return -1;
	}
	unsigned flags = b->comm ? BPFCONNECT_COMM : 0;
	b->prog_fd[BPFCONNECT_INET6] = prog_load(b, BPFCONNECT_INET6, flags,
						 vlog, sizeof(vlog));
	if (b->prog_fd[BPFCONNECT_INET6] < 0) {
		snprintf(why, len, "the inet6 connect program does not load: %s",
			 strerror(errno));
		return -1;
	}
	/* Before 6.7 the kernel does not know the attach type. */
	b->prog_fd[BPFCONNECT_UNIX] = prog_load(b, BPFCONNECT_UNIX, flags, NULL, 0);
	if (b->prog_fd[BPFCONNECT_UNIX] < 0)
		agent_log(LOG_INFO, "bpf: no Unix-socket connect hook on this kernel "
			  "(6.7+): %s; Unix connects are not reported", strerror(errno));
	return 0;
}

int bpfconnect_start(struct bpfconnect *b, const struct source_env *env,
		     const char *cgroup, struct source_msg *msg)
{
	char *why = msg->text;
	const size_t why_len = sizeof(msg->text);
	int cgroup_fd = -1;
	int err = -EINVAL;

	bpfconnect_init(b);
	b->r = env->r;
	b->pump = env->pump;
	b->self = (uint32_t)getpid();
	msg->armed = 0;
	why[0] = '\0';

	b->ring_fd = map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, BPFCONNECT_RING_BYTES, 0);
	if (b->ring_fd < 0) {
		err = -errno;
		snprintf(why, why_len, "BPF ring buffer: %s", strerror(errno));
		goto fail;
	}
	b->lost_fd = map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t),
				sizeof(uint64_t), 1, BPF_F_MMAPABLE);
	if (b->lost_fd < 0) {
		snprintf(why, why_len, "BPF array map: %s", strerror(errno));
		goto fail;
	}
	if (map_ring(b) < 0) {
		snprintf(why, why_len, "mapping the BPF ring buffer: %s", strerror(errno));
		goto fail;
	}
	if (load_programs(b, why, why_len) < 0)
		goto fail;
	if (!b->comm) {
		b->proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (b->proc_fd < 0)
			agent_log(LOG_WARN, "bpf: /proc: %s; connects go out without comm",
				  strerror(errno));
	}
	cgroup_fd = open_cgroup(b, cgroup, why, why_len);
	if (cgroup_fd < 0)
		goto fail;
	for (int h = 0; h < BPFCONNECT_HOOKS; h++) {
		if (b->prog_fd[h] < 0)
			continue;
		b->link_fd[h] = link_create(b->prog_fd[h], cgroup_fd,
					    bpfconnect_attach_type((enum bpfconnect_hook)h));
		if (b->link_fd[h] < 0) {
			snprintf(why, why_len, "attaching the %s connect program to %s: %s",
				 bpfconnect_hook_name((enum bpfconnect_hook)h), b->where,
				 strerror(errno));
			goto fail;
		}
		b->hooks |= 1u << h;
	}
	close(cgroup_fd);
	cgroup_fd = -1;
	if (reactor_add(b->r, b->ring_fd, EPOLLIN, on_ring, b) < 0) {
		snprintf(why, why_len, "epoll: %s", strerror(errno));
		goto fail;
	}
	b->in_reactor = true;
	b->started = true;
	msg->armed = 1u << WIRE_PROBE_NET_CONNECT_ATTEMPTED;
	agent_log(LOG_INFO, "bpf: net.connect_attempted from connect programs "
		  "attached to %s", b->where);
	return 0;

fail:
	if (cgroup_fd >= 0)
		close(cgroup_fd);
	release(b);
	return err;
}

void bpfconnect_stop(struct bpfconnect *b)
{
	if (!b->started)
		return;
	b->started = false;
	if (b->in_reactor) {
		(void)bpfconnect_ring_drain(&b->ring, SIZE_MAX, on_record, b);
		account_lost(b);
	}
	release(b);
}

void bpfconnect_describe(const struct bpfconnect *b, char *out, size_t len)
{
	size_t used;

	used = (size_t)snprintf(out, len, "bpf");
	for (int h = 0; h < BPFCONNECT_HOOKS && used < len; h++) {
		if (b->hooks & (1u << h))
			used += (size_t)snprintf(out + used, len - used, "%s%s",
						 used == 3 ? " " : ",",
						 bpfconnect_hook_name((enum bpfconnect_hook)h));
	}
}
