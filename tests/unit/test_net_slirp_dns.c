// SPDX-License-Identifier: MIT
/*
 * The DNS server a --net user guest is given (devices/backends/net_slirp_dns.c):
 * resolv.conf(5) parsing, and the choice between the host's nameserver, the
 * gateway (the host's 127.0.0.1) and libslirp's own forwarder, on files
 * this test writes. No libslirp needed.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmini/net_backend.h"
#include "unit_run.h"

static struct in_addr ip(const char *dotted)
{
	struct in_addr a;
	ck_assert_int_eq(inet_pton(AF_INET, dotted, &a), 1);
	return a;
}

/* The first IPv4 nameserver of text, as a string ("" if none). */
static const char *parsed(const char *text)
{
	static char out[INET_ADDRSTRLEN];
	struct in_addr a;

	if (net_slirp_dns_parse(text, &a))
		return "";
	return inet_ntop(AF_INET, &a, out, sizeof(out));
}

START_TEST(test_parse)
{
	ck_assert_str_eq(parsed("nameserver 192.168.1.1\n"), "192.168.1.1");
	ck_assert_str_eq(parsed("nameserver 8.8.8.8"), "8.8.8.8"); /* no final newline */
	ck_assert_str_eq(parsed("# generated\nsearch example.org\n  nameserver\t10.1.2.3  # x\n"),
			 "10.1.2.3");
	/* Comments, IPv6, scoped and bad addresses are skipped; the first IPv4 one wins. */
	ck_assert_str_eq(parsed("#nameserver 1.1.1.1\n;nameserver 2.2.2.2\nnameserver ::1\n"
				"nameserver fe80::1%eth0\nnameserver 1.2.3\nnameserver 9.9.9.9\n"
				"nameserver 4.4.4.4\n"),
			 "9.9.9.9");
	ck_assert_str_eq(parsed("nameservers 1.1.1.1\nname server 2.2.2.2\n"), "");
	ck_assert_str_eq(parsed(""), "");
	ck_assert_str_eq(parsed("search a b c\noptions ndots:2\n"), "");
	ck_assert_int_eq(net_slirp_dns_parse("", &(struct in_addr){0}), -ENOENT);
	/* A line longer than the parser's buffer is cut, not overrun; the next one still counts. */
	char *text = malloc(5000);
	memset(text, 'x', 4000);
	strcpy(text + 4000, "\nnameserver 5.6.7.8\n");
	ck_assert_str_eq(parsed(text), "5.6.7.8");
	free(text);
}
END_TEST

static char dir[64], conf[96], resolved[96];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/kvmini-dns-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/resolv.conf", dir);
	snprintf(resolved, sizeof(resolved), "%s/resolved.conf", dir);
}

static void teardown(void)
{
	unlink(conf);
	unlink(resolved);
	rmdir(dir);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* net_slirp_dns_choose() on conf (and resolved) with slirp's default network. */
static const char *chosen(void)
{
	static char out[INET_ADDRSTRLEN];
	struct in_addr a = ip("1.2.3.4"); /* must stay as it is when nothing is chosen */

	if (!net_slirp_dns_choose(conf, resolved, ip("10.0.2.0"), ip("255.255.255.0"),
				  ip("10.0.2.2"), &a)) {
		ck_assert_str_eq(inet_ntoa(a), "1.2.3.4");
		return "forwarder";
	}
	return inet_ntop(AF_INET, &a, out, sizeof(out));
}

START_TEST(test_choose)
{
	/* A host nameserver the guest reaches through the NAT: as it is. */
	put(conf, "nameserver 192.168.1.1\n");
	ck_assert_str_eq(chosen(), "192.168.1.1");
	/* A resolver on the host's 127.0.0.1, or none at all: the gateway, slirp's way there. */
	put(conf, "nameserver 127.0.0.1\nnameserver 8.8.8.8\n");
	ck_assert_str_eq(chosen(), "10.0.2.2");
	put(conf, "search example.org\n");
	ck_assert_str_eq(chosen(), "10.0.2.2");
	/* systemd-resolved's stub: its reachable upstream, else the forwarder. */
	put(conf, "nameserver 127.0.0.53\n");
	put(resolved, "nameserver 10.20.30.40\n");
	ck_assert_str_eq(chosen(), "10.20.30.40");
	put(resolved, "nameserver 127.0.0.1\n");
	ck_assert_str_eq(chosen(), "forwarder");
	unlink(resolved);
	ck_assert_str_eq(chosen(), "forwarder");
	/* Unreachable from the guest: another loopback, slirp's own network, 0.0.0.0. */
	put(conf, "nameserver 127.0.1.1\n");
	ck_assert_str_eq(chosen(), "forwarder");
	put(conf, "nameserver 10.0.2.3\n");
	ck_assert_str_eq(chosen(), "forwarder");
	put(conf, "nameserver 0.0.0.0\n");
	ck_assert_str_eq(chosen(), "forwarder");
	/* A file that cannot be read (a directory here): the forwarder, with a warning. */
	unlink(conf);
	ck_assert_int_eq(mkdir(conf, 0700), 0);
	ck_assert_str_eq(chosen(), "forwarder");
	rmdir(conf);
	/* No file at all: the resolver's default, 127.0.0.1 (resolv.conf(5)). */
	ck_assert_str_eq(chosen(), "10.0.2.2");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("net_slirp_dns");
	TCase *tc = tcase_create("net_slirp_dns");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_choose);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
