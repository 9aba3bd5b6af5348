#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, and interpolate the bundled
# example photos (models/examples) with the bundled default model, writing out/:
#   out/mid.png         the frame halfway between one.png and two.png
#   out/frames/         a 9-frame slow-motion sequence (3 recursions)
#   out/slowmo.mp4, out/slowmo.gif   that sequence there and back, as video and GIF (ffmpeg)
# The model is models/film-default (trained here: models/film-default/README.md); set FILM_MODEL=DIR
# to use another (e.g. one made with 'film convert --from savedmodel').
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
film=build/film
model=${FILM_MODEL:-models/film-default}
if [[ ! -f $model/graph.json ]]; then
  echo "demo: $model/graph.json is missing (a model directory holds graph.json and weights.safetensors)" >&2
  exit 1
fi
mkdir -p out
# --force: out/ is the demo's own folder; running it again replaces what it wrote there.
$film inspect "$model" --size 512x384 | tail -3
$film interpolate models/examples/one.png models/examples/two.png -o out/mid.png --model "$model" --force
$film interpolate models/examples/one.png models/examples/two.png --times 3 -o out/frames --model "$model" --force
# There and back again, 12 frames per second: the motion is easier to judge in a loop.
ls out/frames/frame_*.png | sort > out/frames.txt
sort -r out/frames.txt | tail -n +2 | head -n -1 >> out/frames.txt
awk '{print "file '"'"'" $0 "'"'"'"; print "duration 0.0833"}' out/frames.txt | sed 's|out/||' > out/frames.ffconcat
(cd out && ffmpeg -loglevel error -y -f concat -safe 0 -i frames.ffconcat -vf "format=yuv420p" slowmo.mp4 &&
  ffmpeg -loglevel error -y -f concat -safe 0 -i frames.ffconcat \
    -vf "split[a][b];[a]palettegen[p];[b][p]paletteuse" -loop 0 slowmo.gif)
rm -f out/frames.txt out/frames.ffconcat
echo "demo: wrote out/mid.png, out/frames/frame_000..008.png, out/slowmo.mp4 and out/slowmo.gif"
