package kv

import "time"

// SetMinTTL lowers the 60 s minimum so tests can watch the server expire keys.
func SetMinTTL(s *Store, d time.Duration) { s.minTTL = d }
