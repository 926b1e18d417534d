// One run() per dot-command: the table std::visit dispatches through. Each group of commands
// lives in its own file (cache_commands.cpp, bundle_commands.cpp, ...).
#pragma once

#include "cli/context.hpp"

namespace sqlink::cli {

Result<Reply> run(Context& ctx, const LoadCommand& command);

Result<Reply> run(Context& ctx, const BundleSave& command);
Result<Reply> run(Context& ctx, const BundleBuild& command);
Result<Reply> run(Context& ctx, const BundleList& command);
Result<Reply> run(Context& ctx, const BundleShow& command);
Result<Reply> run(Context& ctx, const BundleDelete& command);
Result<Reply> run(Context& ctx, const BundleAlias& command);
Result<Reply> run(Context& ctx, const BundleUnalias& command);
Result<Reply> run(Context& ctx, const BundleGc& command);

Result<Reply> run(Context& ctx, const PrefixAdd& command);
Result<Reply> run(Context& ctx, const PrefixList& command);
Result<Reply> run(Context& ctx, const PrefixFunctions& command);
Result<Reply> run(Context& ctx, const PrefixExpansion& command);
Result<Reply> run(Context& ctx, const PrefixRename& command);
Result<Reply> run(Context& ctx, const PrefixDelete& command);
Result<Reply> run(Context& ctx, const PrefixPrefer& command);
Result<Reply> run(Context& ctx, const PrefixUnprefer& command);
Result<Reply> run(Context& ctx, const PrefixConflicts& command);
Result<Reply> run(Context& ctx, const PrefixVerify& command);

Result<Reply> run(Context& ctx, const CacheList& command);
Result<Reply> run(Context& ctx, const CacheStats& command);
Result<Reply> run(Context& ctx, const CacheGc& command);
Result<Reply> run(Context& ctx, const CacheEvict& command);
Result<Reply> run(Context& ctx, const CacheExport& command);
Result<Reply> run(Context& ctx, const CacheImport& command);
Result<Reply> run(Context& ctx, const CacheVerify& command);
Result<Reply> run(Context& ctx, const CacheDoctor& command);

Result<Reply> run(Context& ctx, const HelpCommand& command);
// Never reached: the runner executes .read itself (it runs further commands).
Result<Reply> run(Context& ctx, const ReadCommand& command);

}  // namespace sqlink::cli
