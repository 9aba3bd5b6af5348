#include "tools/media/sequence.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>

#include "tools/media/image.h"
#include "graph/base/error.h"

namespace film {

bool is_sequence_input(const std::string& input) {
  std::error_code ec;
  return std::filesystem::is_directory(input, ec) ||
         input.find_first_of("*?[") != std::string::npos;
}

bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      size_t ei = i, ej = j;
      while (ei < a.size() && digit(a[ei])) ++ei;
      while (ej < b.size() && digit(b[ej])) ++ej;
      // Compare as numbers without overflow: leading zeros off, then length, then digits.
      size_t si = i, sj = j;
      while (si + 1 < ei && a[si] == '0') ++si;
      while (sj + 1 < ej && b[sj] == '0') ++sj;
      if (ei - si != ej - sj) return ei - si < ej - sj;
      if (int c = a.compare(si, ei - si, b, sj, ej - sj); c != 0) return c < 0;
      if (ei - i != ej - j) return ei - i < ej - j;  // "01" before "1": fewer zeros last
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::vector<std::string> sequence_files(const std::string& input) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  auto is_image = [](const std::string& p) {
    try {
      io::output_format(p);  // an extension the image writers (and readers) know
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  if (fs::is_directory(input, ec)) {
    for (auto& e : fs::directory_iterator(input, ec))
      if (e.is_regular_file() && is_image(e.path().string())) files.push_back(e.path().string());
    if (ec) fail(input, ": cannot list the folder (", ec.message(), ")");
    if (files.empty()) fail(input, ": the folder holds no image files (PNG, JPEG, TIFF, EXR, ...)");
  } else {
    glob_t g{};
    const int r = ::glob(input.c_str(), 0, nullptr, &g);
    for (size_t i = 0; r == 0 && i < g.gl_pathc; ++i)
      if (fs::is_regular_file(g.gl_pathv[i], ec)) files.push_back(g.gl_pathv[i]);
    globfree(&g);
    if (files.empty()) fail(input, ": the pattern matches no files");
  }
  std::sort(files.begin(), files.end(), natural_less);
  return files;
}

ImageSequence::ImageSequence(const std::string& input, video::Rational rate)
    : input_(input), files_(sequence_files(input)), rate_(rate) {
  if (rate.num <= 0 || rate.den <= 0) fail(input, ": a sequence needs a positive frame rate");
  const io::Image first = io::read_image(files_[0]);
  width_ = static_cast<int>(first.width());
  height_ = static_cast<int>(first.height());
  bits_ = first.bits;
}

std::vector<double> ImageSequence::times() const {
  std::vector<double> t(files_.size());
  for (size_t i = 0; i < t.size(); ++i) t[i] = static_cast<double>(i) * rate_.den / rate_.num;
  return t;
}

void ImageSequence::seek(double seconds) {
  const auto t = times();
  next_ = static_cast<size_t>(std::lower_bound(t.begin(), t.end(), seconds - 1e-6) - t.begin());
}

bool ImageSequence::next(Tensor& rgb, double& seconds) {
  if (next_ >= files_.size()) return false;
  const std::string& path = files_[next_];
  io::Image img = io::read_image(path);
  if (img.width() != width_ || img.height() != height_)
    fail(path, ": ", img.width(), "x", img.height(), " where the sequence's first frame (",
         files_[0], ") is ", width_, "x", height_);
  rgb = img.rgb;
  seconds = static_cast<double>(next_) * rate_.den / rate_.num;
  ++next_;
  return true;
}

}  // namespace film
