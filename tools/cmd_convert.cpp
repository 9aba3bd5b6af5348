// film convert: official TF2 SavedModel or PyTorch-port state dict -> model directory.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "engine/io/safetensors.h"
#include "engine/model.h"
#include "graph/error.h"
#include "graph/file.h"
#include "models/film/import_port.h"
#include "models/film/options.h"
#include "tools/commands.h"
#include "tools/convert_savedmodel.h"
#include "tools/process.h"

namespace film::cli {
namespace {

const char* kHelp =
    "usage: film convert --from pytorch-port --config OPTIONS.json STATE_DICT -o MODEL_DIR "
    "[--force]\n"
    "       film convert --from savedmodel SAVEDMODEL_DIR -o MODEL_DIR [--pyramid-levels N] "
    "[--force]\n"
    "An existing model in MODEL_DIR is replaced only with --force.\n"
    "STATE_DICT is a .safetensors file with the port's keys, or a .pt/.pth file (needs\n"
    "/usr/bin/python3 with torch, used only to re-save it as safetensors).\n";

// A temporary folder, removed with everything in it when this goes out of scope (errors too).
class TempFolder {
 public:
  TempFolder() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "film-convert-XXXXXX").string();  // $TMPDIR
    if (!mkdtemp(tmpl.data()))
      fail("cannot create a temporary folder ", tmpl, ": ", std::strerror(errno));
    path_ = tmpl;
  }
  ~TempFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A .pt pickle needs PyTorch to read; re-save it as safetensors with the system's torch.
std::string pt_to_safetensors(const std::string& pt, const std::string& tmp_dir) {
  const std::string out = tmp_dir + "/state_dict.safetensors";
  const std::string script =
      "import sys, json, struct, torch\n"
      "sd = torch.load(sys.argv[1], map_location='cpu')\n"
      "sd = sd.get('state_dict', sd) if isinstance(sd, dict) else sd\n"
      "h, blobs, off = {}, [], 0\n"
      "for k, v in sd.items():\n"
      "    b = v.detach().to(torch.float32).contiguous().numpy().tobytes()\n"
      "    h[k] = {'dtype': 'F32', 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}\n"
      "    blobs.append(b); off += len(b)\n"
      "hb = json.dumps(h).encode()\n"
      "with open(sys.argv[2], 'wb') as f:\n"
      "    f.write(struct.pack('<Q', len(hb))); f.write(hb); [f.write(b) for b in blobs]\n";
  const std::string script_path = tmp_dir + "/pt2st.py";
  io::write_file_atomic(script_path, script);
  if (!std::filesystem::exists("/usr/bin/python3"))
    fail(
        pt,
        ": reading a .pt file needs /usr/bin/python3 with PyTorch (apt-get install python3-torch); "
        "or convert it to .safetensors first");
  const Ran ran = run_program({"/usr/bin/python3", script_path, pt, out});
  if (ran.status != 0) {
    const std::string log = ran.out + ran.err;
    fail(pt, ": could not read it with PyTorch: ", log.empty() ? "python3 failed" : log);
  }
  return out;
}

}  // namespace

int cmd_convert(const std::vector<std::string>& argv) {
  Args a(argv, {"--from", "--config", "-o", "--output", "--pyramid-levels"}, {"--help", "--force"},
         "convert");
  if (a.flag("--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  const std::string from = a.require("--from");
  const std::string out = a.get("-o").value_or(a.get_or("--output", ""));
  if (out.empty()) usage_fail("missing -o MODEL_DIR\n", kHelp);
  for (const char* f : {"graph.json", "weights.safetensors"})
    if (std::filesystem::exists(std::filesystem::path(out) / f) && !a.flag("--force"))
      fail(out, ": already holds a model (", f, "); pass --force to replace it");
  if (a.positional().size() != 1)
    fail("expected exactly one input (state dict or SavedModel folder)\n", kHelp);
  const std::string input = a.positional()[0];
  io::check_not_an_input(out, {input});

  graph::Graph g;
  std::vector<std::pair<std::string, Tensor>> weights;
  model::FilmOptions o;
  if (from == "pytorch-port") {
    const std::string config = a.require("--config");
    o = model::parse_options(io::read_file(config), config);
    io::SafetensorsFile sd;
    if (input.ends_with(".pt") || input.ends_with(".pth")) {
      TempFolder tmp;  // removed whether reading succeeds or not
      sd = io::read_safetensors(pt_to_safetensors(input, tmp.path()));
    } else {
      sd = io::read_safetensors(input);
    }
    weights = model::import_pytorch_port(sd, o);
  } else if (from == "savedmodel") {
    weights = import_savedmodel_for_cli(input, a.get_int("--pyramid-levels", 7, 1, 16), o);
  } else {
    fail("--from must be 'pytorch-port' or 'savedmodel', got '", from, "'");
  }
  g = model::build_film_graph(o);
  try {
    save_model(out, g, weights);
  } catch (const Error& e) {
    fail(input, ": the weights do not fit the FILM options (check --config): ", e.what());
  }
  int64_t params = 0;
  for (auto& [n, t] : weights) params += t.size();
  std::printf("wrote %s: %zu weights, %lld parameters, FILM options %s\n", out.c_str(),
              weights.size(), static_cast<long long>(params),
              model::options_to_json(o).dump().c_str());
  return 0;
}

}  // namespace film::cli
