#!/bin/bash -eu
# ClusterFuzzLite build: the same script OSS-Fuzz runs (ci/oss-fuzz/build.sh in the checkout).
exec "$SRC/sqlink/ci/oss-fuzz/build.sh" "$@"
