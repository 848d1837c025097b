package main

import (
	"testing"
	"time"
)

func TestConfigEnvFallback(t *testing.T) {
	env := map[string]string{"SIOGO_ADDR": ":4000", "SIOGO_STAFF": "a, b", "SIOGO_DRAIN_TIMEOUT": "3s", "SIOGO_REDIS_URL": "redis://x:1"}
	c, err := parseConfig([]string{"-staff", "c"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":4000" || c.RedisURL != "redis://x:1" || c.DrainTimeout != 3*time.Second {
		t.Fatalf("env not used: %+v", c)
	}
	if len(c.Staff) != 1 || c.Staff[0] != "c" {
		t.Fatalf("the flag must win over the environment: %v", c.Staff)
	}
}

func TestConfigRefusesBadValues(t *testing.T) {
	for _, args := range [][]string{
		{"-drain-timeout", "soon"},
		{"-event-rate", "0"},
		{"-event-burst", "-1"},
		{"extra"},
	} {
		if _, err := parseConfig(args, func(string) string { return "" }); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
