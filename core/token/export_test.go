package token

// RememberedCount reports how many verified tokens v holds.
func RememberedCount(v *Verifier) int { return v.verified.Len() }
