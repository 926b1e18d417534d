// Mutant schemata. A point's operands are copied into every mutant's branch; those copies are
// joined onto one line (comments dropped) and only the original branch keeps the original line
// breaks, so every line of the schema after the two header lines is the original's line.
#include "schema.hpp"

#include <algorithm>
#include <functional>

namespace sqlink::finder {
namespace {

enum class Mode { Keep, Flat };  // Keep: original line breaks; Flat: all on one line

bool hole_in_branch(const Choice& choice, unsigned hole) {
  return std::any_of(choice.branch.begin(), choice.branch.end(), [&](const Piece& piece) {
    return piece.kind == Piece::Kind::Hole && piece.hole == hole;
  });
}

bool schema_can_hold(const SourceText& text, const Point& point) {
  if (!point.allow_directives && text.has_directive(point.range)) return false;
  for (unsigned h = 0; h < point.holes.size(); ++h)
    for (const Choice& choice : point.choices)
      if (hole_in_branch(choice, h) && (text.has_line_hazard(point.holes[h]) || text.has_directive(point.holes[h])))
        return false;
  return true;
}

// Parent of each point (-1: top level), for points sorted by prepare_points.
std::vector<int> parents_of(const std::vector<Point>& points) {
  std::vector<int> parent(points.size(), -1);
  std::vector<int> stack;
  for (size_t i = 0; i < points.size(); ++i) {
    while (!stack.empty() && points[static_cast<size_t>(stack.back())].range.end <= points[i].range.begin)
      stack.pop_back();
    parent[i] = stack.empty() ? -1 : stack.back();
    stack.push_back(static_cast<int>(i));
  }
  return parent;
}

class Renderer {
 public:
  Renderer(const SourceText& text, const std::vector<Point>& points) : text_(text), points_(points) {
    std::vector<int> parent = parents_of(points);
    children_.resize(points.size());
    for (size_t i = 0; i < points.size(); ++i) {
      if (parent[i] < 0) top_.push_back(i);
      else children_[static_cast<size_t>(parent[i])].push_back(i);
    }
  }

  std::string file() {
    std::string out;
    range({0, static_cast<unsigned>(text_.bytes().size())}, top_, Mode::Keep, out);
    return out;
  }

 private:
  void source(Span span, Mode mode, std::string& out) {
    if (mode == Mode::Keep) out += text_.text(span);
    else out += text_.flattened(span);
  }

  // The text of `span` with the points of `kids` that lie inside it rendered in place.
  void range(Span span, const std::vector<size_t>& kids, Mode mode, std::string& out) {
    unsigned at = span.begin;
    for (size_t kid : kids) {
      const Point& p = points_[kid];
      if (!span.contains(p.range)) continue;
      source({at, p.range.begin}, mode, out);
      point(kid, mode, out);
      at = p.range.end;
    }
    source({at, span.end}, mode, out);
  }

  void pieces(size_t index, const Pieces& list, Mode mode, std::string& out) {
    const Point& p = points_[index];
    for (const Piece& piece : list) {
      switch (piece.kind) {
        case Piece::Kind::Text: out += piece.text; break;
        case Piece::Kind::Source: source(piece.span, mode, out); break;
        case Piece::Kind::Hole: range(p.holes[piece.hole], children_[index], mode, out); break;
      }
    }
  }

  void point(size_t index, Mode mode, std::string& out) {
    const Point& p = points_[index];
    if (p.form == Point::Form::Block) {
      out += "{ if (!sqlink_mutate_on(" + std::to_string(p.choices.front().id) + ")) ";
      range(p.holes[0], children_[index], mode, out);
      out += " }";
      return;
    }
    pieces(index, p.prefix, mode, out);
    out += "(";
    for (const Choice& choice : p.choices) {
      out += "sqlink_mutate_on(" + std::to_string(choice.id) + ") ? ";
      pieces(index, choice.branch, Mode::Flat, out);
      out += " : ";
    }
    pieces(index, p.original, mode, out);
    out += ")";
  }

  const SourceText& text_;
  const std::vector<Point>& points_;
  std::vector<std::vector<size_t>> children_;
  std::vector<size_t> top_;
};

// A point copies its operands into every mutant's branch, so each level of nesting multiplies
// the text below it: a chain of 20 "&&" would render 2^20 copies of its first operand. Points
// deeper than this are dropped, and more where a top-level point would still render larger.
constexpr unsigned kMaxNesting = 40;        // also keeps bracket depth within Clang's 256
constexpr size_t kMaxPointBytes = 512 * 1024;
constexpr size_t kCheckBytes = 32;          // "sqlink_mutate_on(ID) ? " and " : "

class GrowthLimit {
 public:
  explicit GrowthLimit(const std::vector<Point>& points) : points_(points), kept_(points.size(), true) {
    std::vector<int> parent = parents_of(points);
    depth_.resize(points.size());
    children_.resize(points.size());
    for (size_t i = 0; i < points.size(); ++i) {
      depth_[i] = parent[i] < 0 ? 0 : depth_[static_cast<size_t>(parent[i])] + 1;
      if (parent[i] < 0) top_.push_back(i);
      else children_[static_cast<size_t>(parent[i])].push_back(i);
      if (depth_[i] >= kMaxNesting) kept_[i] = false;
    }
  }

  // Which points stay.
  std::vector<bool> apply() {
    cost_.assign(points_.size(), 0);
    for (size_t top : top_) {
      unsigned deepest = deepest_below(top);
      while (compute(top) > kMaxPointBytes && deepest > depth_[top]) drop_below(top, --deepest);
    }
    return kept_;
  }

 private:
  size_t span_length(const Span& s) const { return s.end - s.begin; }

  size_t hole_cost(size_t index, unsigned hole) const {
    const Span& span = points_[index].holes[hole];
    size_t total = span_length(span);
    for (size_t child : children_[index])
      if (kept_[child] && span.contains(points_[child].range))
        total += cost_[child] - std::min(cost_[child], span_length(points_[child].range));
    return total;
  }

  size_t pieces_cost(size_t index, const Pieces& pieces) const {
    size_t total = 0;
    for (const Piece& piece : pieces) {
      if (piece.kind == Piece::Kind::Text) total += piece.text.size();
      else if (piece.kind == Piece::Kind::Source) total += span_length(piece.span);
      else total += hole_cost(index, piece.hole);
    }
    return total;
  }

  // The rendered size of a point, from its children's (computed first).
  size_t compute(size_t index) {
    for (size_t child : children_[index])
      if (kept_[child]) compute(child);
    return cost_[index] = cost(index);
  }

  size_t cost(size_t index) const {
    const Point& p = points_[index];
    if (p.form == Point::Form::Block) return kCheckBytes + 8 + hole_cost(index, 0);
    size_t total = pieces_cost(index, p.prefix) + pieces_cost(index, p.original) + 2;
    for (const Choice& choice : p.choices) total += kCheckBytes + pieces_cost(index, choice.branch);
    return std::min(total, kMaxPointBytes * 64);  // saturate: only the comparison matters
  }

  unsigned deepest_below(size_t index) const {
    unsigned deepest = depth_[index];
    for (size_t child : children_[index])
      if (kept_[child]) deepest = std::max(deepest, deepest_below(child));
    return deepest;
  }

  void drop_below(size_t index, unsigned max_depth) {
    for (size_t child : children_[index]) {
      if (depth_[child] > max_depth) kept_[child] = false;
      drop_below(child, max_depth);
    }
  }

  const std::vector<Point>& points_;
  std::vector<bool> kept_;
  std::vector<unsigned> depth_;
  std::vector<std::vector<size_t>> children_;
  std::vector<size_t> top_;
  std::vector<size_t> cost_;
};

}  // namespace

unsigned prepare_points(const SourceText& text, std::vector<Point>& points) {
  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) {
    if (a.range.begin != b.range.begin) return a.range.begin < b.range.begin;
    return a.range.end > b.range.end;
  });
  std::vector<Point> kept;
  std::vector<size_t> stack;  // indices into kept
  unsigned dropped = 0;
  for (Point& p : points) {
    if (!schema_can_hold(text, p)) {
      ++dropped;
      continue;
    }
    while (!stack.empty() && kept[stack.back()].range.end <= p.range.begin) stack.pop_back();
    if (!stack.empty()) {
      const Point& parent = kept[stack.back()];
      bool nests = parent.range.contains(p.range) && !(parent.range == p.range) &&
                   std::any_of(parent.holes.begin(), parent.holes.end(),
                               [&](const Span& hole) { return hole.contains(p.range); });
      if (!nests) {
        ++dropped;
        continue;
      }
    }
    stack.push_back(kept.size());
    kept.push_back(std::move(p));
  }
  // Only whole lower layers of a tree are dropped, so every remaining point keeps its parent.
  std::vector<bool> within_limits = GrowthLimit(kept).apply();
  points.clear();
  for (size_t i = 0; i < kept.size(); ++i) {
    if (within_limits[i]) points.push_back(std::move(kept[i]));
    else ++dropped;
  }
  return dropped;
}

std::string render_schema(const SourceText& text, const std::vector<Point>& points,
                          const std::string& runtime_include, const std::string& original_path) {
  auto quoted = [](const std::string& path) {
    std::string out = "\"";
    for (char c : path) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  std::string out = "#include " + quoted(runtime_include) + "\n#line 1 " + quoted(original_path) + "\n";
  Renderer renderer(text, points);
  std::string body = renderer.file();
  if (body.compare(0, 3, "\xEF\xBB\xBF") == 0) body.erase(0, 3);  // a BOM is only valid first
  return out + body;
}

}  // namespace sqlink::finder
