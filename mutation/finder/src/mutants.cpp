// From points to mutants: suppression, numbering, keys.
#include "mutants.hpp"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/Support/SHA256.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "schema.hpp"
#include "suppress.hpp"

namespace sqlink::finder {

std::string sha256_hex(std::string_view bytes) {
  auto digest = llvm::SHA256::hash(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

namespace {

// One would-be mutant, suppressed or not, in the order that numbers them.
struct Slot {
  Span range;
  std::string op;
  std::string function;
  Choice* choice = nullptr;  // nullptr: a suppressed mutant
  bool operator<(const Slot& other) const {
    return std::tie(range.begin, other.range.end, op) < std::tie(other.range.begin, range.end, other.op);
  }
};

}  // namespace

FilePlan plan_file(std::string path, std::string tu, std::string absolute_path, std::string bytes,
                   std::vector<Point> candidates) {
  FilePlan plan{std::move(path), std::move(tu), std::move(absolute_path), sha256_hex(bytes),
                SourceText(std::move(bytes)), {}, {}, {}, {}, 0};
  Suppressions suppressions(plan.text, plan.warnings);
  // The same node can be met twice (a file included twice): keep the first of each (range, op).
  std::set<std::tuple<unsigned, unsigned, std::string>> seen;
  std::vector<Point> active;
  for (Point& point : candidates) {
    unsigned line = plan.text.line_column(point.range.begin).first;
    std::vector<Choice> kept;
    for (Choice& choice : point.choices) {
      if (!seen.emplace(point.range.begin, point.range.end, choice.op).second) continue;
      std::optional<std::string> reason = suppressions.reason_for(line, choice.op);
      if (reason) plan.suppressed.push_back({plan.path, line, choice.op, *reason, point.range, point.function});
      else kept.push_back(std::move(choice));
    }
    if (kept.empty()) continue;
    point.choices = std::move(kept);
    active.push_back(std::move(point));
  }
  plan.dropped = prepare_points(plan.text, active);
  plan.points = std::move(active);
  return plan;
}

void number_mutants(std::vector<FilePlan>& files) {
  std::sort(files.begin(), files.end(), [](const FilePlan& a, const FilePlan& b) { return a.path < b.path; });
  unsigned next_id = 1;
  for (FilePlan& file : files) {
    std::sort(file.suppressed.begin(), file.suppressed.end(), [](const SuppressedMutant& a, const SuppressedMutant& b) {
      return std::tie(a.range.begin, b.range.end, a.op) < std::tie(b.range.begin, a.range.end, b.op);
    });
    std::vector<Slot> slots;
    for (Point& point : file.points)
      for (Choice& choice : point.choices) slots.push_back({point.range, choice.op, point.function, &choice});
    for (const SuppressedMutant& s : file.suppressed) slots.push_back({s.range, s.op, s.function, nullptr});
    std::stable_sort(slots.begin(), slots.end());
    // Keys count suppressed mutants too, so suppressing one keeps the others' keys.
    std::map<std::tuple<std::string, std::string, std::string>, unsigned> occurrences;
    for (const Slot& slot : slots) {
      std::string original(file.text.text(slot.range));
      unsigned occurrence = occurrences[{slot.function, slot.op, original}]++;
      if (!slot.choice) continue;
      slot.choice->id = next_id++;
      std::string key_text = file.path + '\0' + slot.function + '\0' + slot.op + '\0' + original + '\0' +
                             std::to_string(occurrence);
      file.mutants.push_back({slot.choice->id, file.path, slot.function, slot.op, slot.range, original,
                              slot.choice->replacement, sha256_hex(key_text)});
    }
  }
}

}  // namespace sqlink::finder
