// SPDX-License-Identifier: MIT
/*
 * net_slirp_open() for a build without libslirp (meson found no 'slirp'
 * dependency): the option exists, and says why it cannot work.
 */
#include <errno.h>

#include "kvmini/log.h"
#include "kvmini/net_backend.h"

int net_slirp_open(struct net_backend **out, const struct net_hostfwd *fwd, unsigned int nfwd)
{
	(void)out;
	(void)fwd;
	(void)nfwd;
	log_error("user-mode networking is not in this build: it needs libslirp (libslirp-dev) "
		  "and a build that is not -Dstatic=true");
	return -ENOTSUP;
}

bool net_slirp_available(void)
{
	return false;
}
