#include "tools/cli/help.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <sstream>

namespace film::cli {

namespace {

// `text` wrapped at `width` columns, every line after the first indented by `indent`.
std::string wrap(const std::string& text, size_t indent, size_t width) {
  std::string out, line;
  std::istringstream words(text);
  size_t used = indent;
  for (std::string w; words >> w;) {
    if (!line.empty() && used + 1 + w.size() > width) {
      out += line + "\n" + std::string(indent, ' ');
      line.clear();
      used = indent;
    }
    line += (line.empty() ? "" : " ") + w;
    used += (line.size() == w.size() ? 0 : 1) + w.size();
  }
  return out + line;
}

// Every option of `app` and of its option groups (unnamed sub-apps).
void collect(const CLI::App& app, std::vector<const CLI::Option*>& out) {
  for (const CLI::Option* o : app.get_options()) out.push_back(o);
  for (const CLI::App* sub : app.get_subcommands({}))
    if (sub->get_name().empty()) collect(*sub, out);
}

}  // namespace

std::string HelpFormatter::make_help(const CLI::App* app, std::string name,
                                     CLI::AppFormatMode mode) const {
  if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
  std::string text = make_usage(app, name) + "\n" + app->get_description() + "\n" +
                     make_positionals(app) + make_groups(app, mode) + make_subcommands(app, mode) +
                     make_footer(app);
  // One blank line between parts, however CLI11's pieces end.
  for (size_t at; (at = text.find("\n\n\n")) != std::string::npos;) text.erase(at, 1);
  return text;
}

std::string HelpFormatter::make_option_usage(const CLI::Option* opt) const {
  const std::string name = opt->get_name(true, false);
  return opt->get_required() ? name : "[" + name + "]";
}

std::string HelpFormatter::make_usage(const CLI::App* app, std::string) const {
  std::string line = "usage: film";
  std::vector<std::string> names;
  for (const CLI::App* a = app; a && a->get_parent(); a = a->get_parent())
    if (!a->get_name().empty()) names.insert(names.begin(), a->get_name());
  for (auto& n : names) line += " " + n;
  if (!app->get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); }).empty())
    line += " <command>";
  line += " [options]";
  for (const CLI::Option* o : app->get_options([](const CLI::Option* o) { return o->get_positional(); }))
    line += " " + make_option_usage(o);
  return line + "\n";
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  if (opt->get_type_size() == 0 || opt->get_positional()) return "";  // a flag, or named already
  std::string type = opt->get_type_name();
  const auto colon = type.find(':');
  const std::string base = type.substr(0, colon), rule = colon == std::string::npos ? "" : type.substr(colon + 1);
  if (const auto brace = rule.find('{'); brace != std::string::npos) {
    std::string choices = rule.substr(brace + 1, rule.find('}') - brace - 1);
    for (char& c : choices)
      if (c == ',') c = '|';
    return " " + choices;
  }
  if (const auto in = rule.find("in ["); in != std::string::npos) {
    std::string range = rule.substr(in + 4, rule.find(']') - in - 4);
    const auto dash = range.find(" - ");
    if (dash != std::string::npos) range = range.substr(0, dash) + ".." + range.substr(dash + 3);
    return " " + base + " (" + range + ")";
  }
  return base.empty() ? "" : " " + base;
}

std::string HelpFormatter::make_option(const CLI::Option* opt, bool is_positional) const {
  const std::string left = "  " + make_option_name(opt, is_positional) + make_option_opts(opt);
  const std::string desc = make_option_desc(opt);
  const size_t col = column_width_ + 2;
  if (left.size() + 1 >= col) return left + "\n" + std::string(col, ' ') + wrap(desc, col, 100) + "\n";
  return left + std::string(col - left.size(), ' ') + wrap(desc, col, 100) + "\n";
}

std::string HelpFormatter::make_group(std::string group, bool is_positional,
                                      std::vector<const CLI::Option*> opts) const {
  std::string out = "\n" + group + ":\n";
  for (const CLI::Option* o : opts) out += make_option(o, is_positional);
  return out;
}

std::string HelpFormatter::make_footer(const CLI::App* app) const {
  const std::string f = app->get_footer();
  return f.empty() ? "" : "\n" + f + "\n";
}

std::string unknown_option(const CLI::App& app, const std::vector<std::string>& args) {
  std::vector<const CLI::Option*> options;
  collect(app, options);
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a.size() < 2 || a[0] != '-' || (a[1] != '-' && a.size() != 2)) continue;  // -o only
    if (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.') continue;  // -1, -.5
    const std::string name = a.substr(0, a.find('='));
    bool known = false;
    for (const CLI::Option* o : options) known = known || o->check_name(name);
    if (!known) return name;
  }
  return "";
}

std::string options_listing(const CLI::App& app) {
  std::string out;
  for (const CLI::App* command : app.get_subcommands({})) {
    std::vector<const CLI::App*> apps = {command};
    for (const CLI::App* own : command->get_subcommands({}))
      if (!own->get_name().empty()) apps.push_back(own);
    for (const CLI::App* a : apps) {
      const std::string name =
          a == command ? command->get_name() : command->get_name() + " " + a->get_name();
      std::vector<const CLI::Option*> options;
      collect(*a, options);
      for (const CLI::Option* o : options) {
        if (o->get_name() == "--help") continue;
        out += nlohmann::json{{"command", name},
                              {"option", o->get_name(o->get_positional(), false)},
                              {"group", o->get_group()},
                              {"value", o->get_items_expected_max() != 0},
                              {"type", o->get_type_name()},
                              {"description", o->get_description()}}
                   .dump() +
               "\n";
      }
    }
  }
  return out;
}

}  // namespace film::cli
