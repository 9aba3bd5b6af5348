#include "tools/eval/eval.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tools/media/image.h"
#include "tools/eval/metrics.h"
#include "graph/base/error.h"

namespace film {
namespace fs = std::filesystem;

std::vector<Triplet> list_triplets(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::is_directory(data_dir, ec))
    fail(data_dir, ": expected a folder of triplet folders (im0.png, gt.png, im1.png)");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(data_dir, ec))
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  if (ec) fail(data_dir, ": cannot list the folder (", ec.message(), ")");
  if (names.empty())
    fail(data_dir, ": no case folders found, expected sub-folders with im0.png, gt.png, im1.png");
  std::sort(names.begin(), names.end());

  std::vector<Triplet> out;
  for (const auto& name : names) {
    const fs::path dir = fs::path(data_dir) / name;
    Triplet t{name, (dir / "im0.png").string(), (dir / "gt.png").string(),
              (dir / "im1.png").string()};
    for (const std::string* p : {&t.im0, &t.gt, &t.im1})
      if (!fs::is_regular_file(*p, ec))
        fail(*p, ": missing; every case folder needs im0.png, gt.png and im1.png");
    out.push_back(std::move(t));
  }
  return out;
}

EvalMethod repeat_baseline() {
  return {"repeat", [](const Tensor& im0, const Tensor&) { return im0; }};
}

EvalMethod average_baseline() {
  return {"average", [](const Tensor& im0, const Tensor& im1) {
            if (im0.shape() != im1.shape())
              fail("average: input frames differ in shape, ", shape_str(im0.shape()), " vs ",
                   shape_str(im1.shape()));
            Tensor out = Tensor::zeros(im0.shape());
            for (int64_t i = 0; i < out.size(); ++i)
              out.data()[i] = 0.5f * (im0.data()[i] + im1.data()[i]);
            return out;
          }};
}

std::vector<EvalResult> evaluate_triplets(const std::vector<Triplet>& triplets,
                                          const std::vector<EvalMethod>& methods,
                                          const EvalProgress& progress) {
  std::vector<EvalResult> results(methods.size());
  for (size_t m = 0; m < methods.size(); ++m) results[m].method = methods[m].name;
  for (size_t c = 0; c < triplets.size(); ++c) {
    const Triplet& t = triplets[c];
    const Tensor im0 = io::read_png(t.im0), gt = io::read_png(t.gt), im1 = io::read_png(t.im1);
    if (im0.shape() != gt.shape() || im1.shape() != gt.shape())
      fail("case '", t.name, "': frames differ in size (im0 ", shape_str(im0.shape()), ", gt ",
           shape_str(gt.shape()), ", im1 ", shape_str(im1.shape()), ")");
    for (size_t m = 0; m < methods.size(); ++m) {
      const std::string where = cat("case '", t.name, "', method '", methods[m].name, "'");
      Tensor out;
      try {
        out = methods[m].run(im0, im1);
      } catch (const Error& e) {
        fail(where, ": ", e.what());
      }
      if (out.empty() || out.shape() != gt.shape())
        fail(where, ": output is ", shape_str(out.shape()), ", expected ", shape_str(gt.shape()),
             " like gt");
      results[m].cases.push_back({t.name, psnr(out, gt), ssim(out, gt)});
    }
    if (progress) progress(c + 1, triplets.size(), t.name);
  }
  for (auto& r : results) {
    for (const auto& c : r.cases) {
      r.mean_psnr += c.psnr;
      r.mean_ssim += c.ssim;
    }
    if (!r.cases.empty()) {
      r.mean_psnr /= static_cast<double>(r.cases.size());
      r.mean_ssim /= static_cast<double>(r.cases.size());
    }
  }
  return results;
}

std::vector<EvalResult> evaluate(const std::string& data_dir,
                                 const std::vector<EvalMethod>& methods,
                                 const EvalProgress& progress) {
  return evaluate_triplets(list_triplets(data_dir), methods, progress);
}

std::string format_eval_table(const std::vector<EvalResult>& results, bool per_case) {
  size_t name_width = 4;  // "mean"
  if (per_case && !results.empty())
    for (const auto& c : results[0].cases) name_width = std::max(name_width, c.name.size());
  name_width += 2;
  auto pad = [](std::string s, size_t width) {
    s.resize(std::max(width, s.size() + 1), ' ');
    return s;
  };
  // Each method gets a PSNR and an SSIM column under its name; the group widens for long names.
  std::vector<size_t> group;
  for (const auto& r : results) group.push_back(std::max<size_t>(18, r.method.size() + 2));

  std::string out;
  auto end_line = [&]() {
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
  };
  auto cells = [](const char* fmt, auto p, auto s) {
    char cell[64];
    std::snprintf(cell, sizeof cell, fmt, p, s);
    return std::string(cell);
  };
  out += pad("case", name_width);
  for (size_t m = 0; m < results.size(); ++m) out += pad(results[m].method, group[m]);
  end_line();
  out += std::string(name_width, ' ');
  for (size_t m = 0; m < results.size(); ++m)
    out += pad(cells("%8s  %6s", "PSNR(dB)", "SSIM"), group[m]);
  end_line();
  auto row = [&](const std::string& label, auto value) {
    out += pad(label, name_width);
    for (size_t m = 0; m < results.size(); ++m) {
      auto [p, s] = value(results[m]);
      out += pad(cells("%8.3f  %6.4f", p, s), group[m]);
    }
    end_line();
  };
  if (per_case && !results.empty())
    for (size_t c = 0; c < results[0].cases.size(); ++c)
      row(results[0].cases[c].name,
          [&](const EvalResult& r) { return std::pair(r.cases[c].psnr, r.cases[c].ssim); });
  row("mean", [](const EvalResult& r) { return std::pair(r.mean_psnr, r.mean_ssim); });
  return out;
}

std::string format_eval_json(const std::vector<EvalResult>& results) {
  // ordered_json keeps "name" first, which reads better than alphabetical keys.
  nlohmann::ordered_json methods = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    nlohmann::ordered_json cases = nlohmann::ordered_json::array();
    for (const auto& c : r.cases)
      cases.push_back({{"name", c.name}, {"psnr", c.psnr}, {"ssim", c.ssim}});
    methods.push_back({{"name", r.method},
                       {"mean", {{"psnr", r.mean_psnr}, {"ssim", r.mean_ssim}}},
                       {"cases", std::move(cases)}});
  }
  // Folder names need not be UTF-8; replace bad bytes rather than throw a non-film exception.
  return nlohmann::ordered_json{{"methods", std::move(methods)}}.dump(
             2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

}  // namespace film
