// The AST visit: finds mutation points in one parsed translation unit.
// Invariants: a point is created only where every location it touches is a plain file location
// in a mutated file (never a macro), inside a non-template, non-constexpr function body, outside
// every constant-evaluated or unevaluated context, and only when each of its mutants is valid C++
// of the same type as the original. Contexts that may not be mutated are not traversed at all.
#include "visit.hpp"

#include <clang/AST/ASTContext.h>
#include <clang/AST/DeclCXX.h>
#include <clang/AST/Expr.h>
#include <clang/AST/ExprCXX.h>
#include <clang/AST/RecursiveASTVisitor.h>
#include <clang/AST/StmtCXX.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Lex/Lexer.h>

#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace sqlink::finder {
namespace {

using namespace clang;

struct BinaryRule {
  BinaryOperatorKind opcode;
  const char* name;
  const char* text;  // the replacement operator, or the constant
  bool constant;
};
const BinaryRule kBinaryRules[] = {
#define BINARY(opcode, name, replacement) {opcode, name, replacement, false},
#define BINARY_CONST(opcode, name, constant) {opcode, name, constant, true},
#include "operators.def"
};

struct UnaryRule {
  UnaryOperatorKind opcode;
  const char* name;
  const char* replacement;  // nullptr: the operator is removed
};
const UnaryRule kUnaryRules[] = {
#define UNARY_REMOVE(opcode, name) {opcode, name, nullptr},
#define INCDEC(opcode, name, replacement) {opcode, name, replacement},
#include "operators.def"
};

// How tightly a binary operator binds (higher binds tighter), by opcode or by spelling.
constexpr int kPrimary = 100;
int precedence(BinaryOperatorKind op) {
  switch (op) {
    case BO_PtrMemD: case BO_PtrMemI: return 14;
    case BO_Mul: case BO_Div: case BO_Rem: return 13;
    case BO_Add: case BO_Sub: return 12;
    case BO_Shl: case BO_Shr: return 11;
    case BO_Cmp: return 10;
    case BO_LT: case BO_GT: case BO_LE: case BO_GE: return 9;
    case BO_EQ: case BO_NE: return 8;
    case BO_And: return 7;
    case BO_Xor: return 6;
    case BO_Or: return 5;
    case BO_LAnd: return 4;
    case BO_LOr: return 3;
    case BO_Comma: return 1;
    default: return 2;  // assignments
  }
}
int precedence(std::string_view spelling) {
  static const std::pair<std::string_view, int> table[] = {
      {"*", 13}, {"/", 13}, {"%", 13}, {"+", 12}, {"-", 12}, {"<<", 11}, {">>", 11},
      {"<", 9},  {">", 9},  {"<=", 9}, {">=", 9}, {"==", 8}, {"!=", 8},  {"&", 7},
      {"^", 6},  {"|", 5},  {"&&", 4}, {"||", 3}};
  for (const auto& [text, level] : table)
    if (text == spelling) return level;
  return 2;
}
int precedence_of(const Expr* e) {
  e = e->IgnoreImpCasts();
  if (const auto* b = dyn_cast<BinaryOperator>(e)) return precedence(b->getOpcode());
  if (const auto* r = dyn_cast<CXXRewrittenBinaryOperator>(e)) return precedence(r->getOpcode());
  if (const auto* o = dyn_cast<CXXOperatorCallExpr>(e); o && o->isInfixBinaryOp())
    return precedence(BinaryOperator::getOverloadedOpcode(o->getOperator()));
  if (isa<ConditionalOperator, BinaryConditionalOperator, CXXThrowExpr>(e)) return 2;
  return kPrimary;
}

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_punct_char(char c) { return c != '\0' && std::strchr("+-*/%&|^!~<>=.:#?", c) != nullptr; }
// Two texts glued together must not form a different token ("return" "0", "+" "+x", "/" "*").
bool would_merge(char left, char right) {
  return (is_ident_char(left) && is_ident_char(right)) || (is_punct_char(left) && is_punct_char(right));
}
std::string glue(std::string left, std::string_view right) {
  if (!left.empty() && !right.empty() && would_merge(left.back(), right.front())) left += ' ';
  left += right;
  return left;
}

bool is_zero_literal(const Expr* e) {
  if (const auto* i = dyn_cast<IntegerLiteral>(e)) return i->getValue() == 0;
  if (const auto* f = dyn_cast<FloatingLiteral>(e)) return f->getValue().isZero();
  if (const auto* c = dyn_cast<CharacterLiteral>(e)) return c->getValue() == 0;
  if (const auto* b = dyn_cast<CXXBoolLiteralExpr>(e)) return !b->getValue();
  return false;
}

// The literal suffix that gives an integer literal of this builtin type, or nothing.
std::optional<std::string> integer_suffix(BuiltinType::Kind kind) {
  switch (kind) {
    case BuiltinType::Int: return "";
    case BuiltinType::UInt: return "u";
    case BuiltinType::Long: return "l";
    case BuiltinType::ULong: return "ul";
    case BuiltinType::LongLong: return "ll";
    case BuiltinType::ULongLong: return "ull";
    default: return std::nullopt;
  }
}
std::optional<BuiltinType::Kind> type_of_suffix(std::string suffix) {
  for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (suffix.empty()) return BuiltinType::Int;
  if (suffix == "u") return BuiltinType::UInt;
  if (suffix == "l") return BuiltinType::Long;
  if (suffix == "ul" || suffix == "lu") return BuiltinType::ULong;
  if (suffix == "ll") return BuiltinType::LongLong;
  if (suffix == "ull" || suffix == "llu") return BuiltinType::ULongLong;
  return std::nullopt;
}

// Only integer and floating types take part in arithmetic mutants (unscoped enums count as
// integers; pointers, vectors, complex numbers never do).
bool is_plain_arithmetic(QualType type) {
  type = type.getCanonicalType();
  if (type->isVectorType() || type->isAnyComplexType() || type->isFixedPointType()) return false;
  return type->isIntegerType() || type->isRealFloatingType();
}

bool contains_jump(const Stmt* s) {
  if (!s) return false;
  if (isa<ReturnStmt, GotoStmt, IndirectGotoStmt, CoreturnStmt, LabelStmt>(s)) return true;
  if (isa<LambdaExpr, BlockExpr>(s)) return false;  // a return in there leaves the lambda only
  for (const Stmt* child : s->children())
    if (contains_jump(child)) return true;
  return false;
}

class Finder : public RecursiveASTVisitor<Finder> {
  using Base = RecursiveASTVisitor<Finder>;

 public:
  Finder(ASTContext& context, const OperatorSet& operators,
         const std::function<int(FileID)>& file_index, std::vector<std::vector<Point>>& out)
      : ctx_(context),
        sm_(context.getSourceManager()),
        lang_(context.getLangOpts()),
        operators_(operators),
        file_index_(file_index),
        out_(out) {
    policy_ = ctx_.getPrintingPolicy();
    policy_.SuppressTemplateArgsInCXXConstructors = true;
  }

  bool shouldVisitTemplateInstantiations() const { return false; }
  bool shouldVisitImplicitCode() const { return false; }
  bool shouldWalkTypesOfTypeLocs() const { return false; }

  // Expressions inside types, attributes and template arguments are unevaluated or constant
  // (decltype, array bounds, noexcept specifiers, alignas, template arguments).
  bool TraverseTypeLoc(TypeLoc) { return true; }
  bool TraverseType(QualType) { return true; }
  bool TraverseAttr(Attr*) { return true; }
  bool TraverseTemplateArgumentLoc(const TemplateArgumentLoc&) { return true; }
  bool TraverseTemplateArgument(const TemplateArgument&) { return true; }
  bool TraverseNestedNameSpecifierLoc(NestedNameSpecifierLoc) { return true; }
  bool TraverseNestedNameSpecifier(NestedNameSpecifier*) { return true; }

  // Constant-evaluated and unevaluated expressions.
  bool TraverseConstantExpr(ConstantExpr*) { return true; }
  bool TraverseUnaryExprOrTypeTraitExpr(UnaryExprOrTypeTraitExpr*) { return true; }
  bool TraverseCXXNoexceptExpr(CXXNoexceptExpr*) { return true; }
  bool TraverseRequiresExpr(RequiresExpr*) { return true; }
  bool TraverseConceptSpecializationExpr(ConceptSpecializationExpr*) { return true; }
  bool TraverseOffsetOfExpr(OffsetOfExpr*) { return true; }
  bool TraverseChooseExpr(ChooseExpr*) { return true; }
  bool TraverseGenericSelectionExpr(GenericSelectionExpr*) { return true; }
  bool TraverseUserDefinedLiteral(UserDefinedLiteral*) { return true; }
  bool TraverseGCCAsmStmt(GCCAsmStmt*) { return true; }
  bool TraverseMSAsmStmt(MSAsmStmt*) { return true; }
  bool TraverseCXXTypeidExpr(CXXTypeidExpr* e) {
    return e->isPotentiallyEvaluated() ? Base::TraverseCXXTypeidExpr(e) : true;
  }
  bool TraverseCaseStmt(CaseStmt* s) { return TraverseStmt(s->getSubStmt()); }
  bool TraverseDesignatedInitExpr(DesignatedInitExpr* e) { return TraverseStmt(e->getInit()); }
  // Only what the user wrote; the desugared begin/end/increment are implicit.
  bool TraverseCXXForRangeStmt(CXXForRangeStmt* s) {
    return TraverseStmt(s->getInit()) && TraverseStmt(s->getRangeInit()) &&
           TraverseStmt(s->getBody());
  }
  bool TraverseIfStmt(IfStmt* s) {
    if (s->isConsteval()) return TraverseStmt(s->isNegatedConsteval() ? s->getThen() : s->getElse());
    if (!s->isConstexpr()) return Base::TraverseIfStmt(s);
    // The condition is constant; a discarded branch never runs, so it gets no mutants either.
    std::optional<bool> taken;
    bool value = false;
    if (const Expr* cond = s->getCond();
        cond && !cond->isValueDependent() && cond->EvaluateAsBooleanCondition(value, ctx_))
      taken = value;
    TraverseStmt(s->getInit());
    if (!taken || *taken) TraverseStmt(s->getThen());
    if (!taken || !*taken) TraverseStmt(s->getElse());
    return true;
  }

  bool TraverseLambdaExpr(LambdaExpr* e) {
    for (auto it = e->capture_begin(); it != e->capture_end(); ++it)
      if (e->isInitCapture(it))
        if (auto* var = dyn_cast_or_null<VarDecl>(it->getCapturedVar())) traverse_variable(var);
    CXXMethodDecl* call = e->getCallOperator();
    if (!call || e->isGenericLambda() || call->isTemplated() || declared_constexpr(e)) return true;
    std::string name = functions_.empty() ? std::string("<lambda>") : functions_.back().name;
    return traverse_body(call, std::move(name), nullptr, e->getBody());
  }

  bool TraverseStmt(Stmt* s) {
    if (!s) return true;
    stack_.push_back(s);
    if (!functions_.empty()) consider(s);
    bool ok = Base::TraverseStmt(s);
    stack_.pop_back();
    return ok;
  }

  bool TraverseDecl(Decl* d) {
    if (!d || d->isImplicit()) return true;
    if (isa<TranslationUnitDecl, NamespaceDecl, LinkageSpecDecl, ExportDecl, FriendDecl>(d))
      return Base::TraverseDecl(d);
    if (auto* function = dyn_cast<FunctionDecl>(d)) return traverse_function(function);
    if (auto* var = dyn_cast<VarDecl>(d)) return isa<ParmVarDecl>(var) || traverse_variable(var);
    if (auto* record = dyn_cast<CXXRecordDecl>(d)) {
      if (record->isTemplated() || record->isLambda() || !record->isThisDeclarationADefinition())
        return true;
      if (auto* spec = dyn_cast<ClassTemplateSpecializationDecl>(record);
          spec && spec->getSpecializationKind() != TSK_ExplicitSpecialization)
        return true;
      if (file_index_of(record->getBeginLoc()) < 0 && functions_.empty()) return true;
      return Base::TraverseDecl(d);
    }
    // Fields (bit-field widths, default member initialisers), enumerators, static_assert,
    // templates' patterns, parameters (default arguments), aliases: nothing to mutate.
    return true;
  }

 private:
  struct FunctionContext {
    const FunctionDecl* decl;
    std::string name;
  };

  int file_index_of(SourceLocation loc) {
    if (loc.isInvalid()) return -1;
    return file_index_(sm_.getFileID(sm_.getExpansionLoc(loc)));
  }

  bool traverse_function(FunctionDecl* fd) {
    if (!fd->doesThisDeclarationHaveABody() || fd->isDefaulted() || fd->isDeleted()) return true;
    if (fd->isTemplated() || fd->isConstexpr()) return true;
    if (fd->getTemplateSpecializationKind() == TSK_ImplicitInstantiation) return true;
    Stmt* body = fd->getBody();
    if (!body || file_index_of(body->getBeginLoc()) < 0) return true;
    return traverse_body(fd, function_name(fd), dyn_cast<CXXConstructorDecl>(fd), body);
  }

  bool traverse_body(const FunctionDecl* fd, std::string name, CXXConstructorDecl* ctor, Stmt* body) {
    std::vector<Stmt*> saved;
    saved.swap(stack_);  // a nested function's statements have no parents outside it
    functions_.push_back({fd, std::move(name)});
    if (ctor)
      for (CXXCtorInitializer* init : ctor->inits())
        if (init->isWritten()) TraverseStmt(init->getInit());
    TraverseStmt(body);
    functions_.pop_back();
    stack_.swap(saved);
    return true;
  }

  bool traverse_variable(VarDecl* var) {
    if (!var->hasInit() || var->isTemplated() || functions_.empty()) return true;
    // Namespace-scope and static data members: their constant initialisation must stay constant.
    if (!var->isLocalVarDecl() && !var->isInitCapture()) return true;
    // A const integer initialised by a constant is itself a constant (array bounds, lambdas use
    // it without capture); "const int n = f(x);" is not, and is mutated.
    if (var->isConstexpr() || var->hasAttr<ConstInitAttr>() || var->isUsableInConstantExpressions(ctx_))
      return true;
    return TraverseStmt(var->getInit());
  }

  // A lambda's call operator counts as constexpr only when the user wrote so: C++17 makes every
  // suitable lambda implicitly constexpr, and those are ordinary runtime code.
  bool declared_constexpr(const LambdaExpr* e) {
    const CXXMethodDecl* call = e->getCallOperator();
    if (!call->isConstexpr()) return false;
    CharSourceRange range = CharSourceRange::getCharRange(e->getIntroducerRange().getEnd(),
                                                          e->getBody()->getBeginLoc());
    std::string text = Lexer::getSourceText(range, sm_, lang_).str();
    for (const char* word : {"constexpr", "consteval"}) {
      for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        size_t end = at + std::strlen(word);
        if ((at == 0 || !is_ident_char(text[at - 1])) && (end == text.size() || !is_ident_char(text[end])))
          return true;
      }
    }
    return false;
  }

  std::string function_name(const FunctionDecl* fd) {
    std::string name = fd->getQualifiedNameAsString() + "(";
    for (unsigned i = 0; i < fd->getNumParams(); ++i) {
      if (i) name += ", ";
      name += fd->getParamDecl(i)->getType().getAsString(policy_);
    }
    if (fd->isVariadic()) name += fd->getNumParams() ? ", ..." : "...";
    name += ")";
    if (const auto* method = dyn_cast<CXXMethodDecl>(fd); method && method->isConst()) name += " const";
    return name;
  }

  // ---- locations: every point lives in one mutated file, away from macros.

  struct Place {
    FileID file;
    int index = -1;
  };

  std::optional<unsigned> offset(SourceLocation loc, Place& place) {
    if (loc.isInvalid() || !loc.isFileID()) return std::nullopt;
    auto [file, off] = sm_.getDecomposedLoc(loc);
    if (place.index < 0) {
      int index = file_index_(file);
      if (index < 0) return std::nullopt;
      place = {file, index};
    } else if (file != place.file) {
      return std::nullopt;
    }
    return off;
  }
  std::optional<Span> span(SourceLocation begin, SourceLocation last_token, Place& place) {
    auto b = offset(begin, place);
    if (!b) return std::nullopt;
    auto e = offset(last_token, place);
    if (!e || *e < *b) return std::nullopt;
    return Span{*b, *e + Lexer::MeasureTokenLength(last_token, sm_, lang_)};
  }
  std::optional<Span> span(const Stmt* s, Place& place) {
    return span(s->getBeginLoc(), s->getEndLoc(), place);
  }
  std::string_view text(const Place& place, Span s) {
    return sm_.getBufferData(place.file).substr(s.begin, s.end - s.begin);
  }
  char char_at(const Place& place, unsigned offset) {
    llvm::StringRef data = sm_.getBufferData(place.file);
    return offset < data.size() ? data[offset] : '\0';
  }
  // A replacement as it will sit in the file: spaced so it cannot merge with its neighbours.
  std::string fit(const Place& place, const Span& range, std::string replacement) {
    if (replacement.empty()) return replacement;
    char before = range.begin ? char_at(place, range.begin - 1) : '\0';
    if (would_merge(before, replacement.front())) replacement.insert(replacement.begin(), ' ');
    if (would_merge(replacement.back(), char_at(place, range.end))) replacement += ' ';
    return replacement;
  }

  void emit(const Place& place, Point point) {
    if (point.choices.empty()) return;
    point.function = functions_.back().name;
    out_[static_cast<size_t>(place.index)].push_back(std::move(point));
  }

  // ---- context checks that need the parents of the current node.

  const Stmt* parent_of_top(size_t up = 1) const {
    return stack_.size() > up ? stack_[stack_.size() - 1 - up] : nullptr;
  }

  // The nearest parent expression, skipping implicit conversions (but not parentheses).
  const Expr* semantic_parent() const {
    for (size_t i = stack_.size() - 1; i-- > 0;) {
      const auto* e = dyn_cast<Expr>(stack_[i]);
      if (!e) return nullptr;
      if (!isa<ImplicitCastExpr>(e)) return e;
    }
    return nullptr;
  }

  // A literal 0 converted to a pointer is a null pointer constant; 1 would not be.
  bool is_null_pointer_use() const {
    for (size_t i = stack_.size() - 1; i-- > 0;) {
      const Stmt* p = stack_[i];
      if (const auto* cast = dyn_cast<CastExpr>(p)) {
        if (cast->getCastKind() == CK_NullToPointer || cast->getCastKind() == CK_NullToMemberPointer)
          return true;
        if (isa<ImplicitCastExpr>(cast)) continue;
        return false;
      }
      if (!isa<ParenExpr>(p)) return false;
    }
    return false;
  }

  bool is_narrowing(QualType from, QualType to) const {
    from = from.getCanonicalType().getUnqualifiedType();
    to = to.getCanonicalType().getUnqualifiedType();
    if (from == to) return false;
    if (to->isBooleanType()) return !from->isBooleanType();
    if (!is_plain_arithmetic(from) || !is_plain_arithmetic(to)) return false;
    if (from->isRealFloatingType() != to->isRealFloatingType()) return true;
    if (from->isRealFloatingType()) return ctx_.getFloatingTypeOrder(from, to) > 0;
    unsigned from_width = ctx_.getIntWidth(from), to_width = ctx_.getIntWidth(to);
    bool from_signed = from->isSignedIntegerOrEnumerationType();
    bool to_signed = to->isSignedIntegerOrEnumerationType();
    if (from->isBooleanType()) return false;
    if (from_signed == to_signed) return to_width < from_width;
    if (!from_signed) return to_width <= from_width;
    return true;
  }

  // The element of a list's semantic form that initialises from `value` (the syntactic form the
  // visit walks lacks the conversions and the nesting that brace elision adds).
  static const Expr* semantic_element(const Expr* semantic, const Expr* value) {
    if (!semantic) return nullptr;
    if (semantic->IgnoreImpCasts() == value) return semantic;
    if (const auto* list = dyn_cast<InitListExpr>(semantic))
      for (const Expr* init : list->inits())
        if (const Expr* found = semantic_element(init, value)) return found;
    return nullptr;
  }

  // In a braced list a constant may narrow (char c{65}); a mutated, non-constant value may not.
  bool breaks_braced_narrowing() const {
    const Expr* element = dyn_cast<Expr>(stack_.back());
    const InitListExpr* list = nullptr;
    bool in_list = false;
    for (size_t i = stack_.size() - 1; i-- > 0;) {
      const Stmt* p = stack_[i];
      if ((list = dyn_cast<InitListExpr>(p))) {
        in_list = true;
        break;
      }
      if (const auto* construct = dyn_cast<CXXConstructExpr>(p);
          construct && construct->isListInitialization()) {
        in_list = true;
        break;
      }
      if (isa<DesignatedInitExpr>(p)) continue;  // ".field = value": the value is the element
      if (!isa<Expr>(p)) return false;             // a statement boundary: not in a list
      element = cast<Expr>(p);
    }
    if (!in_list || !element) return false;
    const Expr* value = element->IgnoreImpCasts();
    const Expr* converted = element;
    // The stack holds the list as its parent sees it (usually the semantic form) while the
    // visit walked the syntactic form's children.
    if (converted == value && list)
      if (const Expr* found = semantic_element(list->isSemanticForm() ? list : list->getSemanticForm(), value))
        converted = found;
    if (!is_narrowing(value->getType(), converted->getType())) return false;
    return value->isEvaluatable(ctx_);
  }

  // ---- the points.

  void consider(Stmt* s) {
    if (auto* e = dyn_cast<Expr>(s); e && e->isInstantiationDependent()) return;
    if (auto* b = dyn_cast<BinaryOperator>(s)) return binary(b);
    if (auto* u = dyn_cast<UnaryOperator>(s)) return unary(u);
    if (auto* i = dyn_cast<IntegerLiteral>(s)) return integer_literal(i);
    if (auto* b = dyn_cast<CXXBoolLiteralExpr>(s)) return bool_literal(b);
    if (auto* r = dyn_cast<ReturnStmt>(s)) return return_value(r);
    if (auto* c = dyn_cast<CompoundStmt>(s)) return block(c);
    if (auto* e = dyn_cast<Expr>(s)) return void_call(e);
  }

  void binary(BinaryOperator* bo) {
    std::vector<const BinaryRule*> rules;
    for (const auto& rule : kBinaryRules)
      if (rule.opcode == bo->getOpcode() && operators_.enabled(rule.name)) rules.push_back(&rule);
    if (rules.empty()) return;
    const Expr* lhs = bo->getLHS();
    const Expr* rhs = bo->getRHS();
    QualType lt = lhs->getType(), rt = rhs->getType();
    std::string_view family(rules.front()->name);
    family = family.substr(0, family.find('.'));
    if (family == "arith" || family == "bit") {
      if (!is_plain_arithmetic(lt) || !is_plain_arithmetic(rt)) return;
    } else if (lt->isVectorType() || rt->isVectorType()) {
      return;
    }
    if (isa<InitListExpr>(lhs->IgnoreImplicit()) || isa<InitListExpr>(rhs->IgnoreImplicit())) return;
    Place place;
    auto range = span(bo, place);
    auto ls = span(lhs, place);
    auto rs = span(rhs, place);
    auto op_begin = offset(bo->getOperatorLoc(), place);
    if (!range || !ls || !rs || !op_begin) return;
    unsigned op_end = *op_begin + Lexer::MeasureTokenLength(bo->getOperatorLoc(), sm_, lang_);
    if (!(ls->end <= *op_begin && op_end <= rs->begin)) return;
    if (!bo->isAssignmentOp() && breaks_braced_narrowing()) return;

    Point p;
    p.range = *range;
    p.holes = {*ls, *rs};
    p.original = {text_piece("(("), hole_piece(0), text_piece(")"), source_piece({ls->end, rs->begin}),
                  text_piece("("), hole_piece(1), text_piece("))")};
    for (const BinaryRule* rule : rules) {
      Choice c;
      c.op = rule->name;
      if (rule->constant) {
        c.branch = {text_piece(rule->text)};
        c.replacement = fit(place, p.range, rule->text);
      } else {
        c.branch = {text_piece("(("), hole_piece(0), text_piece(std::string(") ") + rule->text + " ("),
                    hole_piece(1), text_piece("))")};
        c.replacement = fit(place, p.range, swapped_binary(bo, place, *ls, *rs, *op_begin, op_end, rule->text));
      }
      p.choices.push_back(std::move(c));
    }
    emit(place, std::move(p));
  }

  // "a < b" with another operator, parenthesised where the new operator binds differently.
  std::string swapped_binary(const BinaryOperator* bo, const Place& place, Span ls, Span rs,
                             unsigned op_begin, unsigned op_end, std::string_view op) {
    int old_level = precedence(bo->getOpcode()), new_level = precedence(op);
    std::string left(text(place, ls)), right(text(place, rs));
    bool wrap = false;
    if (old_level != new_level) {
      if (precedence_of(bo->getLHS()) < new_level) left = "(" + left + ")";
      if (precedence_of(bo->getRHS()) <= new_level) right = "(" + right + ")";
      if (const Expr* parent = semantic_parent()) {
        int parent_level = precedence_of(parent);
        bool is_rhs = false;
        if (const auto* pb = dyn_cast<BinaryOperator>(parent)) is_rhs = pb->getRHS()->IgnoreImpCasts() == bo;
        if (parent_level != kPrimary && !isa<ConditionalOperator>(parent) &&
            (parent_level > new_level || (parent_level == new_level && is_rhs)))
          wrap = true;
      }
    }
    std::string out = glue(left, text(place, {ls.end, op_begin}));
    out = glue(out, op);
    out = glue(out, text(place, {op_end, rs.begin}));
    out = glue(out, right);
    return wrap ? "(" + out + ")" : out;
  }

  void unary(UnaryOperator* uo) {
    const UnaryRule* rule = nullptr;
    for (const auto& candidate : kUnaryRules)
      if (candidate.opcode == uo->getOpcode() && operators_.enabled(candidate.name)) rule = &candidate;
    if (!rule) return;
    const Expr* sub = uo->getSubExpr();
    // The operand as written: "!r" on a class with operator bool has a class operand.
    QualType operand = sub->IgnoreUnlessSpelledInSource()->getType().getCanonicalType();
    if (operand->isVectorType() || operand->isDependentType()) return;
    bool removal = rule->replacement == nullptr;
    if (removal && uo->getOpcode() != UO_LNot && !is_plain_arithmetic(operand)) return;
    if (!removal && operand->isBooleanType()) return;
    Place place;
    auto range = span(uo, place);
    auto ss = span(sub, place);
    auto op_begin = offset(uo->getOperatorLoc(), place);
    if (!range || !ss || !op_begin) return;
    unsigned op_end = *op_begin + Lexer::MeasureTokenLength(uo->getOperatorLoc(), sm_, lang_);
    if (removal && breaks_braced_narrowing()) return;

    Point p;
    p.range = *range;
    p.holes = {*ss};
    p.original.push_back(text_piece("("));
    if (ss->begin > range->begin) p.original.push_back(source_piece({range->begin, ss->begin}));
    p.original.insert(p.original.end(), {text_piece("("), hole_piece(0), text_piece(")")});
    if (range->end > ss->end) p.original.push_back(source_piece({ss->end, range->end}));
    p.original.push_back(text_piece(")"));

    Choice c;
    c.op = rule->name;
    std::string operand_text(text(place, *ss));
    if (uo->getOpcode() == UO_LNot && !operand->isBooleanType()) {
      c.branch = {text_piece("static_cast<bool>("), hole_piece(0), text_piece(")")};
      c.replacement = "static_cast<bool>(" + operand_text + ")";
    } else if (removal) {
      c.branch = {text_piece("("), hole_piece(0), text_piece(")")};
      bool promoted = uo->getOpcode() != UO_LNot &&
                      operand.getUnqualifiedType() != uo->getType().getCanonicalType().getUnqualifiedType();
      c.replacement = promoted ? "+(" + operand_text + ")" : operand_text;
    } else if (uo->isPrefix()) {
      c.branch = {text_piece(std::string("(") + rule->replacement + "("), hole_piece(0), text_piece("))")};
      c.replacement = glue(glue(std::string(text(place, {range->begin, *op_begin})), rule->replacement),
                           text(place, {op_end, range->end}));
    } else {
      c.branch = {text_piece("(("), hole_piece(0), text_piece(std::string(")") + rule->replacement + ")")};
      c.replacement = glue(glue(std::string(text(place, {range->begin, *op_begin})), rule->replacement),
                           text(place, {op_end, range->end}));
    }
    c.replacement = fit(place, p.range, c.replacement);
    p.choices.push_back(std::move(c));
    emit(place, std::move(p));
  }

  void integer_literal(IntegerLiteral* literal) {
    bool zero = literal->getValue() == 0;
    const char* op = zero ? "lit.int.one" : "lit.int.zero";
    if (!operators_.enabled(op)) return;
    const auto* builtin = literal->getType().getCanonicalType()->getAs<BuiltinType>();
    if (!builtin) return;
    auto derived_suffix = integer_suffix(builtin->getKind());
    if (!derived_suffix) return;
    Place place;
    auto range = span(literal->getLocation(), literal->getLocation(), place);
    if (!range) return;
    std::string spelled(text(place, *range));
    if (spelled.empty() || !std::isdigit(static_cast<unsigned char>(spelled[0]))) return;
    if (is_null_pointer_use() || breaks_braced_narrowing()) return;
    size_t suffix_at = spelled.size();
    while (suffix_at > 0 && std::strchr("uUlLzZ", spelled[suffix_at - 1])) --suffix_at;
    std::string suffix = spelled.substr(suffix_at);
    if (type_of_suffix(suffix) != builtin->getKind()) suffix = *derived_suffix;
    std::string mutated = (zero ? "1" : "0") + suffix;
    Point p;
    p.range = *range;
    p.original = {source_piece(*range)};
    p.choices.push_back({op, {text_piece(mutated)}, fit(place, *range, mutated), 0});
    emit(place, std::move(p));
  }

  void bool_literal(CXXBoolLiteralExpr* literal) {
    const char* op = literal->getValue() ? "lit.bool.false" : "lit.bool.true";
    if (!operators_.enabled(op)) return;
    Place place;
    auto range = span(literal->getLocation(), literal->getLocation(), place);
    if (!range || breaks_braced_narrowing()) return;
    std::string mutated = literal->getValue() ? "false" : "true";
    Point p;
    p.range = *range;
    p.original = {source_piece(*range)};
    p.choices.push_back({op, {text_piece(mutated)}, fit(place, *range, mutated), 0});
    emit(place, std::move(p));
  }

  void return_value(ReturnStmt* ret) {
    Expr* value = ret->getRetValue();
    if (!value) return;
    const FunctionDecl* fd = functions_.back().decl;
    if (const auto* deduced = fd->getDeclaredReturnType()->getContainedAutoType();
        deduced && deduced->isDecltypeAuto())
      return;
    QualType rt = fd->getReturnType().getCanonicalType();
    if (rt->isDependentType() || rt->isReferenceType() || rt->isVoidType()) return;
    const Expr* written = value->IgnoreUnlessSpelledInSource();
    if (isa<InitListExpr>(written)) return;
    const Expr* bare = written->IgnoreParens()->IgnoreUnlessSpelledInSource();
    QualType xt = written->getType().getCanonicalType();

    Choice c;
    Pieces original = {text_piece("("), hole_piece(0), text_piece(")")};
    std::string mutated;
    if (rt->isBooleanType()) {
      c.op = "ret.bool.negate";
      if (isa<CXXBoolLiteralExpr>(bare) && operators_.family_enabled("lit.bool")) return;  // same mutant
      if (!xt->isBooleanType()) {
        if (!xt->isScalarType()) return;
        original = {text_piece("static_cast<bool>("), hole_piece(0), text_piece(")")};
      }
      c.branch = {text_piece("!("), hole_piece(0), text_piece(")")};
    } else if (const auto* builtin = rt->getAs<BuiltinType>();
               builtin && (builtin->isInteger() || builtin->isFloatingPoint())) {
      c.op = "ret.int.zero";
      if (!is_plain_arithmetic(xt) || is_zero_literal(bare)) return;
      if (isa<IntegerLiteral>(bare) && operators_.family_enabled("lit.int")) return;  // same mutant
      mutated = typed_zero(builtin);
      c.branch = {text_piece(mutated)};
    } else if (rt->isPointerType()) {
      c.op = "ret.ptr.null";
      if (!(xt->isPointerType() || xt->isArrayType() || xt->isFunctionType())) return;
      if (value->isNullPointerConstant(ctx_, Expr::NPC_ValueDependentIsNotNull) != Expr::NPCK_NotNull)
        return;
      // nullptr and a T* have the composite pointer type T*: no type needs spelling.
      mutated = "nullptr";
      c.branch = {text_piece(mutated)};
    } else {
      return;
    }
    if (!operators_.enabled(c.op)) return;
    Place place;
    auto begin = offset(ret->getReturnLoc(), place);
    auto vs = span(value, place);
    if (!begin || !vs || *begin >= vs->begin) return;
    Point p;
    p.range = {*begin, vs->end};
    p.holes = {*vs};
    p.prefix = {source_piece({*begin, vs->begin})};
    p.original = std::move(original);
    std::string keyword(text(place, {*begin, vs->begin}));
    if (c.op == "ret.bool.negate")
      c.replacement = glue(keyword, "!(" + std::string(text(place, *vs)) + ")");
    else
      c.replacement = glue(keyword, mutated);
    c.replacement = fit(place, p.range, c.replacement);
    p.choices.push_back(std::move(c));
    emit(place, std::move(p));
  }

  std::string typed_zero(const BuiltinType* type) {
    switch (type->getKind()) {
      case BuiltinType::Int: return "0";
      case BuiltinType::UInt: return "0u";
      case BuiltinType::Long: return "0l";
      case BuiltinType::ULong: return "0ul";
      case BuiltinType::LongLong: return "0ll";
      case BuiltinType::ULongLong: return "0ull";
      case BuiltinType::Double: return "0.0";
      case BuiltinType::Float: return "0.0f";
      case BuiltinType::LongDouble: return "0.0L";
      default: return "static_cast<" + std::string(type->getName(policy_)) + ">(0)";
    }
  }

  // Is `s` a statement of its own (as opposed to a sub-expression or a for-increment)?
  static bool is_statement_position(const Stmt* s, const Stmt* parent) {
    if (!parent) return false;
    if (isa<CompoundStmt>(parent)) return true;
    if (const auto* i = dyn_cast<IfStmt>(parent)) return s == i->getThen() || s == i->getElse();
    if (const auto* f = dyn_cast<ForStmt>(parent)) return s == f->getBody();
    if (const auto* w = dyn_cast<WhileStmt>(parent)) return s == w->getBody();
    if (const auto* d = dyn_cast<DoStmt>(parent)) return s == d->getBody();
    if (const auto* r = dyn_cast<CXXForRangeStmt>(parent)) return s == r->getBody();
    if (const auto* c = dyn_cast<SwitchCase>(parent)) return s == c->getSubStmt();
    if (const auto* l = dyn_cast<LabelStmt>(parent)) return s == l->getSubStmt();
    if (const auto* a = dyn_cast<AttributedStmt>(parent)) return s == a->getSubStmt();
    return false;
  }

  void void_call(Expr* e) {
    if (!operators_.enabled("call.void.remove")) return;
    if (!is_statement_position(e, parent_of_top())) return;
    const Expr* inner = e;
    if (const auto* cleanups = dyn_cast<ExprWithCleanups>(inner)) inner = cleanups->getSubExpr();
    const auto* call = dyn_cast<CallExpr>(inner);
    if (!call || isa<CXXOperatorCallExpr, UserDefinedLiteral, CUDAKernelCallExpr>(call)) return;
    if (!call->getType()->isVoidType()) return;
    if (isa<CXXPseudoDestructorExpr>(call->getCallee()->IgnoreParens())) return;
    if (const FunctionDecl* callee = call->getDirectCallee()) {
      // Removing a call that never returns only makes undefined behaviour.
      if (callee->getBuiltinID() || callee->isNoReturn() || isa<CXXDestructorDecl>(callee)) return;
    }
    Place place;
    auto range = span(call, place);
    if (!range) return;
    Point p;
    p.range = *range;
    p.holes = {*range};
    p.allow_directives = true;
    p.original = {text_piece("(void)("), hole_piece(0), text_piece(")")};
    p.choices.push_back({"call.void.remove", {text_piece("(void)0")}, fit(place, *range, "(void)0"), 0});
    emit(place, std::move(p));
  }

  void block(CompoundStmt* body) {
    if (!operators_.enabled("block.remove")) return;
    const Stmt* parent = parent_of_top();
    bool is_body = false;
    if (const auto* i = dyn_cast_or_null<IfStmt>(parent)) is_body = body == i->getThen() || body == i->getElse();
    else if (const auto* f = dyn_cast_or_null<ForStmt>(parent)) is_body = body == f->getBody();
    else if (const auto* w = dyn_cast_or_null<WhileStmt>(parent)) is_body = body == w->getBody();
    else if (const auto* d = dyn_cast_or_null<DoStmt>(parent)) is_body = body == d->getBody();
    else if (const auto* r = dyn_cast_or_null<CXXForRangeStmt>(parent)) is_body = body == r->getBody();
    if (!is_body || body->body_empty() || contains_jump(body)) return;
    Place place;
    auto range = span(body->getLBracLoc(), body->getRBracLoc(), place);
    if (!range) return;
    Point p;
    p.range = *range;
    p.form = Point::Form::Block;
    p.holes = {*range};
    p.allow_directives = true;
    p.choices.push_back({"block.remove", {}, "{}", 0});
    emit(place, std::move(p));
  }

  ASTContext& ctx_;
  SourceManager& sm_;
  const LangOptions& lang_;
  PrintingPolicy policy_{LangOptions()};
  const OperatorSet& operators_;
  const std::function<int(FileID)>& file_index_;
  std::vector<std::vector<Point>>& out_;
  std::vector<FunctionContext> functions_;
  std::vector<Stmt*> stack_;  // the statements from the function body down to the current one
};

}  // namespace

void find_points(ASTContext& context, const OperatorSet& operators,
                 const std::function<int(FileID)>& file_index, std::vector<std::vector<Point>>& points) {
  Finder finder(context, operators, file_index, points);
  finder.TraverseDecl(context.getTranslationUnitDecl());
}

}  // namespace sqlink::finder
