// Whole-file I/O with errors that name the file, and atomic writes.
//
// write_file_atomic writes to a temporary file in the same folder and renames it over `path`,
// so a reader never sees a half-written output and a failed write leaves the old file intact.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace film::io {

// The whole of `path`. A device (/dev/zero, a terminal, a disk) is refused without reading; a
// pipe or FIFO is read to its end. More than `max_bytes` is refused with an error naming the
// limit and `what` the file was read as ("a graph", "a settings file").
std::string read_file(const std::string& path, std::uint64_t max_bytes = UINT64_MAX,
                      const char* what = "this kind of file");
// Throws unless `path` is missing (the reader then says so), a regular file, or a pipe: a folder,
// a device or a socket is refused, naming the path, before anything is read from it.
void require_file(const std::string& path);
// Writes `.NAME.film-partial-XXXXXX` beside `path`, then moves it into place through the output
// rule (commit_file in graph/base/output_rule.h): never over a protected path, and over an
// existing file only where that rule allows.
void write_file_atomic(const std::string& path, std::string_view bytes);

// Partial files: the temporaries of atomic writes. While registered they are removed if the
// process is interrupted (SIGINT, SIGTERM, SIGHUP; install_interrupt_cleanup() sets the handlers: a
// program calls it, the library never does). A write killed harder (SIGKILL, power loss) leaves one
// behind: remove_stale_partials(path) removes those of `path` (by their name), as every output
// check does.
void register_partial_file(const std::string& path);
void unregister_partial_file(const std::string& path);
void install_interrupt_cleanup();
void remove_stale_partials(const std::string& path);
std::string partial_prefix(const std::string& path);  // ".NAME.film-partial-" in path's folder

}  // namespace film::io
