// Frame sequences as video input (`film video FOLDER` or `film video 'frames/*.png'`): the image
// files of a folder, or those a glob pattern matches, in natural order ("frame2.png" before
// "frame10.png"), frame i shown at i / rate seconds. Frames are read one at a time, so memory does
// not grow with the sequence's length.
// Usage:
//   film::ImageSequence seq("shots/", {24, 1});
//   film::Tensor rgb; double t;
//   while (seq.next(rgb, t)) ...;
#pragma once

#include <string>
#include <vector>

#include "tools/media/video.h"

namespace film {

// True when `input` names a folder or holds glob characters (* ? [): a sequence, not a file.
bool is_sequence_input(const std::string& input);

// The frames of a folder (files with an image extension; others are left alone) or of a glob
// pattern, in natural order: runs of digits compare as numbers, the rest byte by byte.
// film::Error when there is none.
std::vector<std::string> sequence_files(const std::string& input);

// a < b in natural order.
bool natural_less(const std::string& a, const std::string& b);

class ImageSequence {
 public:
  ImageSequence(const std::string& input, video::Rational rate);
  const std::vector<std::string>& files() const { return files_; }
  // Frame times, i / rate.
  std::vector<double> times() const;
  int width() const { return width_; }
  int height() const { return height_; }
  int bits() const { return bits_; }  // of the first frame
  // The next frame and its time; false after the last. film::Error naming a frame whose size
  // differs from the first's.
  bool next(Tensor& rgb, double& seconds);
  // Makes next() return the first frame at or after `seconds`.
  void seek(double seconds);

 private:
  std::string input_;
  std::vector<std::string> files_;
  video::Rational rate_;
  size_t next_ = 0;
  int width_ = 0, height_ = 0, bits_ = 8;
};

}  // namespace film
