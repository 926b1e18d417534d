// points.json writer. The shape is a contract with the driver: keys are never renamed or removed.
#include "points_json.hpp"

#include <cstdio>
#include <initializer_list>
#include <utility>

namespace sqlink::finder {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A valid UTF-8 sequence is copied; anything else becomes U+FFFD.
    size_t length = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out + "\"";
}

namespace {

using Field = std::pair<const char*, std::string>;  // key, JSON value

std::string str(std::string_view text) { return json_string(text); }
std::string num(unsigned value) { return std::to_string(value); }

// {"key": value, ...} on one line.
std::string object(std::initializer_list<Field> fields) {
  std::string out = "{";
  for (const auto& [key, value] : fields) {
    if (out.size() > 1) out += ", ";
    out += json_string(key);
    out += ": ";
    out += value;
  }
  out += "}";
  return out;
}

void array(std::string& out, const char* key, const std::vector<std::string>& items, bool last = false) {
  out += "  ";
  out += json_string(key);
  out += ": [";
  for (size_t i = 0; i < items.size(); ++i) {
    out += i ? ",\n    " : "\n    ";
    out += items[i];
  }
  out += items.empty() ? "]" : "\n  ]";
  out += last ? "\n" : ",\n";
}

}  // namespace

std::string points_json(const Report& report) {
  std::vector<std::string> files, mutants, suppressed, errors;
  for (const FilePlan& file : *report.files) {
    files.push_back(object({{"path", str(file.path)},
                            {"tu", str(file.tu)},
                            {"sha256", str(file.sha256)},
                            {"schema", file.mutants.empty() ? std::string("null") : str("schema/" + file.path)},
                            {"mutants", num(static_cast<unsigned>(file.mutants.size()))},
                            {"suppressed", num(static_cast<unsigned>(file.suppressed.size()))}}));
    for (const Mutant& m : file.mutants) {
      auto [line, column] = file.text.line_column(m.range.begin);
      auto [end_line, end_column] = file.text.line_column(m.range.end);
      mutants.push_back(object({{"id", num(m.id)},
                                {"key", str(m.key)},
                                {"file", str(m.file)},
                                {"function", str(m.function)},
                                {"operator", str(m.op)},
                                {"line", num(line)},
                                {"column", num(column)},
                                {"end_line", num(end_line)},
                                {"end_column", num(end_column)},
                                {"begin", num(m.range.begin)},
                                {"end", num(m.range.end)},
                                {"original", str(m.original)},
                                {"replacement", str(m.replacement)}}));
    }
    for (const SuppressedMutant& s : file.suppressed)
      suppressed.push_back(object(
          {{"file", str(s.file)}, {"line", num(s.line)}, {"operator", str(s.op)}, {"reason", str(s.reason)}}));
  }
  for (const RunError& e : report.errors) {
    if (e.file.empty()) errors.push_back(object({{"tu", str(e.tu)}, {"message", str(e.message)}}));
    else errors.push_back(object({{"tu", str(e.tu)}, {"file", str(e.file)}, {"message", str(e.message)}}));
  }
  std::string out = "{\n";
  for (const auto& [key, value] : {Field{"version", num(1)}, Field{"root", str(report.root)},
                                   Field{"runtime_include", str(report.runtime_include)}}) {
    out += "  ";
    out += json_string(key);
    out += ": ";
    out += value;
    out += ",\n";
  }
  array(out, "files", files);
  array(out, "mutants", mutants);
  array(out, "suppressed", suppressed);
  array(out, "errors", errors, true);
  out += "}\n";
  return out;
}

}  // namespace sqlink::finder
