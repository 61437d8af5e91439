/* SPDX-License-Identifier: MIT */
/*
 * The device options of `kvmini run` and `kvmini restore`, parsed for
 * cli.c: each takes one option argument (arg outlives cfg: it is argv), adds
 * the device to cfg, and returns CLI_RUN, or CLI_ERROR with the reason,
 * naming the option, in err.
 */
#ifndef KVMINI_CLI_DEVICES_H
#define KVMINI_CLI_DEVICES_H

#include <stddef.h>

#include "cli.h"
#include "errbuf.h"

/* Write the reason into err and give up: return error(err, errlen, "...", ...); */
#define error(err, errlen, ...) ((enum cli_result)errbuf_set(err, errlen, CLI_ERROR, __VA_ARGS__))

/* --disk PATH[,ro] */
enum cli_result cli_devices_disk(struct vm_config *cfg, const char *arg, char *err, size_t errlen);
/* --console stdio|file:PATH */
enum cli_result cli_devices_console(struct vm_config *cfg, const char *arg, char *err,
				    size_t errlen);
/* --net user|tap|socket[,key=value]... */
enum cli_result cli_devices_net(struct vm_config *cfg, const char *arg, char *err, size_t errlen);
/* --vsock CID,PATH */
enum cli_result cli_devices_vsock(struct vm_config *cfg, const char *arg, char *err, size_t errlen);
/* --share HOSTDIR,TAG[,ro] */
enum cli_result cli_devices_share(struct vm_config *cfg, const char *arg, char *err, size_t errlen);

#endif /* KVMINI_CLI_DEVICES_H */
