#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, build, and interpolate the bundled
# example photos (models/examples) with the bundled default model, writing out/:
#   out/mid.png         the frame halfway between one.png and two.png
#   out/frames/         a 9-frame slow-motion sequence (3 recursions)
# Until a trained default model is bundled (models/film-default), the model is the FILM-port
# fixture (the FILM architecture with small random weights, converted from ../shared/fixtures);
# its pictures show the pipeline working, not interpolation quality. Set FILM_MODEL=DIR to use
# another model (e.g. one made with 'film convert --from savedmodel').
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh
film=build/film
model=${FILM_MODEL:-}
if [[ -z $model && -f models/film-default/graph.json ]]; then
  model=models/film-default
fi
if [[ -z $model ]]; then
  fixtures=../shared/fixtures/film-port
  model=build/models/port-small-a
  echo "demo: no trained default model is bundled yet; using the FILM-port fixture model (random weights)"
  $film convert --from pytorch-port --config $fixtures/port-small.config.json \
    $fixtures/port-small-a.weights.safetensors -o $model
fi
mkdir -p out
$film inspect "$model" --size 384x512 | tail -2
$film interpolate models/examples/one.png models/examples/two.png -o out/mid.png --model "$model"
$film interpolate models/examples/one.png models/examples/two.png --times 3 -o out/frames --model "$model"
echo "demo: wrote out/mid.png and out/frames/frame_000.png .. frame_008.png"
