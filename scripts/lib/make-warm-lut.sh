#!/usr/bin/env bash
# Writes a 17-point "warm" .cube LUT: red up, blue down, a typical creative look.
# usage: make-warm-lut.sh OUT.cube
set -euo pipefail
awk 'BEGIN {
  n = 17; print "TITLE \"RenderFarm demo warm\""; print "LUT_3D_SIZE " n;
  for (b = 0; b < n; b++) for (g = 0; g < n; g++) for (r = 0; r < n; r++) {
    R = r / (n - 1); G = g / (n - 1); B = b / (n - 1);
    R = R * 1.08; if (R > 1) R = 1; B = B * 0.88;
    printf "%.6f %.6f %.6f\n", R, G, B;
  } }' > "$1"
