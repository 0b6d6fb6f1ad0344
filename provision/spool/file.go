package spool

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// magic opens every spool file; the number is the format version.
const magic = "caddy-mautic-spool 1\n"

// maxMetaLine bounds the metadata line, so a damaged file cannot make a
// reader hold an unbounded line.
const maxMetaLine = 64 << 10

// Meta is what a receiver keeps beside the body: when it arrived and the
// request headers it may need later (never credentials or signatures).
type Meta struct {
	ReceivedAt time.Time         `json:"received_at"`
	Header     map[string]string `json:"header,omitempty"`
}

// Entry is one stored body, as handed to Config.Apply.
type Entry struct {
	// ID is the lowercase hex SHA-256 of Body; the file is named by it.
	ID   string
	Body []byte
	Meta Meta
	// Attempts counts earlier Apply calls for this entry in this process.
	Attempts int
}

// Digest returns the ID a body is stored under.
func Digest(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// encodeFile renders a spool file: magic, one JSON line of Meta, the body.
func encodeFile(body []byte, meta Meta) ([]byte, error) {
	line, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("spool: encode metadata: %w", err)
	}
	out := make([]byte, 0, len(magic)+len(line)+1+len(body))
	out = append(out, magic...)
	out = append(out, line...)
	out = append(out, '\n')
	return append(out, body...), nil
}

// errCorrupt marks a file that is not a valid spool file or whose body does
// not match its name.
var errCorrupt = errors.New("spool: file is damaged")

// decodeFile parses a spool file and checks the body against id.
func decodeFile(id string, data []byte) (Entry, error) {
	rest, ok := bytes.CutPrefix(data, []byte(magic))
	if !ok {
		return Entry{}, fmt.Errorf("%w: unknown format", errCorrupt)
	}
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 || nl > maxMetaLine {
		return Entry{}, fmt.Errorf("%w: no metadata line", errCorrupt)
	}
	var meta Meta
	if err := json.Unmarshal(rest[:nl], &meta); err != nil {
		return Entry{}, fmt.Errorf("%w: metadata: %v", errCorrupt, err)
	}
	body := rest[nl+1:]
	if Digest(body) != id {
		return Entry{}, fmt.Errorf("%w: body does not match its digest (truncated or edited)", errCorrupt)
	}
	return Entry{ID: id, Body: body, Meta: meta}, nil
}

// writeDurably writes data to dir/name through a temporary file in tmpDir:
// write, fsync, rename, fsync the directory. After it returns nil the file
// survives a crash or power loss (on file systems that honour fsync).
func writeDurably(tmpDir, dir, name string, data []byte) error {
	f, err := os.CreateTemp(tmpDir, name+".*")
	if err != nil {
		return fmt.Errorf("spool: create temporary file: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		return err
	}
	if _, err := f.Write(data); err != nil {
		return fail(fmt.Errorf("spool: write: %w", err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("spool: sync: %w", err))
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("spool: close: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("spool: rename into place: %w", err)
	}
	return syncDir(dir)
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("spool: open directory to sync: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("spool: sync directory: %w", err)
	}
	return nil
}

// isDigest reports whether s looks like an ID (64 lowercase hex digits), so
// that stray files in the spool folders are ignored.
func isDigest(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
