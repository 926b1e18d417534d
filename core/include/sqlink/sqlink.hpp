// Umbrella header of the sqlink library.
#pragma once

#include "sqlink/argv.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/capability.hpp"
#include "sqlink/cas.hpp"
#include "sqlink/dotcmd.hpp"
#include "sqlink/error.hpp"
#include "sqlink/hash.hpp"
#include "sqlink/host.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/path_guard.hpp"
#include "sqlink/prefix.hpp"
#include "sqlink/resolver.hpp"
#include "sqlink/spawn.hpp"
#include "sqlink/transport.hpp"
#include "sqlink/units.hpp"
#include "sqlink/version.hpp"
