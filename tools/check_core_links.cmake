# The engine's floors link no media or vision library: run after the build (the check_core_links
# target), it lists the undefined symbols of each object file of the core layers (graph/,
# engine/, backends/, models/) with nm and fails the build when one of them needs FFmpeg (av*_, sws_),
# OpenImageIO (OIIO), libpng (png_) or OpenCV (cv::). Usage:
#   cmake -DNM=nm -DLIBS="engine/model.cpp.o|..." -P tools/check_core_links.cmake
cmake_minimum_required(VERSION 3.20)
set(bad "")
string(REPLACE "|" ";" LIBS "${LIBS}")
foreach(lib IN LISTS LIBS)
  execute_process(COMMAND ${NM} -u -C "${lib}" OUTPUT_VARIABLE undefined RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "check_core_links: ${NM} failed on ${lib}")
  endif()
  string(REGEX MATCHALL "[^\n]*(av_[a-z_]+|avcodec_[a-z_]+|avformat_[a-z_]+|sws_[a-z_]+|OIIO::[^\n]*|png_[a-z_]+|cv::[^\n]*)" hits "${undefined}")
  foreach(h IN LISTS hits)
    string(STRIP "${h}" h)
    string(APPEND bad "  ${lib}: needs ${h}\n")
  endforeach()
endforeach()
if(NOT bad STREQUAL "")
  message(FATAL_ERROR "a core library (graph/, engine/, backends/, models/) links media or vision code "
                      "(docs/architecture.md):\n${bad}")
endif()
