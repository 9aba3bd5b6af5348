#include "graph/base/output_rule.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "graph/base/error.h"

namespace film::io {
namespace fs = std::filesystem;

namespace {

struct Entry {
  std::uint64_t owner;
  bool folder;
  std::string shown, role;
};

struct Claim {
  std::uint64_t owner;
  bool replace;
};

// The registry, looked up by where a path is (forms_of's strings) and by the file's identity
// (device and inode: a hard link), so that a run writing 20,000 frames next to 20,000 protected
// input frames checks each write in constant time.
struct Registry {
  std::vector<Entry> entries;  // index = the entry's id; owner 0 once its rule has ended
  std::unordered_multimap<std::string, size_t> files;
  std::vector<std::pair<std::string, size_t>> folders;
  std::multimap<std::pair<dev_t, ino_t>, size_t> inodes;
  std::unordered_map<std::string, Claim> claims;
};

std::mutex g_mutex;
Registry g;
std::atomic<std::uint64_t> g_next_id{1};

fs::path absolute_of(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path.empty() ? "." : path, ec);
  return ec ? fs::path(path) : p;
}

// Where `path` is: its folder resolved through links with the last name kept (the name itself,
// even when it is a link), and, when it is a link, where the chain of links ends (resolved as far
// as it exists). Both count: writing at a link replaces the link; a writer that follows it
// writes its target.
std::vector<std::string> forms_of(const std::string& path) {
  std::error_code ec;
  const fs::path abs = absolute_of(path).lexically_normal();
  std::vector<std::string> forms;
  const fs::path name = abs.filename().empty() ? abs.parent_path().filename() : abs.filename();
  const fs::path parent =
      abs.filename().empty() ? abs.parent_path().parent_path() : abs.parent_path();
  forms.push_back((fs::weakly_canonical(parent, ec) / name).string());
  fs::path at = abs;
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(at, ec)); ++hops) {
    const fs::path target = fs::read_symlink(at, ec);
    if (ec) break;
    at = (target.is_absolute() ? target : at.parent_path() / target).lexically_normal();
  }
  const std::string resolved = fs::weakly_canonical(at, ec).string();
  if (!ec && resolved != forms.front()) forms.push_back(resolved);
  return forms;
}

// Whether `inner` is `outer` or lies inside it (whole path components).
bool within(const std::string& inner, const std::string& outer) {
  if (inner.size() < outer.size() || inner.compare(0, outer.size(), outer) != 0) return false;
  return inner.size() == outer.size() || outer.ends_with('/') || inner[outer.size()] == '/';
}

// The device and inode of what `path` names (through links); false when it does not exist.
bool identity(const std::string& path, std::pair<dev_t, ino_t>& id) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  id = {st.st_dev, st.st_ino};
  return true;
}

// The protected entry that `path` (in its `forms`) falls under, or null. Caller holds g_mutex.
const Entry* protecting(const std::string& path, const std::vector<std::string>& forms) {
  for (const std::string& f : forms) {
    if (auto it = g.files.find(f); it != g.files.end()) return &g.entries[it->second];
    for (const auto& [folder, i] : g.folders)
      if (within(f, folder)) return &g.entries[i];
  }
  std::pair<dev_t, ino_t> id;
  if (!g.inodes.empty() && identity(path, id))
    if (auto it = g.inodes.find(id); it != g.inodes.end()) return &g.entries[it->second];
  return nullptr;
}

[[noreturn]] void refuse(const std::string& path, const Entry& e) {
  fail(path, ": refusing to write the output ", e.folder ? "into" : "over", " the ", e.role, " '",
       e.shown, "'");
}

// rename(2) that fails with EEXIST instead of replacing; link + unlink where the file system has
// no RENAME_NOREPLACE (both are atomic: the name appears whole or not at all).
int rename_noreplace(const char* from, const char* to) {
#ifdef RENAME_NOREPLACE
  if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
#endif
  if (::link(from, to) != 0) return -1;
  ::unlink(from);
  return 0;
}

}  // namespace

OutputRule::OutputRule() : id_(g_next_id++) {}

OutputRule::~OutputRule() {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto mine = [&](size_t i) { return g.entries[i].owner == id_; };
  std::erase_if(g.files, [&](const auto& f) { return mine(f.second); });
  std::erase_if(g.folders, [&](const auto& f) { return mine(f.second); });
  std::erase_if(g.inodes, [&](const auto& f) { return mine(f.second); });
  std::erase_if(g.claims, [&](const auto& c) { return c.second.owner == id_; });
  for (Entry& e : g.entries)
    if (e.owner == id_) e.owner = 0;
  while (!g.entries.empty() && g.entries.back().owner == 0) g.entries.pop_back();
}

void OutputRule::protect(const std::string& path, const std::string& role) {
  if (path.empty() || path == "-") return;
  std::error_code ec;
  const bool folder = fs::is_directory(path, ec);
  const auto forms = forms_of(path);
  std::pair<dev_t, ino_t> id;
  const bool exists = !folder && identity(path, id);
  std::lock_guard<std::mutex> lock(g_mutex);
  const size_t i = g.entries.size();
  g.entries.push_back({id_, folder, path, role});
  for (const std::string& f : forms) {
    if (folder)
      g.folders.emplace_back(f, i);
    else
      g.files.emplace(f, i);
  }
  if (exists) g.inodes.emplace(id, i);
}

void OutputRule::protect_model(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    protect(folder, "model file");
    return;
  }
  protect(folder, "model folder");
  for (const auto& e : fs::directory_iterator(folder, ec)) protect(e.path().string(), "model file");
}

void OutputRule::claim(const std::string& path, bool replace) {
  check_writable(path);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec)) && !replace)
    fail(path,
         ": exists; pass --force to replace it (and any other existing output of this command)");
  const auto forms = forms_of(path);
  std::lock_guard<std::mutex> lock(g_mutex);
  for (const std::string& f : forms) g.claims[f] = {id_, replace};
}

void check_writable(const std::string& path) {
  const auto forms = forms_of(path);
  std::lock_guard<std::mutex> lock(g_mutex);
  if (const Entry* e = protecting(path, forms)) refuse(path, *e);
}

void check_folder(const std::string& folder, const char* doing) {
  const auto forms = forms_of(folder);
  std::lock_guard<std::mutex> lock(g_mutex);
  auto refuse_for = [&](size_t i, bool holds) {
    const Entry& e = g.entries[i];
    fail(folder, ": refusing to ", doing, ": it ", holds ? "holds" : "lies in", " the ", e.role,
         " '", e.shown, "'");
  };
  for (const std::string& f : forms) {
    for (const auto& [file, i] : g.files)
      if (within(file, f)) refuse_for(i, true);
    for (const auto& [dir, i] : g.folders)
      if (within(dir, f) || within(f, dir)) refuse_for(i, within(dir, f));
  }
}

bool is_within(const std::string& path, const std::string& folder) {
  for (const std::string& f : forms_of(path))
    for (const std::string& d : forms_of(folder))
      if (within(f, d)) return true;
  return false;
}

void commit_file(const std::string& partial, const std::string& path) {
  const auto forms = forms_of(path);
  std::lock_guard<std::mutex> lock(g_mutex);
  if (const Entry* e = protecting(path, forms)) refuse(path, *e);
  Claim* claim = nullptr;
  for (const std::string& f : forms)
    if (auto it = g.claims.find(f); it != g.claims.end()) claim = &it->second;
  if (!claim || claim->replace) {
    if (std::rename(partial.c_str(), path.c_str()) != 0)
      fail(path, ": cannot move the finished file into place (", std::strerror(errno), ")");
    return;
  }
  if (rename_noreplace(partial.c_str(), path.c_str()) != 0) {
    if (errno == EEXIST)
      fail(path,
           ": appeared while this command ran (another program or run wrote it); not "
           "replaced: pass --force to replace it");
    fail(path, ": cannot move the finished file into place (", std::strerror(errno), ")");
  }
  claim->replace = true;  // its own file from now on: a later write of it (progress) replaces it
}

}  // namespace film::io
