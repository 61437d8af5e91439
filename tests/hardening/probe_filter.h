/* SPDX-License-Identifier: MIT */
/*
 * What every seccomp probe does first (tests/hardening/seccomp*_probe.c):
 * install the monitor's own filter with seccomp_install() (vmm/host/seccomp.h),
 * as main.c does, and make sure it is there.
 */
#ifndef KVMINI_PROBE_FILTER_H
#define KVMINI_PROBE_FILTER_H

/*
 * Install the filter with extras (enum seccomp_extras), saying so on stdout
 * with what (" (with --vsock)"...); stdout is made line-buffered first, so
 * its buffer exists before the filter. Exits 77 with a SKIP line when this
 * build installs no filter (a sanitizer build), 1 when the filter is not in
 * place afterwards. Returns 0, or 1 if seccomp_install() failed (logged).
 */
int probe_filter_install(unsigned int extras, const char *what);

#endif /* KVMINI_PROBE_FILTER_H */
