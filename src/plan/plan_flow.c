/* plan_flow.c: max flow (Dinic) on the small graphs of the reuse step: classes of LVs ->
 * existing PVs (and pools) valid for them. */
#include <stdint.h>
#include <string.h>
#include "plan_int.h"

void plan_flow_init(struct plan_flow *fl, int n)
{
	memset(fl, 0, sizeof *fl);
	fl->n = n;
	fl->adj = xcalloc((size_t)n, sizeof *fl->adj);
	fl->level = xcalloc((size_t)n, sizeof(int));
	fl->it = xcalloc((size_t)n, sizeof(int));
}

int plan_flow_grow(struct plan_flow *fl, int n)
{
	int base = fl->n;
	fl->n += n;
	fl->adj = xrealloc(fl->adj, (size_t)fl->n * sizeof *fl->adj);
	memset(fl->adj + base, 0, (size_t)n * sizeof *fl->adj);
	fl->level = xrealloc(fl->level, (size_t)fl->n * sizeof(int));
	fl->it = xrealloc(fl->it, (size_t)fl->n * sizeof(int));
	return base;
}

int plan_flow_add(struct plan_flow *fl, int a, int b, int64_t cap)
{
	struct plan_edge f = { b, cap }, r = { a, 0 };
	int id = (int)fl->e.n;
	VEC_PUSH(&fl->e, f);
	VEC_PUSH(&fl->e, r);
	VEC_PUSH(&fl->adj[a], id);
	VEC_PUSH(&fl->adj[b], id + 1);
	return id;
}

static bool flow_bfs(struct plan_flow *fl, int s, int t)
{
	int *q = xmalloc((size_t)fl->n * sizeof(int));
	for (int i = 0; i < fl->n; i++)
		fl->level[i] = -1;
	int h = 0, n = 0;
	q[n++] = s;
	fl->level[s] = 0;
	while (h < n) {
		int u = q[h++];
		for (size_t k = 0; k < fl->adj[u].n; k++) {
			struct plan_edge *e = &fl->e.v[fl->adj[u].v[k]];
			if (e->cap > 0 && fl->level[e->to] < 0) {
				fl->level[e->to] = fl->level[u] + 1;
				q[n++] = e->to;
			}
		}
	}
	free(q);
	return fl->level[t] >= 0;
}

static int64_t flow_dfs(struct plan_flow *fl, int u, int t, int64_t f)
{
	if (u == t)
		return f;
	for (; fl->it[u] < (int)fl->adj[u].n; fl->it[u]++) {
		int id = fl->adj[u].v[fl->it[u]];
		struct plan_edge *e = &fl->e.v[id];
		if (e->cap <= 0 || fl->level[e->to] != fl->level[u] + 1)
			continue;
		int64_t d = flow_dfs(fl, e->to, t, f < e->cap ? f : e->cap);
		if (d > 0) {
			fl->e.v[id].cap -= d;
			fl->e.v[id ^ 1].cap += d;
			return d;
		}
	}
	return 0;
}

void plan_flow_run(struct plan_flow *fl, int s, int t)
{
	while (flow_bfs(fl, s, t)) {
		memset(fl->it, 0, (size_t)fl->n * sizeof(int));
		while (flow_dfs(fl, s, t, INT64_MAX) > 0)
			;
	}
}

void plan_flow_free(struct plan_flow *fl)
{
	for (int i = 0; i < fl->n; i++)
		free(fl->adj[i].v);
	free(fl->adj);
	free(fl->e.v);
	free(fl->level);
	free(fl->it);
}
