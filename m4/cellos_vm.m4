# cellos_vm.m4 - what `make check-vm` boots
#
# CELLOS_CHECK_VM_TOOLS
#   Substitutes QEMU (the path of qemu-system-x86_64; the user may set it)
#   and looks for cpio and a guest kernel the way tests/vm/check-vm.sh
#   picks one (a /boot/vmlinuz-* with its modules installed).  Nothing here
#   stops configure: without them check-vm skips, and the script checks
#   again when it runs (a kernel may be installed after configure).
#   Sets $cellos_vm_tools to yes or to what is missing.

AC_DEFUN([CELLOS_CHECK_VM_TOOLS], [
AC_ARG_VAR([QEMU], [qemu-system-x86_64, which boots the guest of make check-vm])
AC_PATH_PROG([QEMU], [qemu-system-x86_64])
AC_PATH_PROG([CPIO], [cpio])
AC_CACHE_CHECK([for a guest kernel with its modules], [cellos_cv_vm_kernel], [
	cellos_cv_vm_kernel=no
	for cellos_k in `ls /boot/vmlinuz-* 2>/dev/null | sort -V -r`; do
		cellos_v=`AS_ECHO(["$cellos_k"]) | sed 's,^/boot/vmlinuz-,,'`
		AS_IF([test -r "$cellos_k" && test -f "/lib/modules/$cellos_v/modules.dep"],
			[cellos_cv_vm_kernel=$cellos_k; break])
	done
])
cellos_vm_tools=
AS_IF([test -z "$QEMU"], [cellos_vm_tools="$cellos_vm_tools qemu-system-x86"])
AS_IF([test -z "$CPIO"], [cellos_vm_tools="$cellos_vm_tools cpio"])
AS_IF([test "x$cellos_cv_vm_kernel" = xno], [cellos_vm_tools="$cellos_vm_tools linux-image-amd64"])
AS_IF([test -z "$cellos_vm_tools"], [cellos_vm_tools=yes], [cellos_vm_tools="no (missing:$cellos_vm_tools)"])
])
