/* plan_names.c: names of the new disks a plan creates (formats.md, "new_disks[].name").
 *
 * The scheme, deterministic and collision-free by construction:
 * - readable `<partition>-<vg>-m<N>` when neither name holds a '-' and the result fits the
 *   target server's max_name and the name rule: such a name splits into (partition, vg, N)
 *   one way only, so two different partition/VG pairs never produce the same one (today's
 *   `lp` + `a-b` and `lp-a` + `b` both gave `lp-a-b-m1`);
 * - otherwise `vd<hash>-m<N>`: hash = FNV-1a 64 of "partition\0vg", lower-case hex, 8 digits
 *   (fewer, down to 4, when max_name needs it). This form holds exactly one '-', a readable
 *   name at least two, so the two forms never meet;
 * - N counts from 1 over the plan's new disks (pools in name order); a candidate used by any
 *   disk of any partition in the inventory, or by another new disk of this plan, is skipped
 *   (N + 1): a hash collision costs a number, never a shared name.
 * Apply still refuses to adopt a disk that exists on the server under the name (the server's
 * own list is not in the inventory). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "plan_int.h"

#define NAME_HASH_MIN 4    /* hex digits of the short form, at least */

/* A set of names (open addressing, the strings are borrowed). */
struct name_set { const char **v; size_t cap, n; };

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static bool name_set_has(const struct name_set *s, const char *name)
{
	if (!s->cap)
		return false;
	size_t j = name_hash(name, strlen(name)) & (s->cap - 1);
	for (; s->v[j]; j = (j + 1) & (s->cap - 1))
		if (!strcmp(s->v[j], name))
			return true;
	return false;
}

static void name_set_add(struct name_set *s, const char *name)
{
	if (s->n * 2 >= s->cap) {
		struct name_set b = { xcalloc(s->cap ? s->cap * 2 : 64, sizeof *b.v),
				      s->cap ? s->cap * 2 : 64, 0 };
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				name_set_add(&b, s->v[i]);
		free(s->v);
		*s = b;
	}
	size_t j = name_hash(name, strlen(name)) & (s->cap - 1);
	for (; s->v[j]; j = (j + 1) & (s->cap - 1))
		if (!strcmp(s->v[j], name))
			return;
	s->v[j] = name;
	s->n++;
}

/* The candidate for number n on a server accepting names of at most max_len characters (0:
 * no limit); NULL when not even the shortest form fits. */
static char *name_candidate(const char *part, const char *vg, int n, int max_len)
{
	size_t limit = max_len > 0 ? (size_t)max_len : 128;
	if (limit > 128)
		limit = 128;    /* formats.md: names have at most 128 characters */
	if (!strchr(part, '-') && !strchr(vg, '-')) {
		char *r = xasprintf("%s-%s-m%d", part, vg, n);
		if (strlen(r) <= limit && vdm_name_valid(r))
			return r;
		free(r);
	}
	size_t pl = strlen(part);
	char *key = xmalloc(pl + strlen(vg) + 2);
	memcpy(key, part, pl + 1);
	strcpy(key + pl + 1, vg);
	uint64_t h = name_hash(key, pl + 1 + strlen(vg));
	free(key);
	char suffix[24];
	int sl = snprintf(suffix, sizeof suffix, "-m%d", n);
	/* "vd" + digits + suffix */
	if (limit < 2 + NAME_HASH_MIN + (size_t)sl)
		return NULL;
	size_t digits = limit - 2 - (size_t)sl;
	if (digits > 8)
		digits = 8;
	char hex[17];
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
	return xasprintf("vd%.*s%s", (int)digits, hex, suffix);
}

int plan_name_new_disks(const struct vdm_inventory *inv, int pi, const char *vg,
			const int *pools, size_t n, char **names, struct vdm_error *err)
{
	const struct vdm_partition *part = &inv->partitions[pi];
	struct name_set used = { 0 };
	for (size_t q = 0; q < inv->n_partitions; q++)
		for (size_t d = 0; d < inv->partitions[q].n_disks; d++)
			name_set_add(&used, inv->partitions[q].disks[d].name);
	int next = 1, rc = 0;
	for (size_t i = 0; i < n; i++)
		names[i] = NULL;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct vdm_server *sv = &inv->servers[inv->pools[pools[i]].server];
		for (;;) {
			char *name = name_candidate(part->name, vg, next, sv->max_name);
			if (!name) {
				rc = vdm_err_exit(err, -EINVAL, VDM_EXIT_INPUT, "plan: server %s: "
						  "max_name %d leaves no room for a new disk name (at "
						  "least %d characters, e.g. vd%0*d-m%d)", sv->name,
						  sv->max_name, 2 + NAME_HASH_MIN + 2 + 1,
						  NAME_HASH_MIN, 0, next);
				break;
			}
			next++;
			if (!name_set_has(&used, name)) {
				names[i] = name;
				name_set_add(&used, name);
				break;
			}
			free(name);
		}
	}
	if (rc) {
		for (size_t i = 0; i < n; i++) {
			free(names[i]);
			names[i] = NULL;
		}
	}
	free(used.v);
	return rc;
}
