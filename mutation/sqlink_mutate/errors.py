"""Exit codes and the error type every stage raises."""

EXIT_OK = 0
EXIT_BELOW_GATE = 1       # score under --fail-under, too many survivors, or below the baseline
EXIT_USAGE = 2            # bad command line or configuration
EXIT_BASELINE_FAILS = 3   # the tests fail with no mutant active: no verdict can be trusted
EXIT_TOOL_ERROR = 4       # the driver itself could not finish (build failed, finder failed, ...)


class MutateError(Exception):
    """A failure with the exit code it maps to; the message names the offending input."""

    def __init__(self, message: str, code: int = EXIT_TOOL_ERROR):
        super().__init__(message)
        self.code = code


class UsageError(MutateError):
    def __init__(self, message: str):
        super().__init__(message, EXIT_USAGE)


class BaselineFailure(MutateError):
    def __init__(self, message: str):
        super().__init__(message, EXIT_BASELINE_FAILS)
