#!/usr/bin/env python3
"""The tables of docs/STATISTICS.md from out/*.tsv (run.sh): python3 tables.py"""
import glob
rows = {}
for f in sorted(glob.glob('out/*.tsv')):
    for l in open(f):
        p = l.rstrip('\n').split('\t')
        if p[0] == 'ROW':
            rows[(p[1], int(p[2]), p[3], p[4])] = p[5:]
def cell(r):
    return f"{100*float(r[1]):.1f}/{100*float(r[2]):.1f} {100*float(r[3]):+.1f} {100*float(r[5]):.1f}"
def table(cfg, spec):
    ns = sorted({k[1] for k in rows if k[0] == cfg})
    print(f"\n**{cfg}**  (macro-runs: " + ", ".join(f"n={n}: {rows[(cfg,n,'mean','pool_t')][0]}" for n in ns) + ")\n")
    print("| stat | method | " + " | ".join(f"n={n}" for n in ns) + " |")
    print("|---|---|" + "---|" * len(ns))
    for st, ms in spec:
        for m in ms:
            print(f"| {st} | {m} | " + " | ".join(cell(rows[(cfg, n, st, m)]) for n in ns) + " |")
main = [('mean', ['avg_t', 'pool_t'])] + [(s, ['a_batchmean', 'b_section', 'c_cdfinv', 'bc_hull']) for s in ['p50', 'p90', 'p99', 'p99.9']]
for c in ['A_r0.8_T2000_W200', 'B_r0.8_T500_W100', 'C_r0.8_T20000_W2000', 'D_r0.95_T20000_W2000']:
    table(c, main)
print("\n### Other methods, A (rho 0.8, 2000 s / 200 s)")
table('A_r0.8_T2000_W200', [(s, ['bj_genjack', 'j_jackknife', 'c2_cdfinv_q', 'cp_proxy', 'cl_logit', 'cs_sym', 'o_oracle']) for s in ['p50', 'p99', 'p99.9']])
print("\n### Run length: recommended interval (hull) and pooled mean")
rl = [('mean', ['pool_t'])] + [(s, ['bc_hull']) for s in ['p50', 'p90', 'p99', 'p99.9']]
for c in ['K_r0.8_T5000_W500', 'J_r0.8_T10000_W1000', 'G_r0.95_T50000_W5000']:
    table(c, rl)
