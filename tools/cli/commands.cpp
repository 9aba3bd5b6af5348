#include "tools/cli/cli.h"

namespace film::cli {

Runner interpolate_command(CLI::App&);
Runner video_command(CLI::App&);
Runner cluster_command(CLI::App&);
Runner eval_command(CLI::App&);
Runner convert_command(CLI::App&);
Runner run_command(CLI::App&);
Runner inspect_command(CLI::App&);
Runner bench_command(CLI::App&);
Runner graph_command(CLI::App&);
Runner devices_command(CLI::App&);

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"interpolate", "synthesise the frame(s) between two images", interpolate_command},
      {"video", "raise a video's frame rate (streaming; audio kept)", video_command},
      {"cluster", "run film video on a Slurm cluster (or Kubernetes) in pieces, joined",
       cluster_command},
      {"eval", "PSNR/SSIM of a model on triplet folders, with baselines", eval_command},
      {"convert", "import released TF SavedModel or PyTorch-port weights as a model directory",
       convert_command},
      {"run", "run a model on tensors from a safetensors file", run_command},
      {"inspect", "validate and summarise a graph: ops, parameters, MACs, planned memory",
       inspect_command},
      {"bench", "time per frame and memory at a real resolution", bench_command},
      {"graph", "write FILM's operator graph for given options", graph_command},
      {"devices", "the backends and Vulkan devices this machine can run on", devices_command},
  };
  return list;
}

}  // namespace film::cli
