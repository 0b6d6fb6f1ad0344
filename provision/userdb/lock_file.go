package userdb

import (
	"context"
	"sync"
)

// fileLocks is the lock table of SQLite databases: one process owns a SQLite
// file in practice, so a table in this process, shared by every DB open on
// the same file, excludes what needs excluding. Keys are namespace+user id;
// values are the grant holding them.
var fileLocks = struct {
	sync.Mutex
	held map[string]*fileGrant
}{held: make(map[string]*fileGrant)}

// fileGrant identifies one tryLock call; it is not zero-sized, so every
// grant has its own address.
type fileGrant struct{ _ byte }

// fileLocker locks users of one SQLite file in fileLocks.
type fileLocker struct {
	namespace string
}

func (l *fileLocker) tryLock(_ context.Context, ids []string) ([]string, func(), error) {
	g := &fileGrant{}
	var held []string
	fileLocks.Lock()
	for _, id := range ids {
		key := l.namespace + id
		if _, taken := fileLocks.held[key]; !taken {
			fileLocks.held[key] = g
			held = append(held, id)
		}
	}
	fileLocks.Unlock()
	return held, func() {
		fileLocks.Lock()
		defer fileLocks.Unlock()
		for _, id := range held {
			key := l.namespace + id
			if fileLocks.held[key] == g {
				delete(fileLocks.held, key)
			}
		}
	}, nil
}
