package binjson

import (
	"errors"
	"testing"
)

func TestCheckPlaceholders(t *testing.T) {
	tests := []struct {
		data string
		n    int
		ok   bool
	}{
		{`["a",1]`, 0, true},
		{`"_placeholder"`, 0, true},
		{`{"_placeholder":"yes","num":5}`, 0, true},
		{`{"_placeholder":false,"num":5}`, 0, true},
		{ph(0), 1, true},
		{ph(0), 0, false},
		{`[` + ph(0) + `,{"a":[` + ph(1) + `]}]`, 2, true},
		{`[` + ph(0) + `,{"a":[` + ph(2) + `]}]`, 2, false},
		{`{"_placeholder":true,"num":1e0}`, 2, true},
		{`{"_placeholder":true,"num":-0}`, 1, true},
		{`{"_placeholder":true,"num":1.5}`, 2, false},
		{`{"_placeholder":true,"num":-1}`, 2, false},
		{`{"_placeholder":true,"num":"0"}`, 2, false},
		{`{"_placeholder":true,"num":null}`, 2, false},
		{`{"_placeholder":true}`, 2, false},
		{`{"_placeholder":true,"num":1e400}`, 2, false},
		{`{"_placeholder":true,"num":99999999999999999999}`, 2, false},
		{`{"_placeholder":true,"num":0,"_placeholder":false}`, 0, true}, // the last duplicate wins
		{`{"_placeholder":true,"num":9,"num":0}`, 1, true},
		{`{"_placeholder":true,"num":0,"x":` + ph(7) + `}`, 1, true}, // inside a placeholder: not looked at
		{`{"\u005Fplaceholder":true,"num":3}`, 1, false},
		{`{"_plac\u0065holder":true,"num":0}`, 1, true},
		{` [ { "_placeholder" : true , "num" : 0 } ] `, 1, true},
	}
	for _, tt := range tests {
		err := CheckPlaceholders([]byte(tt.data), tt.n)
		if (err == nil) != tt.ok {
			t.Errorf("CheckPlaceholders(%s, %d) = %v, want ok %v", tt.data, tt.n, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrPlaceholder) {
			t.Errorf("CheckPlaceholders(%s, %d) = %v, not ErrPlaceholder", tt.data, tt.n, err)
		}
	}
	// Invalid input gives an error, not a panic.
	for _, bad := range []string{`{"_placeholder":true,"num":0`, `{"_placeholder"`, `[{"\u`, `{"_placeholder":true,"num":0}]`} {
		if err := CheckPlaceholders([]byte(bad), 1); err == nil {
			t.Errorf("CheckPlaceholders(%s): no error", bad)
		}
	}
}

func TestCheckPlaceholdersFast(t *testing.T) {
	data := []byte(`["event",{"a":[1,2,3],"b":"some text"},42]`)
	if n := testing.AllocsPerRun(100, func() { _ = CheckPlaceholders(data, 0) }); n != 0 {
		t.Errorf("%v allocations without placeholders", n)
	}
}
