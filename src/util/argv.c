/* argv.c: the one argv builder: grows as needed up to a hard limit, and says so when the
 * limit is reached instead of cutting the command short. */
#include <errno.h>
#include "vdmirror/util.h"

int vdm_argv_add(struct vdm_argv *a, const char *arg)
{
	if (!arg)
		return -EINVAL;
	if (a->max && a->n >= a->max)
		return -E2BIG;
	if (a->n + 2 > a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		a->v = xrealloc(a->v, ncap * sizeof *a->v);
		a->cap = ncap;
	}
	a->v[a->n++] = (char *)arg;
	a->v[a->n] = NULL;
	return 0;
}

int vdm_argv_addv(struct vdm_argv *a, const char *const *args)
{
	size_t k = 0;
	while (args[k])
		k++;
	if (a->max && a->n + k > a->max)
		return -E2BIG;
	for (size_t i = 0; i < k; i++)
		vdm_argv_add(a, args[i]);
	if (!a->v) {             /* an empty list still gives a NULL-terminated vector */
		a->cap = 16;
		a->v = xcalloc(a->cap, sizeof *a->v);
	}
	return 0;
}

void vdm_argv_free(struct vdm_argv *a)
{
	free(a->v);
	memset(a, 0, sizeof *a);
}
