// Package spool keeps inbound webhook bodies durably on disk until they have
// been applied, so that an event a sender was told it delivered is never
// lost: not by a crash, a restart, nor a database that is down for an hour.
//
// Mautic never retries a webhook it got an HTTP error for, and it cannot
// tell an event that was applied from one that was only received. The
// receiver therefore answers 2xx only after Put has returned: by then the
// body is in a file that was written to a temporary name, synced, renamed
// into place and its directory synced. A goroutine owned by the Spool then
// hands each stored body to Config.Apply, retrying with exponential backoff
// until it succeeds, and deletes the file only afterwards.
//
// Files are named by the SHA-256 of the body, so the same body put twice is
// stored once, and its digest is remembered for Config.Remember after it was
// applied: a sender's replay is answered as a duplicate and changes nothing.
// A body Apply reports as permanently unusable (Permanent) is moved to the
// rejected/ folder with a note saying why, never silently dropped.
//
// Layout under Config.Dir:
//
//	pending/<sha256>.hook   stored, waiting to be applied
//	applied/<sha256>        empty marker; its mtime is when it was applied
//	rejected/<sha256>.hook  moved aside, with <sha256>.reason beside it
//	tmp/                    files being written
//
// Several Spools may share a directory for a moment (a configuration
// reload opens the new one before the old one is closed): every step is
// idempotent, so the worst case is an event applied twice, which Apply must
// tolerate anyway. The package imports nothing outside the standard library.
//
// # Shared spool
//
// Several Caddy instances behind a load balancer use Shared instead: its
// Store is a table in the application's database (userdb.DB.WebhookStore),
// so a body acknowledged by one instance survives losing that instance,
// disk and all, and is applied by whichever instance claims it first.
// Claims are leases (SharedConfig.Lease, 10 s by default, renewed while
// Apply runs) taken with a compare-and-set UPDATE, so they work on MySQL, PostgreSQL and SQLite
// alike; an instance killed while it holds one delays the entry by at most
// the lease. While the Store fails, Put keeps the body in a disk Spool in
// SharedConfig.Dir, whose Apply moves it into the Store once the database
// answers: for those bodies the guarantee is "disk kept".
package spool
