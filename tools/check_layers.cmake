# The build's layering, checked on every build (cmake -P tools/check_layers.cmake, run by the
# check_layers target that every library depends on): a source file may include project headers
# only from its own layer and the layers below it. An upward include fails the build, naming the
# file, the line and the rule. The layers, bottom to top (docs/architecture.md):
#   graph/base/       errors, whole-file I/O and atomic writes, interrupt clean-up, running
#                     programs: includes nothing
#   graph/            the IR, shapes, op schemas, validation, inlining
#   engine/           tensors, models, memory model, planning, Session, the Backend interface
#   backends/X/       one backend each (ref, onednn, vulkan), plus backends/common/ helpers
#   backends/registry the one place that knows every backend
#   models/film/      FILM's options, graph builder and PyTorch-port weight names
#   models/import/    TF SavedModel/checkpoint readers and the SavedModel importer (snappy)
#   tools/media/      images and video files (libpng, OpenImageIO, FFmpeg): engine tensors in/out
#   tools/app/        the application layer: frame interpolation, video retiming, the output rule
#   tools/eval/       evaluation and metrics (OpenCV)       tools/inspect/  the inspector
#   tools/api/        the public API (include/film/): what libfilm's users call
#   tools/python/     the Python module: the public API alone, as any user of libfilm
#   include/film/     the public headers: include nothing of the project but each other
#   tools/cli/, tests/, fuzz/  programs: may include anything; tools/gpu/ may use the vulkan
#                     backend directly (it links no other backend)
cmake_minimum_required(VERSION 3.20)
if(NOT DEFINED SOURCE_DIR)
  get_filename_component(SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()

# Each rule: layer name | path regex | allowed include regexes, comma-separated. First match wins.
set(core_h "engine/[a-z_]+[.]h$")
set(rules
  "base|graph/base/.*|graph/base/,film/error[.]h$"
  "graph|graph/.*|graph/"
  "engine|engine/[^/]+|graph/,${core_h},engine/io/"
  "engine-io|engine/io/.*|graph/,${core_h},engine/io/"
  "backend-common|backends/common/.*|graph/,${core_h},backends/common/"
  "backend-ref|backends/ref/.*|graph/,${core_h},engine/io/,backends/ref/,backends/common/"
  "backend-onednn|backends/onednn/.*|graph/,${core_h},engine/io/,backends/onednn/,backends/common/"
  "backend-vulkan|backends/vulkan/.*|graph/,${core_h},backends/vulkan/,backends/common/"
  "backend-registry|backends/registry[.].*|graph/,${core_h},backends/"
  "models-film|models/film/.*|graph/,${core_h},engine/io/,models/film/"
  "models-import|models/import/.*|graph/,${core_h},engine/io/,models/film/,models/import/"
  "media|tools/media/.*|graph/,${core_h},engine/io/,tools/media/,film/rational[.]h$"
  "app|tools/app/.*|graph/,engine/,backends/registry[.]h$,models/film/,tools/media/,tools/app/,film/"
  "eval|tools/eval/.*|graph/,${core_h},tools/media/,tools/eval/,film/rational[.]h$"
  "inspect|tools/inspect/.*|graph/,engine/,backends/registry[.]h$,tools/media/,tools/app/,tools/inspect/,film/"
  "public|include/film/.*|film/"
  "gpu-check|tools/gpu/.*|graph/,engine/,backends/vulkan/,models/"
  "api|tools/api/.*|graph/,engine/,backends/registry[.]h$,models/film/,tools/media/,tools/app/,tools/api/,film/"
  "python|tools/python/.*|film/"
  "cli|tools/cli/.*|graph/,engine/,backends/registry[.]h$,models/,tools/,film/"
)

file(GLOB_RECURSE sources RELATIVE "${SOURCE_DIR}"
  "${SOURCE_DIR}/graph/*" "${SOURCE_DIR}/engine/*" "${SOURCE_DIR}/backends/*"
  "${SOURCE_DIR}/models/*" "${SOURCE_DIR}/tools/*" "${SOURCE_DIR}/include/*")
list(FILTER sources INCLUDE REGEX "\\.(cpp|h)$")
set(violations "")
foreach(src IN LISTS sources)
  set(allowed "")
  set(layer "")
  foreach(rule IN LISTS rules)
    string(REPLACE "|" ";" parts "${rule}")
    list(GET parts 0 name)
    list(GET parts 1 glob)
    list(GET parts 2 allow)
    if(src MATCHES "^${glob}$")
      set(layer "${name}")
      string(REPLACE "," ";" allowed "${allow}")
      break()
    endif()
  endforeach()
  if(layer STREQUAL "")
    continue()
  endif()
  file(STRINGS "${SOURCE_DIR}/${src}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" inc "${line}")
    set(ok FALSE)
    foreach(prefix IN LISTS allowed)
      if(inc MATCHES "^${prefix}")
        set(ok TRUE)
        break()
      endif()
    endforeach()
    if(NOT ok)
      string(APPEND violations "  ${src}: #include \"${inc}\" crosses a layer (layer ${layer} may include only: ${allowed})\n")
    endif()
  endforeach()
endforeach()
if(NOT violations STREQUAL "")
  message(FATAL_ERROR "upward includes (tools/check_layers.cmake, docs/architecture.md):\n${violations}")
endif()
