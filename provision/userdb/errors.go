package userdb

import (
	"errors"
	"strings"
)

// ErrNotFound is returned when no user or no live session matches.
var ErrNotFound = errors.New("userdb: not found")

// redactedError carries an error whose message had a secret removed. Unwrap
// keeps errors.Is working (timeouts, cancellation); Error never shows it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every occurrence of secret removed from its
// message. Short secrets (under 3 bytes) are left alone: they would mangle
// the message and reveal nothing.
func redact(err error, secret string) error {
	if err == nil || len(secret) < 3 {
		return err
	}
	msg := err.Error()
	if !strings.Contains(msg, secret) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(msg, secret, "xxxxx"), err: err}
}
