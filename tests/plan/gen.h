/* gen.h: seeded generator of small random inventories for the planner's property test. */
#ifndef VDM_TEST_GEN_H
#define VDM_TEST_GEN_H

#include <stdint.h>
#include <jansson.h>
#include "checker.h"

struct gen_rng { uint64_t s; };

static inline uint64_t gen_next(struct gen_rng *r)
{
	/* xorshift64*: small, seeded, the same sequence on every machine */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ull;
}

static inline int gen_int(struct gen_rng *r, int lo, int hi)   /* lo..hi inclusive */
{
	return lo + (int)(gen_next(r) % (uint64_t)(hi - lo + 1));
}

/* A random small inventory (partition "p1", VG "vg1") and a request on it. The request's
 * strings live in static storage until the next call. */
json_t *gen_inventory(struct gen_rng *r, struct chk_request *req);

/* Breaks an inventory of gen_inventory() as a failure would: servers unreachable (with their
 * pools), a few more pools unreachable, disks missing (those behind unreachable servers, and
 * a few more), stale copies. */
void gen_break(struct gen_rng *r, json_t *inv);

#endif
