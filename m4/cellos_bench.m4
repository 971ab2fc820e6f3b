# cellos_bench.m4 - python3 for the tests, and the anchors of make bench
#
# CELLOS_CHECK_PYTHON3
#   Substitutes PYTHON3 (its path; the user may set it): the integration
#   tests parse the agent's JSON with it, independently of the code under
#   test.
#
# CELLOS_CHECK_BENCH_TOOLS
#   The benchmarks measure the agent and the receiver against anchors:
#   libcbor (codec-bench links it; the product never does; conditional
#   HAVE_LIBCBOR with LIBCBOR_CFLAGS and LIBCBOR_LIBS), forkstat (the
#   memory anchor; substitutes FORKSTAT) and python3's cbor2 module (the
#   decoding anchor; substitutes PYTHON3_CBOR2, a python3 that imports it,
#   which need not be the PYTHON3 first in PATH).  Nothing here stops
#   configure; sets $cellos_bench_tools to yes or to what is missing.

AC_DEFUN([CELLOS_CHECK_PYTHON3], [
AC_ARG_VAR([PYTHON3], [python3, used by the integration tests to parse JSON independently])
AC_PATH_PROG([PYTHON3], [python3], [])
])

AC_DEFUN([CELLOS_CHECK_BENCH_TOOLS], [
AC_REQUIRE([CELLOS_CHECK_PYTHON3])
PKG_CHECK_MODULES([LIBCBOR], [libcbor], [have_libcbor=yes], [have_libcbor=no])
AM_CONDITIONAL([HAVE_LIBCBOR], [test "x$have_libcbor" = xyes])
AC_PATH_PROG([FORKSTAT], [forkstat])
AC_CACHE_CHECK([for a python3 with the cbor2 module], [cellos_cv_python3_cbor2], [
	cellos_cv_python3_cbor2=no
	for cellos_py in "$PYTHON3" /usr/bin/python3; do
		AS_IF([test -n "$cellos_py" && "$cellos_py" -c 'import cbor2' >/dev/null 2>&1],
			[cellos_cv_python3_cbor2=$cellos_py; break])
	done
])
AS_IF([test "x$cellos_cv_python3_cbor2" = xno], [PYTHON3_CBOR2=], [PYTHON3_CBOR2=$cellos_cv_python3_cbor2])
AC_SUBST([PYTHON3_CBOR2])
cellos_bench_tools=
AS_IF([test "x$have_libcbor" != xyes], [cellos_bench_tools="$cellos_bench_tools libcbor-dev"])
AS_IF([test -z "$FORKSTAT"], [cellos_bench_tools="$cellos_bench_tools forkstat"])
AS_IF([test -z "$PYTHON3_CBOR2"], [cellos_bench_tools="$cellos_bench_tools python3-cbor2"])
AS_IF([test -z "$cellos_bench_tools"], [cellos_bench_tools=yes], [cellos_bench_tools="no (missing:$cellos_bench_tools)"])
])
