#include "tools/commands.h"

namespace film::cli {

int cmd_interpolate(const std::vector<std::string>&);
int cmd_eval(const std::vector<std::string>&);
int cmd_bench(const std::vector<std::string>&);
int cmd_convert(const std::vector<std::string>&);
int cmd_run(const std::vector<std::string>&);
int cmd_graph(const std::vector<std::string>&);
int cmd_inspect(const std::vector<std::string>&);
int cmd_video(const std::vector<std::string>&);
int cmd_cluster(const std::vector<std::string>&);
int cmd_devices(const std::vector<std::string>&);

const char* version() { return "film " FILM_VERSION " (commit " FILM_COMMIT ")"; }

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"interpolate", "synthesise the frame(s) between two images", cmd_interpolate},
      {"video", "raise a video's frame rate (streaming; audio kept)", cmd_video},
      {"cluster", "run film video on a Slurm cluster (or Kubernetes) in pieces, joined",
       cmd_cluster},
      {"eval", "PSNR/SSIM of a model on triplet folders, with baselines", cmd_eval},
      {"convert", "import released TF SavedModel or PyTorch-port weights as a model directory",
       cmd_convert},
      {"run", "run a model on tensors from a safetensors file", cmd_run},
      {"inspect", "validate and summarise a graph: ops, parameters, MACs, planned memory",
       cmd_inspect},
      {"bench", "time per frame and memory at a real resolution", cmd_bench},
      {"graph", "write FILM's operator graph for given options", cmd_graph},
      {"devices", "the backends and Vulkan devices this machine can run on", cmd_devices},
  };
  return list;
}

}  // namespace film::cli
