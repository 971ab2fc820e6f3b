/*
 * clock.c - monotonic time and reactor timers (see clock.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * CLOCK_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

void clock_timer_init(struct clock_timer *t)
{
	t->fd = -1;
	t->armed = false;
	t->r = NULL;
}

int clock_timer_open(struct clock_timer *t, struct reactor *r, reactor_fn fn,
		     void *ctx)
{
	int err;

	clock_timer_init(t);
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0)
		return -errno;
	if (reactor_add(r, t->fd, EPOLLIN, fn, ctx) < 0) {
		err = -errno;
		close(t->fd);
		t->fd = -1;
		return err;
	}
	t->r = r;
	return 0;
}

int clock_timer_arm_at(struct clock_timer *t, uint64_t abs_ns)
{
	struct itimerspec its;

	if (t->fd < 0)
		return -EBADF;
	memset(&its, 0, sizeof(its));
	if (abs_ns != 0) {
		its.it_value.tv_sec = (time_t)(abs_ns / CLOCK_NS_PER_SEC);
		its.it_value.tv_nsec = (long)(abs_ns % CLOCK_NS_PER_SEC);
		/* An all-zero it_value would disarm: never ask for time 0. */
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(t->fd, abs_ns ? TFD_TIMER_ABSTIME : 0, &its, NULL) < 0)
		return -errno;
	t->armed = abs_ns != 0;
	return 0;
}

int clock_timer_arm_in(struct clock_timer *t, uint64_t delay_ns)
{
	return clock_timer_arm_at(t, clock_now_ns() + (delay_ns ? delay_ns : 1));
}

void clock_timer_ack(struct clock_timer *t)
{
	uint64_t expirations;
	ssize_t n;

	t->armed = false;
	if (t->fd < 0)
		return;
	/* EAGAIN: a spurious wakeup, or re-armed since it fired. */
	do {
		n = read(t->fd, &expirations, sizeof(expirations));
	} while (n < 0 && errno == EINTR);
}

void clock_timer_close(struct clock_timer *t)
{
	if (t->fd < 0)
		return;
	if (t->r)
		(void)reactor_del(t->r, t->fd);
	close(t->fd);
	clock_timer_init(t);
}
