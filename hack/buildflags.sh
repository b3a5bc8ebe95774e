# shellcheck shell=bash
# buildflags.sh is sourced by the scripts behind `make test`: it sets the
# compiler flags for everything a test run builds (the project's tests, the
# binary the e2e tests drive, the test world's control plane and MinIO).
#
# A machine's first test run is CPU-bound on two cores: some 4,000 packages
# are compiled (Kubernetes, Helm, MinIO and their dependencies). Measured
# here on Kubernetes' largest packages, compiling without inlining (-l) and
# without DWARF (-dwarf=false) takes about half the CPU time of the default.
# Nothing a test checks depends on inlining or debug info; the code is a bit
# slower to run, which the test world's few objects do not notice.
#
# The standard library keeps the default flags (std=): the runtime, crypto
# and encoding paths stay optimised, and std is shared with plain go builds.
#
# Every build of a test run must use the same flags: they are part of the Go
# build cache's key, so the ~950 packages the project shares with the control
# plane are compiled once only when both builds agree. (Benchmarks, `make
# build` and a plain `go test` use the default flags and their own cache
# entries.)
TEST_BUILD_FLAGS=(-gcflags='all=-l -dwarf=false' -gcflags='std=')
