/* test_property.c: plans thousands of random small inventories and judges every answer with
 * the independent checker: each plan must obey formats.md, and "no plan" must be confirmed by
 * an exhaustive search. VDM_PROPERTY_CASES and VDM_PROPERTY_SEED change the run. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vdmirror/model.h"
#include "vdmirror/plan.h"
#include "checker.h"
#include "gen.h"

static char *plan_text(const struct vdm_plan *plan)
{
	json_t *j = vdm_plan_to_json(plan);
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static void make_request(const struct chk_request *c, struct vdm_request *r)
{
	memset(r, 0, sizeof *r);
	r->partition = c->partition;
	r->vg = c->vg;
	r->lvs = c->lvs;
	r->n_lvs = c->n_lvs;
	r->copies = c->copies;
	r->level = (enum vdm_level)c->level;
	r->no_reuse = c->no_reuse;
}

/* Plans at `level` and checks the plan; returns 1 for a checked plan, 0 for no plan. */
static int plan_and_check(const json_t *root, const struct vdm_inventory *inv,
			  const struct chk_request *creq, int level, unsigned long seed, int casei,
			  enum vdm_level *best, char **text_out)
{
	struct chk_request lreq = *creq;
	lreq.level = level;
	struct vdm_request req;
	make_request(&lreq, &req);
	struct vdm_plan *plan = NULL;
	struct vdm_noplan np;
	struct vdm_error err = { 0 };
	int rc = vdm_plan_make(inv, &req, &plan, &np, &err);
	if (rc == -ENOSPC) {
		if (best)
			*best = np.best_level;
		if (!np.message[0])
			fail_msg("seed %lu case %d: no plan without a message", seed, casei);
		return 0;
	}
	if (rc != 0)
		fail_msg("seed %lu case %d: vdm_plan_make: %d %s", seed, casei, rc, err.msg);
	char *text = plan_text(plan);
	json_t *pj = json_loads(text, 0, NULL);
	assert_non_null(pj);
	char *why = chk_plan(root, pj, &lreq);
	if (why) {
		char *inv_text = json_dumps(root, JSON_COMPACT);
		fprintf(stderr, "inventory: %s\nplan: %s\nlevel %d copies %d no_reuse %d\n", inv_text,
			text, level, lreq.copies, lreq.no_reuse);
		free(inv_text);
		fail_msg("seed %lu case %d: checker: %s", seed, casei, why);
	}
	/* the streamed writer says the same */
	char *buf = NULL;
	size_t blen = 0;
	FILE *mf = open_memstream(&buf, &blen);
	assert_int_equal(vdm_plan_write(plan, mf), 0);
	fclose(mf);
	json_t *streamed = json_loads(buf, 0, NULL);
	assert_non_null(streamed);
	assert_true(json_equal(streamed, pj));
	json_decref(streamed);
	free(buf);
	/* the document reads back to the same bytes */
	struct vdm_plan *back = NULL;
	if (vdm_plan_from_json(pj, "plan", &back, &err) != 0)
		fail_msg("seed %lu case %d: from_json: %s", seed, casei, err.msg);
	char *text2 = plan_text(back);
	assert_string_equal(text, text2);
	free(text2);
	vdm_plan_free(back);
	json_decref(pj);
	vdm_plan_free(plan);
	if (text_out)
		*text_out = text;
	else
		free(text);
	return 1;
}

static void test_random_inventories(void **state)
{
	(void)state;
	const char *env = getenv("VDM_PROPERTY_CASES");
	int cases = env ? atoi(env) : 2000;
	env = getenv("VDM_PROPERTY_SEED");
	unsigned long seed = env ? strtoul(env, NULL, 0) : 20261124ul;
	struct gen_rng rng = { seed * 2654435761ull + 1 };
	int planned = 0, noplan = 0, confirmed = 0, skipped = 0, less_reuse = 0, less_reuse3 = 0;
	int more_disks = 0;
	for (int i = 0; i < cases; i++) {
		struct chk_request creq;
		json_t *root = gen_inventory(&rng, &creq);
		struct vdm_inventory *inv = NULL;
		struct vdm_error err = { 0 };
		if (vdm_inventory_parse_json(root, "generated", &inv, &err) != 0) {
			char *t = json_dumps(root, JSON_COMPACT);
			fprintf(stderr, "%s\n", t);
			free(t);
			fail_msg("seed %lu case %d: generated inventory rejected: %s", seed, i, err.msg);
		}
		enum vdm_level best = VDM_LEVEL_NONE;
		char *text = NULL;
		int got = plan_and_check(root, inv, &creq, creq.level, seed, i, &best, &text);
		long long breuse = 0;
		int bdisks = 0;
		bool too_big = false;
		bool brute = chk_brute(root, &creq, creq.level, 300000, &breuse, &bdisks, &too_big);
		if (got) {
			planned++;
			/* determinism: the same request again gives the same bytes */
			char *again = NULL;
			plan_and_check(root, inv, &creq, creq.level, seed, i, NULL, &again);
			assert_string_equal(text, again);
			free(again);
			if (brute) {
				json_t *pj = json_loads(text, 0, NULL);
				long long reuse = json_integer_value(json_object_get(pj, "reused_mib"));
				int disks = (int)json_array_size(json_object_get(pj, "new_disks"));
				less_reuse += reuse < breuse && creq.copies == 2;
				less_reuse3 += reuse < breuse && creq.copies == 3;
				if (reuse < breuse && getenv("VDM_PROPERTY_VERBOSE")) {
					char *t = json_dumps(root, JSON_COMPACT);
					fprintf(stderr, "less reuse (%lld < %lld): %s\nplan %s\ncopies %d level %d\n",
						reuse, breuse, t, text, creq.copies, creq.level);
					free(t);
				}
				more_disks += reuse == breuse && disks > bdisks;
				json_decref(pj);
			}
		} else {
			noplan++;
			if (too_big) {
				skipped++;
			} else {
				if (brute) {
					char *t = json_dumps(root, JSON_COMPACT);
					fprintf(stderr, "inventory: %s\ncopies %d level %d no_reuse %d n_lvs %zu\n", t,
						creq.copies, creq.level, creq.no_reuse, creq.n_lvs);
					free(t);
					fail_msg("seed %lu case %d: planner found no plan, exhaustive search found one",
						 seed, i);
				}
				confirmed++;
			}
			/* best_level: a plan exists there, and none above it (per brute force) */
			if (best != VDM_LEVEL_NONE) {
				assert_true(best < (enum vdm_level)creq.level);
				if (!plan_and_check(root, inv, &creq, best, seed, i, NULL, NULL))
					fail_msg("seed %lu case %d: best_level %d has no plan", seed, i, best);
			}
			for (int l = (int)best + 1; l < creq.level; l++) {
				bool tb = false;
				if (chk_brute(root, &creq, l, 300000, &breuse, &bdisks, &tb) && !tb) {
					char *t = json_dumps(root, JSON_COMPACT);
					fprintf(stderr, "inventory: %s\ncopies %d level %d no_reuse %d n_lvs %zu\n", t,
						creq.copies, creq.level, creq.no_reuse, creq.n_lvs);
					free(t);
					fail_msg("seed %lu case %d: best_level %d, but level %d has a plan", seed, i,
						 best, l);
				}
			}
		}
		free(text);
		vdm_inventory_free(inv);
		json_decref(root);
	}
	printf("# %d cases: %d planned and checked, %d without plan (%d confirmed exhaustively, %d "
	       "too big to search); quality vs whole-copy search: %d (2 copies) + %d (3 copies) with "
	       "less reuse, %d with more new disks\n", cases, planned, noplan, confirmed, skipped,
	       less_reuse, less_reuse3, more_disks);
	assert_true(planned > cases / 10);
	assert_true(confirmed > cases / 20);
	/* reuse is the first goal: the planner may split copies, so it never reuses less */
	assert_int_equal(less_reuse, 0);
	assert_int_equal(less_reuse3, 0);
	/* fewer new disks is the second goal: at equal reuse, never more than the search */
	assert_int_equal(more_disks, 0);
}

/* Repair plans of random broken inventories (gen_break), judged by chk_repair_plan; "no
 * plan" confirmed by the exhaustive search on the inventory a repair is a mirror plan of. */
static void test_random_repairs(void **state)
{
	(void)state;
	const char *env = getenv("VDM_PROPERTY_CASES");
	int cases = env ? atoi(env) : 2000;
	env = getenv("VDM_PROPERTY_SEED");
	unsigned long seed = env ? strtoul(env, NULL, 0) : 20261130ul;
	struct gen_rng rng = { seed * 2654435761ull + 7 };
	int planned = 0, unfixable = 0, confirmed = 0, skipped = 0, repaired = 0;
	for (int i = 0; i < cases; i++) {
		struct chk_request creq;
		json_t *root = gen_inventory(&rng, &creq);
		gen_break(&rng, root);
		struct vdm_inventory *inv = NULL;
		struct vdm_error err = { 0 };
		char *it = json_dumps(root, JSON_COMPACT);
		if (vdm_inventory_parse_json(root, "generated", &inv, &err) != 0)
			fail_msg("seed %lu case %d: generated inventory rejected: %s\n%s", seed, i,
				 err.msg, it);
		struct vdm_request req;
		make_request(&creq, &req);
		struct vdm_plan *plan = NULL;
		struct vdm_noplan np;
		int rc = vdm_plan_repair(inv, &req, 1796000000, &plan, &np, &err);
		const char *bad_lv = chk_repair_unfixable(root, &creq);
		if (bad_lv) {
			if (rc != -ENOSPC || !strstr(err.msg, bad_lv))
				fail_msg("seed %lu case %d: lv %s has no copy in sync, repair gave %d %s\n%s",
					 seed, i, bad_lv, rc, err.msg, it);
			unfixable++;
		} else if (rc == 0) {
			char *text = plan_text(plan);
			json_t *pj = json_loads(text, 0, NULL);
			char *why = chk_repair_plan(root, pj, &creq);
			if (why)
				fail_msg("seed %lu case %d: checker: %s\ninventory: %s\nplan: %s\ncopies %d "
					 "level %d no_reuse %d", seed, i, why, it, text, creq.copies,
					 creq.level, creq.no_reuse);
			/* the streamed writer says the same, and it reads back to the same bytes */
			char *buf = NULL;
			size_t blen = 0;
			FILE *mf = open_memstream(&buf, &blen);
			assert_int_equal(vdm_plan_write(plan, mf), 0);
			fclose(mf);
			json_t *streamed = json_loads(buf, 0, NULL);
			assert_true(json_equal(streamed, pj));
			json_decref(streamed);
			free(buf);
			struct vdm_plan *back = NULL;
			if (vdm_plan_from_json(pj, "plan", &back, &err) != 0)
				fail_msg("seed %lu case %d: from_json: %s", seed, i, err.msg);
			char *text2 = plan_text(back);
			assert_string_equal(text, text2);
			free(text2);
			vdm_plan_free(back);
			repaired += json_object_get(pj, "remove_pvs") != NULL ||
				    strstr(text, "\"drop\"") || strstr(text, "\"resync\"");
			json_decref(pj);
			free(text);
			planned++;
		} else if (rc == -ENOSPC) {
			json_t *world = chk_repair_world(root, &creq);
			long long breuse = 0;
			int bdisks = 0;
			bool too_big = false;
			if (chk_brute(world, &creq, creq.level, 300000, &breuse, &bdisks, &too_big))
				fail_msg("seed %lu case %d: repair found no plan, exhaustive search found one"
					 "\n%s", seed, i, it);
			if (too_big)
				skipped++;
			else
				confirmed++;
			json_decref(world);
		} else {
			fail_msg("seed %lu case %d: vdm_plan_repair: %d %s", seed, i, rc, err.msg);
		}
		free(it);
		vdm_plan_free(plan);
		vdm_inventory_free(inv);
		json_decref(root);
	}
	printf("# %d repair cases: %d planned and checked (%d with drops, resyncs or removed PVs), "
	       "%d with an LV without a copy in sync, %d without plan (%d confirmed exhaustively, %d "
	       "too big)\n", cases, planned, repaired, unfixable, confirmed + skipped, confirmed,
	       skipped);
	assert_true(planned > cases / 10);
	assert_true(repaired > cases / 20);
	assert_true(unfixable > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_inventories),
		cmocka_unit_test(test_random_repairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
