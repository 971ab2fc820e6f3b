# cellos_summary.m4 - what configure found, in one place
#
# CELLOS_SUMMARY
#   Prints, after AC_OUTPUT, the build's options and which optional test
#   and bench targets can run here (a missing tool only makes its target
#   skip or stop with the package to install; tools/deps.sh and
#   tools/deps-vm.sh install them on Debian).  Expects the CELLOS_* checks
#   to have run.

AC_DEFUN([CELLOS_SUMMARY], [
AS_IF([test "x$cellos_cv_libfuzzer" = xyes], [cellos_fuzz_msg=yes],
	[cellos_fuzz_msg="no (install the Debian package clang)"])
AS_IF([test "x$enable_valgrind" = xyes], [cellos_vg_msg=yes],
	[cellos_vg_msg="no (install the Debian package valgrind)"])
cat <<_CELLOS_EOF

$PACKAGE_NAME $PACKAGE_VERSION
  compiler:                 $CC $CFLAGS
  warnings as errors:       $enable_werror
  sanitizers:               $enable_sanitizers
 optional test and bench tools:
  make check-valgrind-unit: $cellos_vg_msg
  make fuzz:                $cellos_fuzz_msg
  make check-vm:            $cellos_vm_tools
  make bench:               $cellos_bench_tools
_CELLOS_EOF
])
