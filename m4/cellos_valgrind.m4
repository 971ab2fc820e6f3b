# cellos_valgrind.m4 - the valgrind run of the unit tests
#
# CELLOS_CHECK_VALGRIND
#   autoconf-archive's AX_VALGRIND_CHECK with memcheck only (sgcheck, drd
#   and helgrind off: the programs are single-threaded), for
#   `make check-valgrind-unit`.  Sets $enable_valgrind to yes or no.

AC_DEFUN([CELLOS_CHECK_VALGRIND], [
AX_VALGRIND_DFLT([sgcheck], [off])
AX_VALGRIND_DFLT([drd], [off])
AX_VALGRIND_DFLT([helgrind], [off])
AX_VALGRIND_CHECK
])
