#include "graph/json_text.h"

#include "graph/base/error.h"
#include "graph/base/file.h"

namespace film::graph {

std::string line_col(std::string_view text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

template <class Json>
Json parse_json(std::string_view text, const std::string& path) {
  using json = Json;
  if (text.size() > kMaxJsonBytes)
    fail(path, ": ", text.size(), " bytes of JSON, over the limit of ", kMaxJsonBytes >> 20, " MiB");
  // nlohmann's parser is iterative, but the value it builds is as deep as the text: refuse
  // nesting past the limit while parsing, before a deep value exists anywhere.
  const typename json::parser_callback_t bound = [&](int depth, typename json::parse_event_t event,
                                                     json&) {
    using ev = typename json::parse_event_t;
    if ((event == ev::object_start || event == ev::array_start) &&
        depth >= kMaxJsonDepth)
      fail(path, ": JSON nested more than ", kMaxJsonDepth, " levels deep (the limit)");
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), bound);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    // nlohmann's message repeats a position; keep its explanation, give ours.
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    fail(path, ": invalid JSON at ", line_col(text, e.byte ? e.byte - 1 : 0), ": ", what);
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double (1e400)
    fail(path, ": invalid JSON: ", e.what());
  }
}

template <class Json>
Json read_json(const std::string& path, const char* what) {
  return parse_json<Json>(io::read_file(path, kMaxJsonBytes, what), path);
}

template nlohmann::json parse_json<nlohmann::json>(std::string_view, const std::string&);
template nlohmann::ordered_json parse_json<nlohmann::ordered_json>(std::string_view,
                                                                   const std::string&);
template nlohmann::json read_json<nlohmann::json>(const std::string&, const char*);
template nlohmann::ordered_json read_json<nlohmann::ordered_json>(const std::string&, const char*);

}  // namespace film::graph
