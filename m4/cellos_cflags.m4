# cellos_cflags.m4 - the language level and the warnings the tree is held to
#
# CELLOS_PROG_CC_GNU11
#   Adds -std=gnu11 to CFLAGS, or stops: the code is C11 with GNU
#   extensions (glibc's netlink and signalfd headers want _GNU_SOURCE
#   anyway).
#
# CELLOS_WARN_CFLAGS
#   Provides --enable-werror and substitutes WARN_CFLAGS: every flag of the
#   project's warning set that this compiler accepts (gcc and clang accept
#   all of them today; a compiler that lacks one builds without it rather
#   than failing), plus -Werror when asked for.  WARN_CFLAGS is not added
#   to CFLAGS, so configure's own test programs never see -Werror.

AC_DEFUN([CELLOS_PROG_CC_GNU11], [
AC_REQUIRE([AC_PROG_CC])
AX_CHECK_COMPILE_FLAG([-std=gnu11], [CFLAGS="$CFLAGS -std=gnu11"],
	[AC_MSG_ERROR([the compiler does not accept -std=gnu11])])
])

AC_DEFUN([CELLOS_WARN_CFLAGS], [
AC_REQUIRE([AC_PROG_CC])
AC_ARG_ENABLE([werror],
	[AS_HELP_STRING([--enable-werror], [treat compiler warnings as errors])],
	[], [enable_werror=no])
WARN_CFLAGS=
# -Werror while probing: clang only warns about a -W option it does not know.
AX_APPEND_COMPILE_FLAGS([-Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes dnl
-Wmissing-prototypes -Wpointer-arith -Wvla -Wundef -Wno-unused-parameter],
	[WARN_CFLAGS], [-Werror])
AS_IF([test "x$enable_werror" = xyes], [WARN_CFLAGS="$WARN_CFLAGS -Werror"])
AC_SUBST([WARN_CFLAGS])
])
