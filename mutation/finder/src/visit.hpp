// The AST visit: finds the mutation points of one parsed translation unit, in the files the run
// mutates. It decides where mutation is allowed (never in macros, constant-evaluated or
// unevaluated contexts, templates' dependent code, implicit code) and what each mutant looks
// like in a schema; it does not apply suppression comments or number anything.
#pragma once

#include <functional>
#include <vector>

#include "operators.hpp"
#include "point.hpp"

namespace clang {
class ASTContext;
class FileID;
}  // namespace clang

namespace sqlink::finder {

// `file_index` maps a FileID to the index of a mutated file, or -1. Points are appended to
// points[index], in no particular order.
void find_points(clang::ASTContext& context, const OperatorSet& operators,
                 const std::function<int(clang::FileID)>& file_index,
                 std::vector<std::vector<Point>>& points);

}  // namespace sqlink::finder
