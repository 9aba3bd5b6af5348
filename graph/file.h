// Whole-file I/O with errors that name the file, and atomic writes.
//
// write_file_atomic writes to a temporary file in the same folder and renames it over `path`,
// so a reader never sees a half-written output and a failed write leaves the old file intact.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace film::io {

std::string read_file(const std::string& path);
void write_file_atomic(const std::string& path, std::string_view bytes);
// Throws if `output` is the same file as any of `inputs` (so a command never overwrites its input).
void check_not_an_input(const std::string& output, const std::vector<std::string>& inputs);

}  // namespace film::io
