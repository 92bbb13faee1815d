#!/usr/bin/env python3
"""plan_gen.py: writes a fleet inventory (formats v1) for bench/plan: 400 servers x 6 pools on
200 frames in 2 sites, one partition with 20 000 LVs spread over 100 PVs from 4 servers.
Deterministic for a given --seed. Prints the lower bound of new capacity on stderr-free stdout
only when asked (--bound), so the bench can compare the plan with it."""
import argparse
import json
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=400)
    ap.add_argument("--pools-per-server", type=int, default=6)
    ap.add_argument("--lvs", type=int, default=20000)
    ap.add_argument("--pvs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rnd = random.Random(a.seed)

    ext = 16
    ovh = 4
    sites = [{"name": "dc1"}, {"name": "dc2"}]
    frames = [{"name": "frame%03d" % i, "site": "dc%d" % (1 + i % 2)} for i in range(a.servers // 2)]
    servers = [{"name": "vios%03d" % i, "frame": "frame%03d" % (i // 2)} for i in range(a.servers)]
    tiers = ["nvme", "ssd", "sas", "hdd", None]
    pools = []
    lun = 0
    for s in servers:
        for k in range(a.pools_per_server):
            size = rnd.choice([2, 4, 8, 16]) * 1024 * 1024
            free = int(size * rnd.uniform(0.05, 0.7))
            p = {"name": "%s/sp%d" % (s["name"], k), "server": s["name"],
                 "devices": ["lun-%05d" % lun, "lun-%05d" % (lun + 1)],
                 "size_mib": size, "free_mib": free, "reserve_pct": rnd.choice([5, 10, 15]),
                 "alloc_mib": rnd.choice([1, 32, 64])}
            lun += 2
            t = rnd.choice(tiers)
            if t:
                p["tier"] = t
            pools.append(p)
    # a few shared-LUN traps: a pool that also lives on another server's LUN
    for i in range(0, len(pools), 97):
        j = (i * 7 + 13) % len(pools)
        pools[i]["devices"].append(pools[j]["devices"][0])

    # the partition's disks: 100 PVs from the first 4 servers' first pool
    disks, pvs = [], []
    pv_total = []
    for i in range(a.pvs):
        srv = servers[i % 4]["name"]
        size = 512 * 1024
        disks.append({"name": "hdisk%d" % i, "size_mib": size, "pool": "%s/sp0" % srv, "paths": [srv]})
        pv_total.append((size - ovh) // ext)
    used = [0] * a.pvs
    lvs = []
    for i in range(a.lvs):
        e = rnd.randint(1, 64) * 4
        pv = rnd.randrange(a.pvs)
        if rnd.random() < 0.05:
            # spans two PVs of the same server
            pv2 = (pv + 4) % a.pvs
            half = e // 2
            if used[pv] + half <= pv_total[pv] and used[pv2] + e - half <= pv_total[pv2]:
                used[pv] += half
                used[pv2] += e - half
                lvs.append({"name": "lv%05d" % i, "extents": e,
                            "copies": [[{"pv": "hdisk%d" % pv, "extents": half},
                                        {"pv": "hdisk%d" % pv2, "extents": e - half}]]})
                continue
        if used[pv] + e > pv_total[pv]:
            pv = min(range(a.pvs), key=lambda k: used[k])
            if used[pv] + e > pv_total[pv]:
                continue
        used[pv] += e
        lvs.append({"name": "lv%05d" % i, "extents": e, "copies": [[{"pv": "hdisk%d" % pv, "extents": e}]]})
    for i in range(a.pvs):
        pvs.append({"disk": "hdisk%d" % i, "total_extents": pv_total[i],
                    "free_extents": pv_total[i] - used[i]})
    inv = {"version": 1, "sites": sites, "frames": frames, "servers": servers, "pools": pools,
           "partitions": [{"name": "big1", "os": "linux", "frame": "frame000", "disks": disks,
                           "vgs": [{"name": "datavg", "extent_mib": ext, "pv_overhead_mib": ovh,
                                    "copy_meta_extents": 1, "pvs": pvs, "lvs": lvs}]}]}
    with open(a.out, "w") as f:
        json.dump(inv, f, indent=1)


if __name__ == "__main__":
    main()
