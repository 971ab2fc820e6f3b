# cellos_sanitizers.m4 - the AddressSanitizer and UBSan build
#
# CELLOS_ENABLE_SANITIZERS
#   Provides --enable-sanitizers.  When given, checks that the compiler can
#   link with the sanitizers (their runtimes are separate packages) and
#   substitutes SAN_CFLAGS (used to compile and to link); otherwise
#   SAN_CFLAGS is empty.  Defines the conditional ENABLE_SANITIZERS (the
#   tests that cannot run under a sanitizer runtime skip themselves).

AC_DEFUN([CELLOS_ENABLE_SANITIZERS], [
AC_REQUIRE([AC_PROG_CC])
AC_ARG_ENABLE([sanitizers],
	[AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UndefinedBehaviorSanitizer])],
	[], [enable_sanitizers=no])
SAN_CFLAGS=
AS_IF([test "x$enable_sanitizers" = xyes], [
	cellos_san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	AX_CHECK_LINK_FLAG([$cellos_san], [SAN_CFLAGS=$cellos_san],
		[AC_MSG_ERROR([--enable-sanitizers: the compiler cannot link with $cellos_san (gcc: install the Debian packages libasan8 and libubsan1)])])
])
AC_SUBST([SAN_CFLAGS])
AM_CONDITIONAL([ENABLE_SANITIZERS], [test "x$enable_sanitizers" = xyes])
])
