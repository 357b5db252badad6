package token

// RememberedCount reports how many verified tokens v holds.
func RememberedCount(v *Verifier) int {
	v.memo.mu.Lock()
	defer v.memo.mu.Unlock()
	return len(v.memo.m)
}
