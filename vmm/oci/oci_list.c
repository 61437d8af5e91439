// SPDX-License-Identifier: MIT
/*
 * `state` and `list`. Readers take no lock: state.json is only ever replaced
 * by rename(2), so a reader sees a whole file; a directory without one is a
 * create or delete in progress and is left out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/oci_list.h"
#include "oci/oci_log.h"
#include "oci/oci_state.h"

int oci_list_print_json(json_object *j)
{
	int ret = printf("%s\n", json_object_to_json_string_ext(
					 j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ||
				  fflush(stdout)
			  ? -EIO
			  : 0;

	if (ret)
		oci_log(LOG_ERROR, "cannot write the output: %s", strerror(errno));
	return ret;
}

/* Container id's state, its status as it is now. 0 or -errno (logged). */
static int read_one(const char *root, const char *id, struct oci_state *st)
{
	char err[512];
	int dirfd, ret = oci_state_open(root, id, &dirfd, st, err, sizeof(err));

	if (ret) {
		oci_log(LOG_ERROR, "%s", err);
		return ret;
	}
	close(dirfd);
	oci_state_refresh(st);
	return 0;
}

int oci_list_state(const char *root, const char *id)
{
	struct oci_state st;
	int ret = read_one(root, id, &st);

	if (ret)
		return ret;
	json_object *j = oci_state_to_json(&st);
	ret = j ? oci_list_print_json(j) : -ENOMEM;
	json_object_put(j);
	oci_state_free(&st);
	return ret;
}

void oci_list_table(FILE *out, const char *const *cells, size_t nrows, size_t ncols)
{
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *cell = cells[r * ncols + c];
			if (c + 1 == ncols) {
				fprintf(out, "%s\n", cell);
				continue;
			}
			size_t width = 12;
			for (size_t k = 0; k < nrows; k++)
				if (strlen(cells[k * ncols + c]) + 3 > width)
					width = strlen(cells[k * ncols + c]) + 3;
			fprintf(out, "%-*s", (int)width, cell);
		}
	}
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct oci_state *)a)->id, ((const struct oci_state *)b)->id);
}

/* Every readable state in root, sorted by ID. *n 0 for a root that does not exist. */
static int read_all(const char *root, struct oci_state **out, size_t *n)
{
	DIR *d = opendir(root);
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		char err[64];
		if (oci_state_check_id(e->d_name, err, sizeof(err)))
			continue;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			struct oci_state *grown = realloc(*out, cap * sizeof(**out));
			if (!grown) {
				close(fd);
				closedir(d);
				return -ENOMEM;
			}
			*out = grown;
		}
		if (oci_state_read(fd, &(*out)[*n]) == 0) {
			oci_state_refresh(&(*out)[*n]);
			(*n)++;
		}
		close(fd);
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), by_id);
	return 0;
}

static int print_table(struct oci_state *st, size_t n, enum oci_list_format fmt)
{
	const char **cells = calloc((n + 1) * 6, sizeof(*cells));
	char(*pids)[16] = calloc(n + 1, sizeof(*pids));
	int ret = cells && pids ? 0 : -ENOMEM;

	if (ret)
		goto out;
	const char *header[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
	memcpy(cells, header, sizeof(header));
	for (size_t i = 0; i < n; i++) {
		struct passwd *pw = getpwuid(st[i].owner);
		const char **row = cells + (i + 1) * 6;
		snprintf(pids[i], sizeof(pids[i]), "%d",
			 st[i].status == OCI_STOPPED ? 0 : (int)st[i].pid);
		row[0] = st[i].id;
		row[1] = pids[i];
		row[2] = oci_state_status_name(st[i].status);
		row[3] = st[i].bundle;
		row[4] = st[i].created;
		/* getpwuid()'s buffer is reused by the next call: a copy per row. */
		row[5] = pw ? strdup(pw->pw_name) : strdup("#unknown");
	}
	if (fmt == OCI_LIST_QUIET)
		for (size_t i = 0; i < n; i++)
			printf("%s\n", st[i].id);
	else
		oci_list_table(stdout, cells, n + 1, 6);
	for (size_t i = 0; i < n; i++)
		free((void *)cells[(i + 1) * 6 + 5]);
out:
	free(cells);
	free(pids);
	return ret;
}

int oci_list_print(const char *root, enum oci_list_format fmt)
{
	struct oci_state *st;
	size_t n;
	int ret = read_all(root, &st, &n);

	if (ret) {
		oci_log(LOG_ERROR, "list: cannot read '%s' (--root): %s", root, strerror(-ret));
		return ret;
	}
	if (fmt == OCI_LIST_JSON) {
		/* runc encodes a nil slice: "null" when there is no container. */
		json_object *arr = n ? json_object_new_array() : NULL;
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, oci_state_to_json(&st[i]));
		ret = arr ? oci_list_print_json(arr) : (printf("null\n") < 0 ? -EIO : 0);
		json_object_put(arr);
	} else {
		ret = print_table(st, n, fmt);
	}
	for (size_t i = 0; i < n; i++)
		oci_state_free(&st[i]);
	free(st);
	return ret;
}

int oci_list_ps(const char *root, const char *id, bool json)
{
	struct oci_state st;
	char comm[64] = "?", path[64];
	int ret = read_one(root, id, &st);

	if (ret)
		return ret;
	bool alive = st.status != OCI_STOPPED && st.status != OCI_CREATING;
	if (json) {
		/* go-runc's Ps() decodes a JSON array of pids. */
		ret = printf(alive ? "[%d]\n" : "[]\n", (int)st.pid) < 0 ? -EIO : 0;
	} else {
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)st.pid);
		FILE *f = alive ? fopen(path, "re") : NULL;
		if (f && fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		if (f)
			fclose(f);
		/* containerd's Top() wants a header line with a PID column. */
		ret = printf("PID   CMD\n") < 0 ? -EIO : 0;
		if (!ret && alive)
			ret = printf("%-5d %s\n", (int)st.pid, comm) < 0 ? -EIO : 0;
	}
	if (ret)
		oci_log(LOG_ERROR, "ps: cannot write the output");
	oci_state_free(&st);
	return ret;
}
