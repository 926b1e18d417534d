// Mutation points and mutants: what the AST visit finds, before and after numbering.
// Everything here is plain data (byte offsets into the original file), so the stages after the
// parse (suppression, numbering, schema rendering, points.json) never need the AST.
#pragma once

#include <string>
#include <vector>

namespace sqlink::finder {

struct Span {
  unsigned begin = 0;  // byte offsets in the original file, end exclusive
  unsigned end = 0;
  bool contains(const Span& other) const { return begin <= other.begin && other.end <= end; }
  bool operator==(const Span&) const = default;
};

// One piece of schema text: synthesized text, a stretch of the original file (copied verbatim
// or joined onto one line), or a hole: an operand rendered with its own points inside.
struct Piece {
  enum class Kind { Text, Source, Hole };
  Kind kind = Kind::Text;
  std::string text;    // Text
  Span span;           // Source
  unsigned hole = 0;   // Hole: index into Point::holes
};
using Pieces = std::vector<Piece>;

inline Piece text_piece(std::string text) { return {Piece::Kind::Text, std::move(text), {}, 0}; }
inline Piece source_piece(Span span) { return {Piece::Kind::Source, {}, span, 0}; }
inline Piece hole_piece(unsigned hole) { return {Piece::Kind::Hole, {}, {}, hole}; }

// One way to mutate a point.
struct Choice {
  std::string op;           // operator name from operators.def
  Pieces branch;            // the schema text of this mutant (holes rendered on one line)
  std::string replacement;  // replaces original[range] to apply this mutant alone
  unsigned id = 0;          // dense mutant id, 0 until numbered
};

// A mutation point: a source range and the mutants it offers. In the schema the point becomes
//   prefix (sqlink_mutate_on(ID1) ? branch1 : ... : original)      (Form::Conditional)
//   { if (!sqlink_mutate_on(ID)) <hole 0> }                         (Form::Block)
struct Point {
  enum class Form { Conditional, Block };
  Span range;
  Form form = Form::Conditional;
  std::vector<Span> holes;  // operands, in order, inside range
  Pieces prefix;            // rendered before the conditional (e.g. "return ")
  Pieces original;          // the unmutated branch
  std::vector<Choice> choices;
  std::string function;     // enclosing function, e.g. "ns::Class::method(int) const"
  bool allow_directives = false;  // the point is rendered once, so #if lines inside are fine
};

// A point as numbered and reported (one per choice).
struct Mutant {
  unsigned id = 0;
  std::string file;  // relative to ROOT
  std::string function;
  std::string op;
  Span range;
  std::string original;
  std::string replacement;
  std::string key;
};

struct SuppressedMutant {
  std::string file;
  unsigned line = 0;
  std::string op;
  std::string reason;
  Span range;
  std::string function;
};

}  // namespace sqlink::finder
