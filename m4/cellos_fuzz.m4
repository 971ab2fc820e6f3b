# cellos_fuzz.m4 - the compiler of the libFuzzer targets (make fuzz)
#
# CELLOS_CHECK_LIBFUZZER
#   The fuzz targets are built with clang whatever CC is (gcc has no
#   libFuzzer).  Substitutes CLANG (its path; the user may set it) and
#   defines the conditional HAVE_LIBFUZZER when that clang links a fuzz
#   target with -fsanitize=fuzzer,address,undefined (the libFuzzer and
#   sanitizer runtimes are packaged apart from the compiler).

AC_DEFUN([CELLOS_CHECK_LIBFUZZER], [
AC_ARG_VAR([CLANG], [clang, which builds the libFuzzer targets of make fuzz])
AC_PATH_PROG([CLANG], [clang])
AC_CACHE_CHECK([whether clang links a libFuzzer target], [cellos_cv_libfuzzer], [
	cellos_cv_libfuzzer=no
	AS_IF([test -n "$CLANG"], [
		cat >conftest-fuzz.c <<_CELLOS_EOF
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { (void)data; (void)size; return 0; }
_CELLOS_EOF
		AS_IF([$CLANG -fsanitize=fuzzer,address,undefined -o conftest-fuzz conftest-fuzz.c >&AS_MESSAGE_LOG_FD 2>&1],
			[cellos_cv_libfuzzer=yes])
		rm -f conftest-fuzz conftest-fuzz.c
	])
])
AM_CONDITIONAL([HAVE_LIBFUZZER], [test "x$cellos_cv_libfuzzer" = xyes])
])
