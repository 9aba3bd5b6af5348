#include "graph/base/file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "graph/base/error.h"
#include "graph/base/output_rule.h"

namespace film::io {
namespace {

// Fixed storage, so that the signal handler touches nothing but these bytes and unlink(2).
constexpr int kSlots = 32;
constexpr size_t kPathMax = 4096;
char g_partial[kSlots][kPathMax];
std::atomic<bool> g_used[kSlots];

void cleanup_and_reraise(int sig) {
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i].load()) ::unlink(g_partial[i]);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

[[noreturn]] void fail_too_large(const std::string& path, std::uint64_t max_bytes, const char* what) {
  fail(path, ": larger than ", max_bytes >> 20, " MiB, the limit for ", what);
}

}  // namespace

std::mutex g_slots_mutex;  // serialises (un)registering; the handler reads only g_used

void register_partial_file(const std::string& path) {
  if (path.size() >= kPathMax) return;
  std::lock_guard<std::mutex> lock(g_slots_mutex);
  for (int i = 0; i < kSlots; ++i)
    if (!g_used[i].load()) {
      std::memcpy(g_partial[i], path.c_str(), path.size() + 1);
      g_used[i].store(true);  // visible to the handler only once the path is complete
      return;
    }
}

void unregister_partial_file(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_slots_mutex);
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i].load() && path == g_partial[i]) g_used[i].store(false);
}

void install_interrupt_cleanup() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, cleanup_and_reraise);
}

std::string partial_prefix(const std::string& path) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.parent_path().empty() ? "." : target.parent_path();
  return (dir / ("." + target.filename().string() + ".film-partial-")).string();
}

void remove_stale_partials(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string prefix = fs::path(partial_prefix(path)).filename().string();
  const fs::path dir = fs::path(partial_prefix(path)).parent_path();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) fs::remove(e.path(), ec);
}

void require_file(const std::string& path) {
  std::error_code ec;
  const auto type = std::filesystem::status(path, ec).type();
  if (type == std::filesystem::file_type::directory) fail(path, ": is a directory, expected a file");
  if (type == std::filesystem::file_type::character || type == std::filesystem::file_type::block ||
      type == std::filesystem::file_type::socket)
    fail(path, ": is a device or socket, not a file; expected a regular file (or a pipe)");
}

std::string read_file(const std::string& path, std::uint64_t max_bytes, const char* what) {
  require_file(path);
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open for reading (", std::strerror(errno), ")");
  // Into a string sized from the file's size up front (a stringstream grows by doubling and copies
  // the data again each time: docs/benchmarks.md, "Model loading"), in chunks until the end, so
  // that a file that grows or a pipe (size 0) still reads whole.
  std::string out;
  constexpr size_t kChunk = size_t{1} << 20;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) out.reserve(static_cast<size_t>(size) + kChunk);
  size_t have = 0;
  if (!ec && size > max_bytes) fail_too_large(path, max_bytes, what);
  while (in) {
    out.resize(have + kChunk);
    in.read(out.data() + have, static_cast<std::streamsize>(kChunk));
    have += static_cast<size_t>(in.gcount());
    if (have > max_bytes) fail_too_large(path, max_bytes, what);  // a pipe, or a growing file
  }
  if (in.bad()) fail(path, ": read error");
  out.resize(have);
  return out;
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail(path, ": output folder '", dir.string(), "' does not exist");
  std::string tmpl = partial_prefix(path) + "XXXXXX";
  int fd = mkstemp(tmpl.data());
  if (fd < 0)
    fail(path, ": cannot create a temporary file in '", dir.string(), "' (", std::strerror(errno),
         ")");
  register_partial_file(tmpl);
  struct Unregister {
    const std::string& p;
    ~Unregister() { unregister_partial_file(p); }
  } unregister{tmpl};
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmpl.c_str());
      fail(path, ": write failed (", std::strerror(e), ")");
    }
    done += static_cast<size_t>(n);
  }
  // Files we create are ordinary user files: honour the umask like open(2) would.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmpl.c_str());
    fail(path, ": write failed (", std::strerror(e), ")");
  }
  try {
    commit_file(tmpl, path);  // the output rule's last check, and no replacing unasked
  } catch (...) {
    ::unlink(tmpl.c_str());
    throw;
  }
}

}  // namespace film::io
