#!/usr/bin/env bash
# HDR -> SDR tone-map operators compared on the farm's own chain (decode to linear light with reference white
# 203 cd/m2 = 1.0, BT.2020 -> BT.709 primaries, tone-map, clip to [0,1] in RGB, BT.709 limited YUV).
# Sources, made here from SDR content whose right answer is known:
#   chart-hlg / chart-pq: testsrc2 (colour bars, ramps, saturated text), left half with its white at the HDR
#     reference white (203 cd/m2: what an SDR white should come back as), right half with its white at
#     1000 cd/m2 (highlights the operator must compress); PQ carries HDR10 metadata (1000 cd/m2 mastering,
#     MaxCLL 1000, MaxFALL 400).
#   phone-hlg / phone-pq: a mandelbrot scene (smooth gradients, saturated colours) with its white at 600 cd/m2,
#     its RGB taken as BT.2020 RGB (so many colours lie outside BT.709, as in phone footage).
# Columns: % of luma samples below 16 and above 235 (legal is <= 1 %); PSNR of the left half against the SDR
# original (how faithfully diffuse content survives, charts only); the SDR original's left-half mean luma and the
# output's; the right half's 10-90 % luma spread against the original's (highlight detail kept); mean
# saturation against the original's (dark, dull colours show here); fps at 1280x720 (one run, 2 cores).
# Operators: hable, mobius, reinhard (ffmpeg's tonemap filter), bt.2390 (libplacebo, run on lavapipe's software
# Vulkan when no GPU is present), and the old chain (hable, desat=0, no RGB clip, npl=100) for reference.
# usage: scripts/bench/tonemap.sh [--size 640x360] [--frames 25]
set -euo pipefail
size=640x360; frames=25
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --frames) frames=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
w=${size%x*}; h=${size#*x}; half=$((w / 2))
work=$(mktemp -d /tmp/rf-tonemap-XXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
ff() { ffmpeg -hide_banner -v error -y "$@"; }
x265hdr="log-level=error:hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400"
secs=$(awk "BEGIN{print $frames/25}")

# The SDR originals (BT.709, limited range).
ff -f lavfi -i "testsrc2=s=${half}x${h}:r=25:d=$secs" -pix_fmt yuv420p -c:v ffv1 \
  -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv ref-half.mkv
ff -i ref-half.mkv -filter_complex "[0:v][0:v]hstack" -c:v ffv1 -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv ref-chart.mkv
ff -f lavfi -i "mandelbrot=s=${w}x${h}:r=25,trim=end_frame=$frames,format=yuv420p" -c:v ffv1 \
  -color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv ref-phone.mkv

to_hdr() { # primaries trc npl -> zscale chain text putting the SDR original's white at npl cd/m2 in trc; with
  # primaries bt2020 the original's RGB is taken as BT.2020 RGB: wide-gamut colours, as a phone records them.
  echo "zscale=tin=bt709:min=bt709:pin=$1:rin=limited:t=linear:npl=$3,format=gbrpf32le,zscale=p=bt2020,zscale=t=$2:m=bt2020nc:r=limited:npl=$3,format=yuv420p10le"
}
for trc in arib-std-b67 smpte2084; do
  tag=$([ $trc = smpte2084 ] && echo pq || echo hlg)
  params="log-level=error"; [ $tag = pq ] && params=$x265hdr
  ff -i ref-half.mkv -i ref-half.mkv -filter_complex "[0:v]$(to_hdr bt709 $trc 203)[a];[1:v]$(to_hdr bt709 $trc 1000)[b];[a][b]hstack" \
    -c:v libx265 -preset ultrafast -x265-params "$params:crf=8" -color_primaries bt2020 -color_trc $trc -colorspace bt2020nc -color_range tv "chart-$tag.mp4"
  ff -i ref-phone.mkv -vf "$(to_hdr bt2020 $trc 600)" \
    -c:v libx265 -preset ultrafast -x265-params "$params:crf=8" -color_primaries bt2020 -color_trc $trc -colorspace bt2020nc -color_range tv "phone-$tag.mp4"
done

chain() { # op trc peak -> -vf text
  local op=$1 trc=$2 peak=$3
  local lin="zscale=tin=$trc:min=bt2020nc:pin=bt2020:rin=limited:t=linear:npl=203,format=gbrpf32le,zscale=p=bt709"
  local out="zscale=t=bt709:npl=203,format=gbrpf32le,format=gbrp16le,zscale=m=bt709:r=limited,format=yuv420p"
  case $op in
    old) echo "zscale=tin=$trc:min=bt2020nc:pin=bt2020:rin=limited:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=limited,format=yuv420p" ;;
    bt.2390) echo "hwupload,libplacebo=tonemapping=bt.2390:colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv:format=yuv420p,hwdownload,format=yuv420p" ;;
    *) echo "$lin,tonemap=tonemap=$op:peak=$peak:desat=0,$out" ;;
  esac
}
vk=(); ffmpeg -hide_banner -v error -init_hw_device vulkan=vk -f lavfi -i nullsrc=d=0.04 -f null - 2>/dev/null && vk=(-init_hw_device vulkan=vk -filter_hw_device vk)

stat() { # file filter-prefix key -> mean of signalstats key over the frames
  ffmpeg -hide_banner -v error -i "$1" -vf "$2signalstats,metadata=print:file=-" -f null - \
    | awk -F= -v k="lavfi.signalstats.$3" '$1==k {s+=$2; n++} END {printf "%.1f", n ? s/n : 0}'
}
illegal() { # file -> "below above" percent of luma samples outside 16..235
  ffmpeg -hide_banner -v error -i "$1" -vf "extractplanes=y,format=gray" -f rawvideo - \
    | od -An -v -tu1 -w65536 | awk '{for(i=1;i<=NF;i++){n++; if($i<16)b++; else if($i>235)a++}} END {printf "%.2f %.2f\n", 100*b/n, 100*a/n}'
}
psnr_left() { # out ref -> PSNR (Y) of the left halves
  ffmpeg -hide_banner -i "$1" -i "$2" -filter_complex "[0:v]crop=$half:$h:0:0[a];[1:v]crop=$half:$h:0:0[b];[a][b]psnr" -f null - 2>&1 \
    | sed -n 's/.* y:\([0-9.inf]*\).*/\1/p' | tail -1
}

printf '%-10s %-8s %7s %7s %7s %9s %9s %9s %9s %7s\n' source op "<16 %" ">235 %" "psnr" "Y ref/out" "hi spread" "sat" "sat ref" fps
for src in chart-hlg chart-pq phone-hlg phone-pq; do
  trc=$([ "${src#*-}" = pq ] && echo smpte2084 || echo arib-std-b67)
  ref=$([ "${src%-*}" = chart ] && echo ref-chart.mkv || echo ref-phone.mkv)
  peak=$(awk 'BEGIN{printf "%.3f", 1000/203}')
  for op in old hable mobius reinhard bt.2390; do
    if [ $op = bt.2390 ] && [ ${#vk[@]} -eq 0 ]; then continue; fi
    args=(); [ $op = bt.2390 ] && args=("${vk[@]}")
    ff "${args[@]}" -i "$src.mp4" -vf "$(chain $op $trc $peak)" -c:v ffv1 out.mkv
    read -r below above < <(illegal out.mkv)
    if [ "${src%-*}" = chart ]; then
      p=$(psnr_left out.mkv $ref)
      yl="$(stat $ref "crop=$half:$h:0:0," YAVG)/$(stat out.mkv "crop=$half:$h:0:0," YAVG)"
      spread_ref=$(awk -v a="$(stat $ref "crop=$half:$h:$half:0," YHIGH)" -v b="$(stat $ref "crop=$half:$h:$half:0," YLOW)" 'BEGIN{print a-b}')
      spread=$(awk -v a="$(stat out.mkv "crop=$half:$h:$half:0," YHIGH)" -v b="$(stat out.mkv "crop=$half:$h:$half:0," YLOW)" 'BEGIN{print a-b}')
      hs="$spread/$spread_ref"
    else
      p="-"; yl="$(stat $ref "" YAVG)/$(stat out.mkv "" YAVG)"; hs="-"
    fi
    sat=$(stat out.mkv "" SATAVG); satref=$(stat $ref "" SATAVG)
    # Speed: the same chain on the source scaled to 1280x720, encoded to nothing.
    ff -i "$src.mp4" -vf scale=1280:720 -c:v libx265 -preset ultrafast -x265-params "log-level=error" -pix_fmt yuv420p10le \
      -color_primaries bt2020 -color_trc $trc -colorspace bt2020nc -color_range tv big.mp4
    t0=$(date +%s.%N); ff "${args[@]}" -i big.mp4 -vf "$(chain $op $trc $peak)" -f null -; t1=$(date +%s.%N)
    fps=$(awk -v n="$frames" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", n/(b-a)}')
    printf '%-10s %-8s %7s %7s %7s %9s %9s %9s %9s %7s\n' "$src" "$op" "$below" "$above" "$p" "$yl" "$hs" "$sat" "$satref" "$fps"
  done
done
