// The one rule for every file the program writes (docs/cli.md, "What film will never do to your
// files"). An operation (a command, a library call such as film::retime) opens an OutputRule and
// names in it what it reads — its inputs, input folders, the model in use, its work folders — and
// what it will write. Every write then ends in commit_file(), which checks the target against the
// rules open in the process, at the last moment, and moves the finished file into place without
// replacing a file it was not allowed to replace (rename with RENAME_NOREPLACE: no window between
// the check and the write).
//
// A path is refused, with or without --force, when it is, or resolves through links to, a
// protected file, or lies (at any depth, through links) inside a protected folder. A claimed
// output may replace an existing file only if claimed with `replace` (--force); an output that
// appears between the claim and the commit is then not replaced. A path nobody claimed (the
// program's own state files: settings, markers, caches) may be replaced, but is checked against
// the protected paths all the same.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace film::io {

class OutputRule {
 public:
  OutputRule();
  ~OutputRule();
  OutputRule(const OutputRule&) = delete;
  OutputRule& operator=(const OutputRule&) = delete;

  // Never to be written over: a file, or a folder and everything in it. `role` names it in the
  // message: "input", "input folder", "model file", "work folder".
  void protect(const std::string& path, const std::string& role);
  // A model folder: the folder and each file in it, followed through links (a weights file linked
  // from elsewhere is protected where it really is).
  void protect_model(const std::string& folder);
  // `path` will be written by this operation. Refused now (film::Error naming the path) when it is
  // protected, or exists and `replace` is false ("exists; pass --force ..."). `replace`: the user
  // asked for existing outputs to be replaced (--force).
  void claim(const std::string& path, bool replace);

 private:
  std::uint64_t id_;
};

// film::Error when `path` is refused by a rule open in this process (what it is protected as and
// by which path), whether or not it exists. `what` prefixes the message ("--progress").
void check_writable(const std::string& path);
// film::Error unless `folder` may be removed, or filled with files of this command (`doing`:
// "remove it", "write --dump's files into it"): it is not protected, holds nothing protected and
// lies inside nothing protected.
void check_folder(const std::string& folder, const char* doing);
inline void check_removable(const std::string& folder) { check_folder(folder, "remove it"); }
// Whether `path` is `folder` or lies inside it, both resolved through links.
bool is_within(const std::string& path, const std::string& folder);
// Moves the finished temporary `partial` (in `path`'s folder) to `path`, the last step of every
// write: check_writable, then a rename that replaces an existing `path` only when it was claimed
// with replace, or is this operation's own earlier write, or was never claimed. On failure
// `partial` is left for the caller to remove.
void commit_file(const std::string& partial, const std::string& path);

}  // namespace film::io
