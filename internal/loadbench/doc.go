// Package loadbench holds the load comparison behind scripts/bench.sh: a
// built Caddy with plain reverse_proxy against the same Caddy with the
// mautic handler in front, anonymous and signed-in, with and without
// encode gzip, measured by the proxy's CPU time per request (from
// /proc/<pid>/stat), requests per second and latency percentiles. It is a
// test behind the "bench" build tag, so that it can use the repository's
// real test fixtures (MariaDB through dbtest, the Mautic simulator) and
// nothing needs installing:
//
//	scripts/bench.sh           # full run, for the README
//	scripts/bench.sh --short   # a few seconds per case, for CI
//
// The test reads CADDY_MAUTIC_BENCH_CADDY (the caddy binary),
// CADDY_MAUTIC_BENCH_OUT (where to write the markdown table) and
// CADDY_MAUTIC_BENCH_SHORT (1 for the short form), and optionally
// CADDY_MAUTIC_BENCH_ROUNDS and CADDY_MAUTIC_BENCH_PER (a duration) to
// change the number of rounds and the time per case.
package loadbench
