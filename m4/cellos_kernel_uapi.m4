# cellos_kernel_uapi.m4 - the kernel interfaces the agent is built against
#
# CELLOS_CHECK_KERNEL_UAPI
#   Stops unless the kernel's uapi headers the agent includes are present.
#   Bits newer than Debian 12's 6.1 headers are enum values or types, so
#   they are detected as declarations (HAVE_DECL_PROC_EVENT_NONZERO_EXIT,
#   HAVE_DECL_PROC_CN_MCAST_LISTEN, HAVE_STRUCT_PROC_INPUT in config.h),
#   not with #ifdef.

AC_DEFUN([CELLOS_CHECK_KERNEL_UAPI], [
AC_CHECK_HEADERS([linux/vm_sockets.h linux/taskstats.h linux/cn_proc.h sys/fanotify.h linux/audit.h],
	[], [AC_MSG_ERROR([kernel headers missing: install the Debian package linux-libc-dev])])
AC_CHECK_DECLS([PROC_EVENT_NONZERO_EXIT, PROC_CN_MCAST_LISTEN], [], [],
	[[#include <linux/cn_proc.h>]])
AC_CHECK_TYPES([struct proc_input], [], [], [[#include <linux/cn_proc.h>]])
])
