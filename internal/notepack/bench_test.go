package notepack

import "testing"

// A typical broadcast: [uid, packet, opts] with a small chat message.
const benchJSON = `["ZG-vEY",{"type":2,"data":["chat message",{"user":"alice","text":"hello <world> & friends","room":"lobby","time":1700000000123,"tags":["a","b"],"private":false}],"nsp":"/"},{"rooms":["lobby"],"except":[],"flags":{"volatile":false,"compress":true}}]`

func BenchmarkAppendJSON(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 512)
	for b.Loop() {
		var err error
		if buf, err = AppendJSON(buf[:0], []byte(benchJSON), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToJSON(b *testing.B) {
	b.ReportAllocs()
	msg, err := AppendJSON(nil, []byte(benchJSON), nil)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	var atts [][]byte
	for b.Loop() {
		if buf, _, err = ToJSON(buf[:0], &atts, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSONBinary(b *testing.B) {
	b.ReportAllocs()
	js := []byte(`["ZG-vEY",{"type":2,"data":["file",{"name":"a.png","data":{"_placeholder":true,"num":0}}],"nsp":"/"},{"rooms":[],"except":[],"flags":{}}]`)
	atts := [][]byte{make([]byte, 4096)}
	buf := make([]byte, 0, 8192)
	for b.Loop() {
		var err error
		if buf, err = AppendJSON(buf[:0], js, atts); err != nil {
			b.Fatal(err)
		}
	}
}
