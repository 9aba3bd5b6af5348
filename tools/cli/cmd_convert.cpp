// film convert: official TF2 SavedModel or PyTorch-port state dict -> model directory.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "engine/io/safetensors.h"
#include "engine/model.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "graph/base/process.h"
#include "models/film/import_port.h"
#include "models/film/options.h"
#include "tools/cli/cli.h"
#include "tools/cli/convert_savedmodel.h"

namespace film::cli {
namespace {

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

// A .pt pickle needs PyTorch to read; re-save it as safetensors with the system's torch. The
// pickle is loaded with weights_only=True: tensors and plain containers only, so a crafted file
// cannot run code (torch refuses any other object, and we say so).
std::string pt_to_safetensors(const std::string& pt, const std::string& tmp_dir) {
  const std::string out = tmp_dir + "/state_dict.safetensors";
  const std::string script =
      "import sys, json, struct, torch\n"
      "try:\n"
      "    sd = torch.load(sys.argv[1], map_location='cpu', weights_only=True)\n"
      "except Exception as e:\n"
      "    sys.exit('not a plain state dict of tensors (loaded with weights_only=True, which runs "
      "no code): %s' % str(e).splitlines()[0][:300])\n"
      "sd = sd.get('state_dict', sd) if isinstance(sd, dict) else sd\n"
      "if not isinstance(sd, dict): sys.exit('not a state dict (a mapping of names to tensors)')\n"
      "h, blobs, off = {}, [], 0\n"
      "for k, v in sd.items():\n"
      "    if not torch.is_tensor(v): continue\n"
      "    b = v.detach().to(torch.float32).contiguous().numpy().tobytes()\n"
      "    h[k] = {'dtype': 'F32', 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}\n"
      "    blobs.append(b); off += len(b)\n"
      "hb = json.dumps(h).encode()\n"
      "with open(sys.argv[2], 'wb') as f:\n"
      "    f.write(struct.pack('<Q', len(hb))); f.write(hb); [f.write(b) for b in blobs]\n";
  const std::string script_path = tmp_dir + "/pt2st.py";
  io::write_file_atomic(script_path, script);
  if (!std::filesystem::exists("/usr/bin/python3"))
    fail(pt,
         ": reading a .pt file needs /usr/bin/python3 with PyTorch (apt-get install python3-torch); "
         "or convert it to .safetensors first");
  const Ran ran = run_program({"/usr/bin/python3", "-I", script_path, pt, out});
  if (ran.status != 0) {
    const std::string log = ran.out + ran.err;
    fail(pt, ": could not read it with PyTorch: ", log.empty() ? "python3 failed" : log);
  }
  return out;
}

struct Convert {
  std::string from, config, input, out;
  int pyramid_levels = 7;
  bool force = false;

  int run() {
    if (from == "pytorch-port" && config.empty())
      usage_fail("--from pytorch-port needs --config OPTIONS.json (the port's FILM options)");
    io::OutputRule rule;  // never over the input or its folder; an existing model: --force
    rule.protect(input, std::filesystem::is_directory(input) ? "input folder" : "input");
    rule.protect(config, "input");
    if (std::filesystem::exists(out) && !std::filesystem::is_directory(out))
      fail(out, ": is a file; -o names the model folder to write");
    for (const char* f : {"graph.json", "weights.safetensors"}) {
      const std::string file = (std::filesystem::path(out) / f).string();
      if (std::filesystem::exists(file) && !force)
        fail(out, ": already holds a model (", f, "); pass --force to replace it");
      rule.claim(file, force);
    }
    std::vector<std::pair<std::string, Tensor>> weights;
    model::FilmOptions o;
    if (from == "pytorch-port") {
      o = model::parse_options(io::read_file(config), config);
      io::SafetensorsFile sd;
      if (input.ends_with(".pt") || input.ends_with(".pth")) {
        TempFolder tmp;  // removed whether reading succeeds or not
        sd = io::read_safetensors(pt_to_safetensors(input, tmp.path()));
      } else {
        sd = io::read_safetensors(input);
      }
      weights = model::import_pytorch_port(sd, o);
    } else {
      weights = import_savedmodel_for_cli(input, pyramid_levels, o);
    }
    try {
      save_model(out, model::build_film_graph(o), weights);
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
};

}  // namespace

Runner convert_command(CLI::App& app) {
  auto c = std::make_shared<Convert>();
  app.description(
      "Imports released weights as a model folder: the official TF2 SavedModel\n"
      "(--from savedmodel SAVEDMODEL_DIR) or a PyTorch port's state dict (--from pytorch-port\n"
      "--config OPTIONS.json STATE_DICT): a .safetensors file with the port's keys, or a\n"
      ".pt/.pth file (read by /usr/bin/python3 with torch, tensors only: no code runs).");
  app.add_option("--from", c->from, "what INPUT is: pytorch-port or savedmodel")
      ->required()->check(CLI::IsMember({"pytorch-port", "savedmodel"}))->type_name("KIND");
  app.add_option("INPUT", c->input, "the state dict or the SavedModel folder")->required();
  app.add_option("--config", c->config, "the port's FILM options (pytorch-port)")
      ->type_name("OPTIONS.json");
  app.add_option("--pyramid-levels", c->pyramid_levels,
                 "the pyramid levels to build (savedmodel; default 7, the released models')")
      ->check(CLI::Range(1, 16))->type_name("N");
  app.add_option("-o,--output", c->out, "the model folder to write")
      ->required()->type_name("MODEL_DIR")->group("Output");
  force_option(app, c->force);
  return [c] { return c->run(); };
}

}  // namespace film::cli
