#!/bin/sh
# The coverage study of docs/STATISTICS.md, on one core: about 20 minutes.
# Builds bench/coverage/qstudy, writes raw results to bench/coverage/out/,
# and the tables with python3 tables.py (optional).
set -e
cd "$(dirname "$0")"
cc -O2 -std=c11 -Wall -Wextra -o qstudy qstudy.c -lgsl -lgslcblas -lm
mkdir -p out
# rho 0.8 at three run lengths, rho 0.95
./qstudy -c A_r0.8_T2000_W200   -l 0.8  -m 1 -T 2000  -W 200  -R 400000 -n 2,5,10,50,200 -s 11 > out/A.tsv
./qstudy -c B_r0.8_T500_W100    -l 0.8  -m 1 -T 500   -W 100  -R 400000 -n 2,5,10,50,200 -s 12 > out/B.tsv
./qstudy -c C_r0.8_T20000_W2000 -l 0.8  -m 1 -T 20000 -W 2000 -R 200000 -n 2,5,10,50,200 -s 13 > out/C.tsv
./qstudy -c D_r0.95_T20000_W2000 -l 0.95 -m 1 -T 20000 -W 2000 -R 200000 -n 2,5,10,50,200 -s 14 > out/D.tsv
# the steady-state tests: detections
./qstudy -c E_r1.2_T2000_W200   -l 1.2   -m 1 -T 2000 -W 200 -R 50000 -n 5,50 -s 15 > out/E.tsv
./qstudy -c F_r0.999_T2000_W200 -l 0.999 -m 1 -T 2000 -W 200 -R 50000 -n 5,50 -s 16 > out/F.tsv
# run lengths
./qstudy -c J_r0.8_T10000_W1000   -l 0.8  -m 1 -T 10000  -W 1000  -R 200000 -n 2,5,10,50,200 -s 21 > out/J.tsv
./qstudy -c K_r0.8_T5000_W500     -l 0.8  -m 1 -T 5000   -W 500   -R 200000 -n 2,5,10,50,200 -s 22 > out/K.tsv
./qstudy -c G_r0.95_T50000_W5000  -l 0.95 -m 1 -T 50000  -W 5000  -R 50000  -n 2,5,10,50 -s 23 > out/G.tsv
if command -v python3 >/dev/null 2>&1; then python3 tables.py > out/tables.md; fi
echo "results: bench/coverage/out/"
