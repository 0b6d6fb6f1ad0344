// Package fleettest runs several real Caddy processes with the module on
// one database, in front of one simulated Mautic, and checks what must
// hold across instances: a webhook accepted by one takes effect on all
// within a stated bound, killing the instance that accepted it loses
// nothing, and concurrent sign-ups across instances make one contact per
// user. It also runs the fault scenarios of scripts/scenarios.sh.
//
// The Caddy binary is built from ./caddybin (Caddy's own main, the
// standard modules and this module) unless CADDY_BIN names one, such as
// the ./caddy of ./xcaddy.sh. The tests are skipped with -short.
package fleettest
