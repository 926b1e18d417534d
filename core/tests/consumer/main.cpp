// A consumer of the installed sqlink library: parses a duration and a host argv, prints both.
#include <sqlink/sqlink.hpp>

#include <iostream>

int main() {
  auto d = sqlink::parse_duration("2h");
  auto bad = sqlink::parse_size("99999999999999999999G");
  const char* argv[] = {"sqlink", "--bundle-load", "tools", ".cache", "stats"};
  auto args = sqlink::parse_host_argv(5, argv);
  if (!d || bad || !args) return 1;
  std::cout << "sqlink " << sqlink::kVersion << ": " << d->count() << "s; "
            << sqlink::errc_name(bad.error().code) << "; " << args->bundle->ref << "\n";
  return 0;
}
