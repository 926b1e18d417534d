// Parsing one translation unit: the compile command from the database (the first one if the
// file is compiled more than once), adjusted for Clang, a syntax-only run, and the visit.
// A translation unit with errors yields no points: its AST may be incomplete.
#include "parse.hpp"

#include <clang/AST/ASTConsumer.h>
#include <clang/AST/ASTContext.h>
#include <clang/Basic/Diagnostic.h>
#include <clang/Basic/DiagnosticOptions.h>
#include <clang/Basic/FileManager.h>
#include <clang/Basic/SourceManager.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/FrontendAction.h>
#include <clang/Frontend/TextDiagnosticPrinter.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/Tooling.h>
#include <llvm/ADT/DenseMap.h>
#include <llvm/Support/VirtualFileSystem.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "compile_flags.hpp"
#include "visit.hpp"

namespace sqlink::finder {
namespace {

using namespace clang;

// Prints like clang into a buffer (printed later, in one piece) and keeps the first error.
class CollectingDiagnostics : public DiagnosticConsumer {
 public:
  CollectingDiagnostics() : out_(text_), options_(new DiagnosticOptions), printer_(out_, options_.get()) {}

  void BeginSourceFile(const LangOptions& lang, const Preprocessor* pp) override {
    printer_.BeginSourceFile(lang, pp);
  }
  void EndSourceFile() override { printer_.EndSourceFile(); }
  void HandleDiagnostic(DiagnosticsEngine::Level level, const Diagnostic& info) override {
    DiagnosticConsumer::HandleDiagnostic(level, info);
    printer_.HandleDiagnostic(level, info);
    if (level < DiagnosticsEngine::Error || !first_error_.empty()) return;
    llvm::SmallString<256> message;
    info.FormatDiagnostic(message);
    if (info.hasSourceManager() && info.getLocation().isValid()) {
      PresumedLoc where = info.getSourceManager().getPresumedLoc(info.getLocation());
      if (where.isValid())
        first_error_ = std::string(where.getFilename()) + ":" + std::to_string(where.getLine()) + ":" +
                       std::to_string(where.getColumn()) + ": ";
    }
    first_error_ += message.str().str();
  }

  std::string text() { return out_.str(); }
  const std::string& first_error() const { return first_error_; }

 private:
  std::string text_;
  llvm::raw_string_ostream out_;
  IntrusiveRefCntPtr<DiagnosticOptions> options_;
  TextDiagnosticPrinter printer_;
  std::string first_error_;
};

// The database as seen by one parse: only the first command of the file.
class FirstCommand : public tooling::CompilationDatabase {
 public:
  explicit FirstCommand(const tooling::CompilationDatabase& base) : base_(base) {}
  std::vector<tooling::CompileCommand> getCompileCommands(llvm::StringRef file) const override {
    auto commands = base_.getCompileCommands(file);
    if (commands.size() > 1) commands.resize(1);
    return commands;
  }

 private:
  const tooling::CompilationDatabase& base_;
};

class FindConsumer : public ASTConsumer {
 public:
  FindConsumer(const std::vector<std::string>& wanted, const OperatorSet& operators, ParseOutcome& outcome)
      : wanted_(wanted), operators_(operators), outcome_(outcome) {}

  void Initialize(ASTContext& context) override { sm_ = &context.getSourceManager(); }

  // Function bodies in headers that are not mutated are skipped while parsing (FrontendOptions::
  // SkipFunctionBodies): most of a translation unit is headers. Sema never asks for constexpr
  // functions or deduced return types, whose bodies it needs. The main file keeps its bodies: a
  // mutated file may be included inside one (an X-macro .def in a switch).
  bool shouldSkipFunctionBody(Decl* d) override {
    if (!sm_) return false;
    FileID file = sm_->getFileID(sm_->getExpansionLoc(d->getLocation()));
    if (file == sm_->getMainFileID()) return false;
    auto [it, inserted] = skip_cache_.emplace(file, true);
    if (inserted) {
      const FileEntry* entry = sm_->getFileEntryForID(file);
      llvm::SmallString<256> real;
      if (!entry || sm_->getFileManager().getVirtualFileSystem().getRealPath(entry->getName(), real))
        it->second = false;  // unsure: keep the body
      else
        it->second = std::find(wanted_.begin(), wanted_.end(), real.str()) == wanted_.end();
    }
    return it->second;
  }

  void HandleTranslationUnit(ASTContext& context) override {
    if (context.getDiagnostics().hasErrorOccurred()) return;
    SourceManager& sm = context.getSourceManager();
    llvm::vfs::FileSystem& fs = sm.getFileManager().getVirtualFileSystem();
    llvm::DenseMap<const FileEntry*, int> index_of_entry;
    for (auto it = sm.fileinfo_begin(); it != sm.fileinfo_end(); ++it) {
      const FileEntry* entry = it->first;
      llvm::SmallString<256> real;
      if (fs.getRealPath(entry->getName(), real)) continue;
      for (size_t i = 0; i < wanted_.size(); ++i) {
        if (wanted_[i] != real.str()) continue;
        auto buffer = sm.getMemoryBufferForFileOrNone(entry);
        if (!buffer) break;
        FoundFile& found = outcome_.files[i];
        found.present = true;
        found.bytes = buffer->getBuffer().str();
        index_of_entry[entry] = static_cast<int>(i);
        break;
      }
    }
    std::map<FileID, int> cache;
    std::function<int(FileID)> file_index = [&](FileID file) {
      auto [it, inserted] = cache.emplace(file, -1);
      if (inserted)
        if (const FileEntry* entry = sm.getFileEntryForID(file))
          if (auto found = index_of_entry.find(entry); found != index_of_entry.end()) it->second = found->second;
      return it->second;
    };
    std::vector<std::vector<Point>> points(wanted_.size());
    find_points(context, operators_, file_index, points);
    for (size_t i = 0; i < points.size(); ++i) outcome_.files[i].points = std::move(points[i]);
  }

 private:
  const std::vector<std::string>& wanted_;
  const OperatorSet& operators_;
  ParseOutcome& outcome_;
  SourceManager* sm_ = nullptr;
  std::map<FileID, bool> skip_cache_;
};

class FindAction : public ASTFrontendAction {
 public:
  FindAction(const std::vector<std::string>& wanted, const OperatorSet& operators, ParseOutcome& outcome)
      : wanted_(wanted), operators_(operators), outcome_(outcome) {}
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance& compiler, llvm::StringRef) override {
    compiler.getFrontendOpts().SkipFunctionBodies = std::getenv("SQLINK_FINDER_PARSE_ALL_BODIES") == nullptr;
    return std::make_unique<FindConsumer>(wanted_, operators_, outcome_);
  }

 private:
  const std::vector<std::string>& wanted_;
  const OperatorSet& operators_;
  ParseOutcome& outcome_;
};

class FindActionFactory : public tooling::FrontendActionFactory {
 public:
  FindActionFactory(const std::vector<std::string>& wanted, const OperatorSet& operators, ParseOutcome& outcome)
      : wanted_(wanted), operators_(operators), outcome_(outcome) {}
  std::unique_ptr<FrontendAction> create() override {
    return std::make_unique<FindAction>(wanted_, operators_, outcome_);
  }

 private:
  const std::vector<std::string>& wanted_;
  const OperatorSet& operators_;
  ParseOutcome& outcome_;
};

}  // namespace

ParseOutcome parse_translation_unit(const tooling::CompilationDatabase& database,
                                    const std::string& translation_unit,
                                    const std::vector<std::string>& wanted,
                                    const OperatorSet& operators, const std::string& resource_dir) {
  ParseOutcome outcome;
  outcome.files.resize(wanted.size());
  FirstCommand first(database);
  // A private physical file system: the working directory of one parse is not the process's,
  // so parses on other threads are not disturbed.
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs(llvm::vfs::createPhysicalFileSystem().release());
  tooling::ClangTool tool(first, {translation_unit}, std::make_shared<PCHContainerOperations>(), fs);
  tool.clearArgumentsAdjusters();
  tool.appendArgumentsAdjuster([&resource_dir](const tooling::CommandLineArguments& args, llvm::StringRef) {
    return clang_arguments(args, resource_dir);
  });
  tool.setPrintErrorMessage(false);
  CollectingDiagnostics diagnostics;
  tool.setDiagnosticConsumer(&diagnostics);
  FindActionFactory factory(wanted, operators, outcome);
  int status = tool.run(&factory);
  outcome.diagnostics = diagnostics.text();
  outcome.first_error = diagnostics.first_error();
  outcome.parsed = status == 0 && diagnostics.getNumErrors() == 0;
  if (!outcome.parsed) {
    if (outcome.first_error.empty()) outcome.first_error = "the translation unit could not be parsed";
    for (FoundFile& file : outcome.files) file = FoundFile{};
  }
  return outcome;
}

}  // namespace sqlink::finder
