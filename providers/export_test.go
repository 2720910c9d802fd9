package providers

import "time"

// SetRegistryClock makes r read the time, when a configuration is
// replaced, from now.
func SetRegistryClock(r *Registry, now func() time.Time) { r.now = now }
