package jwtauth

// ArmedTimers returns how many expiry timers of a are neither stopped nor
// done: zero once every socket it accepted has gone.
func ArmedTimers(a *Auth) int64 { return a.armed.Load() }
